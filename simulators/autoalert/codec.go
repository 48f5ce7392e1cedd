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
	NSModels   = "http://schemas.datacontract.org/2004/07/AutoAlert.API.Models"
	NSUser     = "http://schemas.datacontract.org/2004/07/AutoAlert.API.Models.User"
	NSSearch   = "http://schemas.datacontract.org/2004/07/AutoAlert.API.Models.Search"
	NSMobile   = "http://schemas.datacontract.org/2004/07/AutoAlert.API.Models.Mobile"
	NSAPI      = "http://schemas.datacontract.org/2004/07/AutoAlert.API"
	NSInstance = "http://www.w3.org/2001/XMLSchema-instance"
)

// Errors of reading a request body.
var (
	errUnsupportedMediaType = errors.New("unsupported media type")
	errBrokenBody           = errors.New("broken body")
)

// member is a DataContract member: its name and the namespace of the type
// that declares it (an inherited token is in AutoAlert.API.Models whatever
// the request's own namespace).
type member struct{ name, ns string }

// contract is a request DataContract: its root element and namespace, and
// its members in DataContract order: the base type's first, then the
// type's own, each in ordinal alphabetical order.
type contract struct {
	root, ns string
	members  []member
}

// names lists the members' names.
func (c contract) names() []string {
	out := make([]string, len(c.members))
	for i, m := range c.members {
		out[i] = m.name
	}
	return out
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
		if strings.EqualFold(m.name, name) {
			return m.name, true
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
// the root's name and namespace must be the contract's; each member is in
// the namespace of the type that declares it; members must come in the
// contract's order, and an element after a later member has been read is
// skipped as if absent, as is an element of another name or namespace.
// Names are case-sensitive.
func readXML(body []byte, c contract) (map[string]string, string, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	root, err := firstElement(dec)
	if err != nil || root.Name.Space != c.ns || root.Name.Local != c.root {
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
			i := slices.Index(c.members, member{t.Name.Local, t.Name.Space})
			if i <= last {
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
				out[c.members[i].name] = v
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

// xmlHTTPRequest is Web API's XmlHttpRequestHeaderMapping: the header
// X-Requested-With: XMLHttpRequest (any case), and no Accept or exactly
// */*.
func xmlHTTPRequest(r *http.Request) bool {
	if !strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Requested-With")), "XMLHttpRequest") {
		return false
	}
	accepts := vendor.ParseAccept(r.Header.Get("Accept"))
	return len(accepts) == 0 || len(accepts) == 1 && accepts[0].MediaType == "*/*"
}

// format is a negotiated answer format.
type format struct {
	xml         bool
	contentType string
}

// formatJSON is the first formatter's: what Web API answers when neither
// Accept nor the request's own media type names a type it writes.
var formatJSON = format{false, "application/json; charset=utf-8"}

// formatters are Web API's default writers, in order: JSON first.
var formatters = []struct {
	xml   bool
	types []string
}{
	{false, []string{"application/json", "text/json"}},
	{true, []string{"application/xml", "text/xml"}},
}

// How an Accept entry matched a formatter, weakest first.
const (
	matchAllRange     = iota + 1 // */*
	matchSubtypeRange            // application/*
	matchLiteral                 // application/xml
)

// negotiate picks the answer's format as ASP.NET Web API's
// DefaultContentNegotiator does: each formatter's best Accept match (by
// quality); among those, the highest quality, a literal type before a
// subtype range before */*, the first formatter on a tie. When Accept is
// absent or matches nothing, the request's own media type (an XML body
// gets XML, text/json gets text/json); then the first formatter, JSON.
// Before all of these, the JSON formatter's media-type mapping: a browser's
// XMLHttpRequest (X-Requested-With: XMLHttpRequest) that accepts anything
// gets JSON, whatever its body (XmlHttpRequestHeaderMapping: "Accept: */*
// is equivalent to passing no Accept header").
func negotiate(r *http.Request) format {
	if xmlHTTPRequest(r) {
		return formatJSON
	}
	accepts := vendor.ParseAccept(r.Header.Get("Accept"))
	// By quality, then the more specific first, as Web API's
	// MediaTypeWithQualityHeaderValueComparer sorts them.
	specificity := func(mt string) int {
		switch {
		case mt == "*/*":
			return matchAllRange
		case strings.HasSuffix(mt, "/*"):
			return matchSubtypeRange
		}
		return matchLiteral
	}
	sort.SliceStable(accepts, func(i, j int) bool {
		if accepts[i].Q != accepts[j].Q {
			return accepts[i].Q > accepts[j].Q
		}
		return specificity(accepts[i].MediaType) > specificity(accepts[j].MediaType)
	})

	type match struct {
		f    format
		q    float64
		kind int
	}
	var best [matchLiteral + 1]*match // the best match of each kind
	for _, fm := range formatters {
		var m *match
	accepts:
		for _, a := range accepts {
			for _, t := range fm.types {
				kind := 0
				switch {
				case a.MediaType == t:
					kind = matchLiteral
				case a.MediaType == "*/*":
					kind = matchAllRange
				case strings.HasSuffix(a.MediaType, "/*") && strings.HasPrefix(t, strings.TrimSuffix(a.MediaType, "*")):
					kind = matchSubtypeRange
				}
				if kind != 0 {
					m = &match{format{fm.xml, t + "; charset=utf-8"}, a.Q, kind}
					break accepts
				}
			}
		}
		if m != nil && (best[m.kind] == nil || m.q > best[m.kind].q) {
			best[m.kind] = m
		}
	}
	lit, sub, all := best[matchLiteral], best[matchSubtypeRange], best[matchAllRange]
	switch {
	case lit != nil && (sub == nil || lit.q >= sub.q) && (all == nil || lit.q >= all.q):
		return lit.f
	case sub != nil && (all == nil || sub.q >= all.q):
		return sub.f
	case all != nil:
		return all.f
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil {
		for _, fm := range formatters {
			if slices.Contains(fm.types, mt) {
				return format{fm.xml, mt + "; charset=utf-8"}
			}
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
	writeFields(&b, fields)
	b.WriteString("</" + root + ">")
	return b.Bytes()
}

// writeFields writes members as XmlWriter does.
func writeFields(b *bytes.Buffer, fields []xmlField) {
	for _, f := range fields {
		b.WriteString("<" + f.name)
		if f.null {
			// XmlWriter: the explicit attribute, then the implied namespace
			// declaration, and " />" for an empty element.
			b.WriteString(` i:nil="true"`)
			if f.ns != "" {
				b.WriteString(` xmlns="` + f.ns + `"`)
			}
			b.WriteString(` />`)
			continue
		}
		if f.ns != "" {
			b.WriteString(` xmlns="` + f.ns + `"`)
		}
		b.WriteString(">")
		if f.raw {
			b.WriteString(f.value)
		} else {
			b.WriteString(escape(f.value))
		}
		b.WriteString("</" + f.name + ">")
	}
}

// marshalJSON writes v compactly, as Json.NET does.
func marshalJSON(v any) []byte { return vendor.CompactJSON(v) }

// drain reads what is left of a body; handlers read the body the pipeline
// handed them whole.
func drain(r io.Reader) []byte {
	b, _ := io.ReadAll(r)
	return b
}
