package stub

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// A Read is a member of a stub's answer that the public client its basis
// cites reads, with the type that client's reading needs: a stub whose
// answer lacks one, or has it of another type, breaks that client (a
// wallboard that slices a missing list throws). A test holds every
// default stub's answer to its reads.
type Read struct {
	// Path is dotted member names from the answer's top; * is any member
	// of an object (each must have the rest) or any element of a list.
	Path string `json:"path"`
	// Type is string, number, boolean, object, list, or sliceable (a
	// string or a list: JavaScript's .slice reads either).
	Type string `json:"type"`
}

var readTypes = []string{"string", "number", "boolean", "object", "list", "sliceable"}

// parseReads reads `reads: {PATH: TYPE, ...}`.
func parseReads(v *yaml.Node, fail func(line int, format string, args ...any) error) ([]Read, error) {
	if v.Kind != yaml.MappingNode || len(v.Content) == 0 {
		return nil, fail(v.Line, "reads: a mapping of the members a cited client reads to their types (%s)", strings.Join(readTypes, ", "))
	}
	var out []Read
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, t := v.Content[i], v.Content[i+1]
		if strings.TrimSpace(k.Value) == "" || t.Kind != yaml.ScalarNode || !slices.Contains(readTypes, t.Value) {
			return nil, fail(t.Line, "reads: %q: a type of %s", clip(k.Value), strings.Join(readTypes, ", "))
		}
		out = append(out, Read{Path: k.Value, Type: t.Value})
	}
	return out, nil
}

// CheckReads says how a JSON answer fails the reads: each member missing,
// or of another type; none when the client's reading holds.
func CheckReads(body []byte, reads []Read) []string {
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return []string{"the answer is not JSON: " + err.Error()}
	}
	var out []string
	for _, rd := range reads {
		out = append(out, checkRead(doc, strings.Split(rd.Path, "."), rd.Path, rd.Type)...)
	}
	return out
}

func checkRead(v any, path []string, full, want string) []string {
	if len(path) == 0 {
		if !hasType(v, want) {
			return []string{fmt.Sprintf("%s: %s, not %s", full, typeOf(v), want)}
		}
		return nil
	}
	var next []any
	switch n := v.(type) {
	case map[string]any:
		if path[0] == "*" {
			for _, e := range n {
				next = append(next, e)
			}
		} else if e, ok := n[path[0]]; ok {
			next = append(next, e)
		}
	case []any:
		if path[0] == "*" {
			next = n
		}
	}
	if len(next) == 0 {
		return []string{fmt.Sprintf("%s: no member %q here", full, path[0])}
	}
	var out []string
	for _, e := range next {
		out = append(out, checkRead(e, path[1:], full, want)...)
	}
	return out
}

func hasType(v any, want string) bool {
	switch want {
	case "sliceable":
		return typeOf(v) == "string" || typeOf(v) == "list"
	default:
		return typeOf(v) == want
	}
}

func typeOf(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case map[string]any:
		return "object"
	case []any:
		return "list"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}
