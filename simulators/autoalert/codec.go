package autoalert

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/mockauth/mockauth/simulators/vendor"
)

// Namespaces of the DataContract XML, as the vendor's help shows them.
const (
	NSUser     = "http://schemas.datacontract.org/2004/07/AutoAlert.API.Models.User"
	NSMobile   = "http://schemas.datacontract.org/2004/07/AutoAlert.API.Models.Mobile"
	NSAPI      = "http://schemas.datacontract.org/2004/07/AutoAlert.API"
	NSInstance = "http://www.w3.org/2001/XMLSchema-instance"
)

// Errors of reading a request body.
var (
	errUnsupportedMediaType = errors.New("unsupported media type")
	errBrokenBody           = errors.New("broken body")
)

// contract is a request DataContract: its root element (empty: any) and
// its members in DataContract order, which for this service is ordinal
// alphabetical order.
type contract struct {
	root    string
	members []string
}

// readRequest reads the members of a request body in any of the formats
// the service accepts. A member absent from the body is absent from the map.
func readRequest(r *http.Request, body []byte, c contract) (map[string]string, string, error) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		if len(bytes.TrimSpace(body)) == 0 {
			return map[string]string{}, "", nil // no parameters at all
		}
		return nil, "application/octet-stream", errUnsupportedMediaType
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return nil, ct, errUnsupportedMediaType
	}
	switch mt {
	case "application/json", "text/json":
		return readJSON(body, c)
	case "application/xml", "text/xml":
		return readXML(body, c)
	case "application/x-www-form-urlencoded":
		return readForm(body, c)
	}
	return nil, mt, errUnsupportedMediaType
}

// member finds a contract member case-insensitively, as Json.NET and the
// form binder match property names.
func (c contract) member(name string) (string, bool) {
	for _, m := range c.members {
		if strings.EqualFold(m, name) {
			return m, true
		}
	}
	return "", false
}

func readJSON(body []byte, c contract) (map[string]string, string, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return map[string]string{}, "", nil
	}
	var obj map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil || dec.More() {
		return nil, "", errBrokenBody
	}
	out := map[string]string{}
	for k, v := range obj {
		m, ok := c.member(k)
		if !ok || v == nil {
			continue
		}
		switch v := v.(type) {
		case string:
			out[m] = v
		case json.Number:
			out[m] = v.String()
		case bool:
			out[m] = strconv.FormatBool(v)
		default:
			return nil, "", errBrokenBody // an object where a string belongs
		}
	}
	return out, "", nil
}

func readForm(body []byte, c contract) (map[string]string, string, error) {
	vals, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, "", errBrokenBody
	}
	out := map[string]string{}
	for k, v := range vals {
		if m, ok := c.member(k); ok && len(v) > 0 {
			out[m] = v[0]
		}
	}
	return out, "", nil
}

// readXML reads DataContract XML as .NET's DataContractSerializer does:
// members must come in the contract's order; an element that comes after a
// later member has been read is skipped as if absent, and so is an element
// in another namespace. Names are case-sensitive.
func readXML(body []byte, c contract) (map[string]string, string, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	root, err := firstElement(dec)
	if err != nil || root.Name.Space != NSUser || (c.root != "" && root.Name.Local != c.root) {
		return nil, "", errBrokenBody
	}
	out := map[string]string{}
	last := -1
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, "", errBrokenBody // the root was never closed
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return out, "", nil
		case xml.StartElement:
			i := slices.Index(c.members, t.Name.Local)
			if t.Name.Space != NSUser || i <= last {
				if err := dec.Skip(); err != nil {
					return nil, "", errBrokenBody
				}
				continue
			}
			var v string
			if err := dec.DecodeElement(&v, &t); err != nil {
				return nil, "", errBrokenBody
			}
			last = i
			if !isNil(t) {
				out[c.members[i]] = v
			}
		}
	}
}

func firstElement(dec *xml.Decoder) (xml.StartElement, error) {
	for {
		tok, err := dec.Token()
		if err != nil {
			return xml.StartElement{}, err
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se, nil
		}
	}
}

func isNil(se xml.StartElement) bool {
	for _, a := range se.Attr {
		if a.Name.Space == NSInstance && a.Name.Local == "nil" && a.Value == "true" {
			return true
		}
	}
	return false
}

// format is a negotiated answer format.
type format struct {
	xml         bool
	contentType string
}

// formatJSON is the first formatter's: what Web API answers when Accept
// names nothing else it can write.
var formatJSON = format{false, "application/json; charset=utf-8"}

// negotiate picks the answer's format from Accept: the best-quality type
// the service can write; JSON when Accept is absent, */* or names nothing
// it can write. The media type asked for is echoed (text/xml stays text/xml).
func negotiate(r *http.Request) format {
	type ranged struct {
		mt string
		q  float64
	}
	var accepts []ranged
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if s, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				q = f
			}
		}
		if q > 0 {
			accepts = append(accepts, ranged{mt, q})
		}
	}
	sort.SliceStable(accepts, func(i, j int) bool { return accepts[i].q > accepts[j].q })
	for _, a := range accepts {
		switch a.mt {
		case "application/json", "text/json", "*/*", "application/*":
			if a.mt == "text/json" {
				return format{false, "text/json; charset=utf-8"}
			}
			return formatJSON
		case "application/xml", "text/xml":
			return format{true, a.mt + "; charset=utf-8"}
		}
	}
	return formatJSON
}

// xmlField is one element of a DataContract answer.
type xmlField struct {
	name, ns, value string // ns "" for the root's namespace
	null            bool   // written as i:nil="true"
	raw             bool   // value is XML already
}

// dataContractXML writes an answer as DataContractSerializer does: no
// declaration, no whitespace, xmlns:i then the default namespace on the
// root, base-class members (in their own namespace) first.
func dataContractXML(root, ns string, fields []xmlField) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<%s xmlns:i="%s" xmlns="%s">`, root, NSInstance, ns)
	for _, f := range fields {
		b.WriteString("<" + f.name)
		if f.ns != "" {
			b.WriteString(` xmlns="` + f.ns + `"`)
		}
		if f.null {
			b.WriteString(` i:nil="true"/>`)
			continue
		}
		b.WriteString(">")
		if f.raw {
			b.WriteString(f.value)
		} else {
			b.WriteString(escape(f.value))
		}
		b.WriteString("</" + f.name + ">")
	}
	b.WriteString("</" + root + ">")
	return b.Bytes()
}

// marshalJSON writes v compactly, as Json.NET does.
func marshalJSON(v any) []byte { return vendor.CompactJSON(v) }

// drain reads what is left of a body; handlers read the body the pipeline
// handed them whole.
func drain(r io.Reader) []byte {
	b, _ := io.ReadAll(r)
	return b
}
