package vendor

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
)

// CompactJSON writes v as the vendors' servers do (Java's Jackson, .NET's
// Json.NET): compact, without Go's HTML escaping of <, > and &, and with
// no trailing newline. Every simulator's JSON goes through it.
func CompactJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic("vendor: an answer that cannot be JSON: " + err.Error()) // answers are the simulators' own types
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// EscapeXML escapes text for an XML element or attribute. Every
// simulator's XML text goes through it.
func EscapeXML(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
