// Package yamlfile reads the project's YAML files (fixtures, scenarios)
// strictly: an unknown key is an error, and every error names the file and
// the line, so a typo in a test fixture is found at load, not in a failed
// login an hour later.
package yamlfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/mockauth/mockauth/internal/fuzzy"
)

// Error is a problem in a YAML file, at a line when one is known.
type Error struct {
	File string
	Line int // 0 when the problem is not at one line
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Doc is a decoded file, kept to find the lines of later, semantic errors.
type Doc struct {
	File string
	root *yaml.Node
}

var lineMsg = regexp.MustCompile(`line (\d+): (.*)`)

// Decode reads data strictly into out.
func Decode(file string, data []byte, out any) (*Doc, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, wrap(file, err)
	}
	if len(root.Content) == 0 {
		return nil, &Error{File: file, Msg: "the file is empty"}
	}
	doc := &Doc{File: file, root: root.Content[0]}
	// Unknown keys first, each named with the keys it may have meant; the
	// decoder's own check (KnownFields) stays behind it for types that
	// decode themselves.
	if err := knownKeys(doc, doc.root, reflect.TypeOf(out)); err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(out); err != nil && !errors.Is(err, io.EOF) {
		return nil, wrap(file, err)
	}
	return doc, nil
}

// wrap turns a yaml error into an *Error with the first line it names.
func wrap(file string, err error) error {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	if m := lineMsg.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: n, Msg: m[2]}
	}
	return &Error{File: file, Msg: msg}
}

// Line returns the line of the value at a path of mapping keys (and decimal
// sequence indexes), or of the deepest part of it that exists.
func (d *Doc) Line(path ...string) int { return LineFrom(d.root, path...) }

// LineFrom is Line from a node of the document: a loader that walks a
// long mapping asks each entry's lines from the entry, not from the root
// (a path from the root scans the mapping again, each time).
func LineFrom(n *yaml.Node, path ...string) int {
	line := n.Line
	for _, key := range path {
		next := Child(n, key)
		if next == nil {
			break
		}
		n, line = next, next.Line
	}
	return line
}

// KeyLine returns the line of the last key of a path (where a misspelt name
// stands), falling back to Line.
func (d *Doc) KeyLine(path ...string) int {
	if len(path) == 0 {
		return d.Line()
	}
	parent := d.root
	for _, key := range path[:len(path)-1] {
		if parent = Child(parent, key); parent == nil {
			return d.Line(path...)
		}
	}
	if parent.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(parent.Content); i += 2 {
			if parent.Content[i].Value == path[len(path)-1] {
				return parent.Content[i].Line
			}
		}
	}
	return d.Line(path...)
}

// Child is a mapping's value for key, or a sequence's item at an index;
// nil when there is none (or n is nil).
func Child(n *yaml.Node, key string) *yaml.Node {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return n.Content[i+1]
			}
		}
	case yaml.SequenceNode:
		if i, err := strconv.Atoi(key); err == nil && i >= 0 && i < len(n.Content) {
			return n.Content[i]
		}
	}
	return nil
}

// Errorf returns an *Error at line.
func (d *Doc) Errorf(line int, format string, args ...any) error {
	return &Error{File: d.File, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// Choice checks a setting that takes one of a few words: empty becomes
// def; any other word than allowed is an error at the setting's line
// (path: its keys, the last naming it).
func (d *Doc) Choice(value *string, def string, path []string, allowed ...string) error {
	switch {
	case *value == "":
		*value = def
	case !slices.Contains(allowed, *value):
		quoted := make([]string, len(allowed))
		for i, a := range allowed {
			quoted[i] = strconv.Quote(a)
		}
		list := strings.Join(quoted, " or ")
		if n := len(quoted); n > 2 {
			list = strings.Join(quoted[:n-1], ", ") + " or " + quoted[n-1]
		}
		return d.Errorf(d.Line(path...), "%s must be %s, not %q", path[len(path)-1], list, *value)
	}
	return nil
}

// Keys returns the keys of the mapping at a path, in file order.
func (d *Doc) Keys(path ...string) []string {
	n := d.Node(path...)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	keys := make([]string, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		keys = append(keys, n.Content[i].Value)
	}
	return keys
}

// Node returns the node at a path, or nil.
func (d *Doc) Node(path ...string) *yaml.Node {
	n := d.root
	for _, key := range path {
		if n = Child(n, key); n == nil {
			return nil
		}
	}
	return n
}

// DecodeNode decodes a node into out, reporting errors at their lines.
func (d *Doc) DecodeNode(n *yaml.Node, out any) error {
	if err := n.Decode(out); err != nil {
		return wrap(d.File, err)
	}
	return nil
}

// OneDemo returns the login of a section that its fixture file marks
// `demo: true` (the one that mockauth advertises: banner, admin API,
// `mockauth env`, Postman, conformance), or "" when none is marked. A
// second one is refused with its line: a role has one demo login.
func OneDemo[T any](d *Doc, section string, logins map[string]T, isDemo func(T) bool) (string, error) {
	var names []string
	for name, l := range logins {
		if isDemo(l) {
			names = append(names, name)
		}
	}
	if len(names) < 2 {
		return strings.Join(names, ""), nil
	}
	sort.Strings(names)
	return "", d.Errorf(d.KeyLine(section, names[1]), "%s %q and %q are both marked demo: mark one", section, names[0], names[1])
}

// Section is a part of a file that another reader checks (a fixture
// file's stubs:, read by simulators/stub): the strict decoder of the
// rest takes it as it is.
type Section struct{}

// UnmarshalYAML implements yaml.Unmarshaler: it accepts anything.
func (Section) UnmarshalYAML(*yaml.Node) error { return nil }

// DecodeNodeStrict decodes a node of the document into out as Decode
// does the whole file, an unknown key an error at its line: for a loader
// that walks a long mapping entry by entry (yaml's decoder checks a
// mapping's keys for duplicates in quadratic time).
func (d *Doc) DecodeNodeStrict(n *yaml.Node, out any) error {
	if err := knownKeys(d, n, reflect.TypeOf(out)); err != nil {
		return err
	}
	return d.DecodeNode(n, out)
}

// unmarshaler is a type that decodes itself: its keys are its own.
var unmarshaler = reflect.TypeFor[yaml.Unmarshaler]()

// yamlFields are a struct's keys, its inline structs' included.
func yamlFields(t reflect.Type, into map[string]reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch {
		case tag == "-":
		case strings.Contains(","+opts+",", ",inline,"):
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				yamlFields(ft, into)
			}
		case tag != "":
			into[tag] = f.Type
		case f.IsExported():
			into[strings.ToLower(f.Name)] = f.Type // the decoder's default key
		}
	}
}

// knownKeys checks, in step, a node and the type it decodes into: every
// key of a mapping bound for a struct names one of its yaml fields. An
// unknown key is reported at its line with the keys it may have meant.
func knownKeys(d *Doc, n *yaml.Node, t reflect.Type) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n == nil || t == reflect.TypeOf(yaml.Node{}) || t.Implements(unmarshaler) || reflect.PointerTo(t).Implements(unmarshaler) {
		return nil
	}
	if n.Kind == yaml.AliasNode {
		return nil // checked where it is defined
	}
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		fields := map[string]reflect.Type{}
		yamlFields(t, fields)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			ft, ok := fields[k.Value]
			if !ok {
				if k.Value == "<<" {
					continue // a merge key: its mapping is checked where it is defined
				}
				return d.Errorf(k.Line, "unknown key %q%s; the keys here: %s", k.Value,
					fuzzy.DidYouMean(k.Value, slices.Collect(maps.Keys(fields))), strings.Join(slices.Sorted(maps.Keys(fields)), ", "))
			}
			if err := knownKeys(d, n.Content[i+1], ft); err != nil {
				return err
			}
		}
	case t.Kind() == reflect.Map && n.Kind == yaml.MappingNode:
		for i := 1; i < len(n.Content); i += 2 {
			if err := knownKeys(d, n.Content[i], t.Elem()); err != nil {
				return err
			}
		}
	case (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) && n.Kind == yaml.SequenceNode:
		for _, e := range n.Content {
			if err := knownKeys(d, e, t.Elem()); err != nil {
				return err
			}
		}
	}
	return nil
}
