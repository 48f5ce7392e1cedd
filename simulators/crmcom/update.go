package crmcom

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// contact_information/update: a POST method, so the token travels inside
// its JSON body, as the Introduction page says every POST method takes it.
const (
	Update     = "update"
	PathUpdate = BasePath + "/contact_information/update"
)

// contactByIdentifier finds a contact by one of the documented identifier
// fields; the index into the simulator's contacts, or -1.
func (s *Simulator) contactByIdentifier(field, value string) int {
	if !slices.Contains(contactIdentifiers, field) {
		return -1
	}
	return slices.IndexFunc(s.contacts, func(c Contact) bool { return c.identifiedBy(field, value) })
}

// update answers contact_information/update: the fields a request names
// change (null clears one), the others stay; the answer is the updated
// contact in show's shape (a reading).
func (s *Simulator) update(r *http.Request) response {
	body, _ := io.ReadAll(r.Body)
	var req map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&req); err != nil || dec.More() || req == nil {
		return fail(CodeMalformedRequest)
	}
	var token string
	if raw, ok := req["token"]; ok && json.Unmarshal(raw, &token) != nil {
		return fail(CodeMalformedRequest)
	}
	if _, res, good := s.checkToken(token); !good {
		return res
	}
	field, value, given := identifierOf(req["contact_information_identifier"])
	if !given {
		return fail(CodeMandatoryFieldMissing, "contact_information_identifier")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.contactByIdentifier(field, value)
	if i < 0 {
		return fail(CodeNotFound, field+"="+value)
	}
	c := s.contacts[i]
	for key, raw := range req {
		if err := c.set(key, raw); err != nil {
			return fail(CodeMalformedRequest)
		}
	}
	s.contacts[i] = c
	return ok(c)
}

// identifierOf reads contact_information_identifier: an object of one
// identifier field ({"id": "..."}), or the field=value string the GET
// methods take.
func identifierOf(raw json.RawMessage) (field, value string, ok bool) {
	var obj map[string]string
	if json.Unmarshal(raw, &obj) == nil && len(obj) == 1 {
		for f, v := range obj {
			return f, v, v != ""
		}
	}
	var str string
	if json.Unmarshal(raw, &str) == nil {
		f, v, found := strings.Cut(str, "=")
		return f, v, found && v != ""
	}
	return "", "", false
}

// maxMember caps what an update keeps of one member: contacts outlive the
// request, so a client cannot park megabytes in them.
const maxMember = 4 << 10

var errTooLong = errors.New("crmcom: a member longer than 4 KiB")

// set changes one updatable member; other keys (token, the identifier,
// members the method does not update) are left alone.
func (c *Contact) set(key string, raw json.RawMessage) error {
	str := func(p *string) error {
		var v *string
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		if v != nil && len(*v) > maxMember {
			return errTooLong
		}
		*p = ""
		if v != nil {
			*p = *v
		}
		return nil
	}
	switch key {
	case "title":
		return str(&c.Title)
	case "first_name":
		return str(&c.FirstName)
	case "middle_name":
		return str(&c.MiddleName)
	case "last_name":
		return str(&c.LastName)
	case "company_name":
		return str(&c.CompanyName)
	case "notes":
		return str(&c.Notes)
	case "preferred_language":
		return str(&c.PreferredLanguage)
	}
	if n, err := strconv.Atoi(strings.TrimPrefix(key, "udf_string_")); err == nil && strings.HasPrefix(key, "udf_string_") && n >= 1 && n <= udfStrings {
		var v string
		if err := str(&v); err != nil {
			return err
		}
		c.UDFStrings = withValue(c.UDFStrings, n, v, v != "")
		return nil
	}
	if n, err := strconv.Atoi(strings.TrimPrefix(key, "udf_float_")); err == nil && strings.HasPrefix(key, "udf_float_") && n >= 1 && n <= udfFloats {
		var v *float64
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		var f float64
		if v != nil {
			f = *v
		}
		c.UDFFloats = withValue(c.UDFFloats, n, f, v != nil)
		return nil
	}
	return nil
}

// withValue is a copy of m with n set to v, or removed when !present:
// a contact's maps are never shared with the fixtures.
func withValue[V any](m map[int]V, n int, v V, present bool) map[int]V {
	out := make(map[int]V, len(m)+1)
	for k, x := range m {
		out[k] = x
	}
	if present {
		out[n] = v
	} else {
		delete(out, n)
	}
	return out
}
