package stub

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"text/template"
	"text/template/parse"
	"time"

	"github.com/google/uuid"
)

// Data is what a stub's body template sees:
//
//	.Method, .Vendor         the request's method, the vendor's name
//	.Path.NAME               a {parameter} of the stub's path
//	.Query.NAME, .Form.NAME  the first value of a query or form field
//	.Login.user, .Login.X    who the vendor's check found: user and the
//	                         vendor's fields of the login (empty for auth: none)
//	.Now                     the simulated clock's time
//	.Host                    the host (and port) the request was sent to
//	.Field "a.b"             a JSON body's dotted path, or an XML body's
//	                         element path below its root
//	.Token                   a fresh token of the vendor's kind for the
//	                         request's login (recorded logins replay with it)
//
// Maps answer "" for a missing key.
type Data struct {
	Method string
	Host   string
	Vendor string
	Path   map[string]string
	Query  map[string]string
	Form   map[string]string
	Login  map[string]string
	Now    time.Time

	field func(string) (string, bool)
	mint  func() (string, error)
}

// Token mints a fresh token of the vendor's own kind for the request's
// login, in the vendor's store: a recorded login's answer, replayed,
// carries a token that the calls after it can use.
func (d Data) Token() (string, error) {
	if d.mint == nil {
		return "", errors.New("this vendor mints no tokens for stubs")
	}
	return d.mint()
}

// NewData gathers a request's fields for a stub's template.
func NewData(vendorName string, r *http.Request, body []byte, params, login map[string]string, now time.Time) Data {
	d := Data{Method: r.Method, Host: r.Host, Vendor: vendorName, Path: params, Login: login, Now: now,
		Query: firsts(r.URL.Query()), Form: map[string]string{}}
	if d.Path == nil {
		d.Path = map[string]string{}
	}
	if d.Login == nil {
		d.Login = map[string]string{}
	}
	if vals, err := parseForm(r, body); err == nil {
		d.Form = vals
	}
	trimmed := bytes.TrimSpace(body)
	switch {
	case len(trimmed) > 0 && trimmed[0] == '<':
		d.field = xmlLookup(body)
	case len(trimmed) > 0:
		d.field = jsonLookup(body)
	}
	return d
}

func parseForm(r *http.Request, body []byte) (map[string]string, error) {
	if !strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "application/x-www-form-urlencoded") {
		return map[string]string{}, nil
	}
	v, err := url.ParseQuery(string(body))
	return firsts(v), err
}

// maxFields bounds the fields of a request a template sees: a loop over
// them costs no more however many a hostile request sends.
const maxFields = 256

func firsts(v map[string][]string) map[string]string {
	out := make(map[string]string, min(len(v), maxFields))
	for k, vals := range v {
		if len(out) == maxFields {
			break
		}
		if len(vals) > 0 {
			out[k] = vals[0]
		}
	}
	return out
}

// Field is the value at a body path, "" when there is none.
func (d Data) Field(path string) string {
	if d.field == nil {
		return ""
	}
	v, _ := d.field(path)
	return v
}

// funcs are the helpers a template may call, documented in the README.
func funcs() template.FuncMap {
	return template.FuncMap{
		// json writes a value as a JSON literal ("a\"b", 3, null), no HTML escaping.
		"json": func(v any) (string, error) {
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(v); err != nil {
				return "", err
			}
			return strings.TrimSuffix(b.String(), "\n"), nil
		},
		// xml escapes text for an element or an attribute.
		"xml": func(s string) (string, error) {
			var b bytes.Buffer
			err := xml.EscapeText(&b, []byte(s))
			return b.String(), err
		},
		// date formats a time with a Go layout, in UTC.
		"date": func(layout string, t time.Time) string { return t.UTC().Format(layout) },
		// add moves a time by a Go duration ("1h", "-30m").
		"add": func(d string, t time.Time) (time.Time, error) {
			dur, err := time.ParseDuration(d)
			return t.Add(dur), err
		},
		// unix is a time in seconds since 1970; unixMilli in milliseconds.
		"unix":      func(t time.Time) int64 { return t.Unix() },
		"unixMilli": func(t time.Time) int64 { return t.UnixMilli() },
		// uuid is a fresh random (version 4) UUID.
		"uuid": func() string { return uuid.NewString() },
		// hexid is a fresh random id of 32 upper-case hex digits, as
		// CRM.COM writes every id.
		"hexid": func() string {
			u := uuid.New()
			return strings.ToUpper(hex.EncodeToString(u[:]))
		},
		// default is v, or def when v is empty.
		"default": func(def, v string) string {
			if v == "" {
				return def
			}
			return v
		},
		"upper": strings.ToUpper,
		"lower": strings.ToLower,
	}
}

// Helpers lists the helpers' names, for error messages and docs.
func Helpers() []string {
	return []string{"json", "xml", "date", "add", "unix", "unixMilli", "uuid", "hexid", "default", "upper", "lower"}
}

// CheckBody reports why a body template would not load as a stub's (a
// recording checks every one it writes).
func CheckBody(body string) error {
	_, err := compile("body", body)
	return err
}

// compile parses a body template and runs it once on sample data, so a
// misspelt field or helper is refused at load rather than on a request.
func compile(name, body string) (*template.Template, error) {
	t, err := template.New(name).Option("missingkey=zero").Funcs(funcs()).Parse(body)
	if err != nil {
		return nil, err
	}
	for _, tt := range t.Templates() {
		if tt.Name() != name {
			return nil, fmt.Errorf("template: %s: {{define}} is not taken: a stub's body is one template", name)
		}
		if tt.Tree != nil {
			if err := bounded(tt.Tree.Root, 0); err != nil {
				return nil, fmt.Errorf("template: %s: %v", name, err)
			}
		}
	}
	sample := Data{Method: http.MethodPost, Host: "127.0.0.1:9301", Vendor: "sample", Path: map[string]string{}, Query: map[string]string{},
		Form: map[string]string{}, Login: map[string]string{"user": "sample"}, Now: time.Unix(0, 0),
		mint: func() (string, error) { return "sample-token", nil }}
	if err := t.Execute(&limited{w: &bytes.Buffer{}, n: maxRendered}, sample); err != nil {
		return nil, err
	}
	return t, nil
}

// bounded refuses what would make a template run without end: {{range N}}
// over a large number, ranges nested deeper than maxRangeDepth, and
// {{template}} (which could call itself). text/template cannot be stopped
// once it runs; a stub's template runs at load and on every request.
func bounded(n parse.Node, depth int) error {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Nodes {
			if err := bounded(c, depth); err != nil {
				return err
			}
		}
	case *parse.TemplateNode:
		return fmt.Errorf("{{template}} is not taken: a stub's body is one template")
	case *parse.RangeNode:
		if depth+1 > maxRangeDepth {
			return fmt.Errorf("ranges nested deeper than %d", maxRangeDepth)
		}
		// What a range goes over: the request's data (its maps hold at most
		// maxFields entries) or a number up to maxRangeLiteral; never what
		// a helper computes ({{range unix .Now}} would not end).
		if n.Pipe == nil || len(n.Pipe.Cmds) != 1 || len(n.Pipe.Cmds[0].Args) != 1 {
			return fmt.Errorf("{{range}} takes a field of the request's data or a number up to %d", maxRangeLiteral)
		}
		switch a := n.Pipe.Cmds[0].Args[0].(type) {
		case *parse.FieldNode, *parse.VariableNode, *parse.DotNode:
		case *parse.NumberNode:
			if !a.IsInt || a.Int64 > maxRangeLiteral {
				return fmt.Errorf("{{range %s}}: at most %d", a.Text, maxRangeLiteral)
			}
		default:
			return fmt.Errorf("{{range %s}}: a range takes a field of the request's data or a number up to %d", a, maxRangeLiteral)
		}
		if err := bounded(n.List, depth+1); err != nil {
			return err
		}
		return bounded(n.ElseList, depth+1)
	case *parse.IfNode:
		if err := bounded(n.List, depth); err != nil {
			return err
		}
		return bounded(n.ElseList, depth)
	case *parse.WithNode:
		if err := bounded(n.List, depth); err != nil {
			return err
		}
		return bounded(n.ElseList, depth)
	}
	return nil
}

// templateLine reads the line a text/template error names ("template:
// NAME:LINE:COL: ..." or "template: NAME:LINE: ...").
func templateLine(err error) (int, string) {
	msg := err.Error()
	rest, ok := strings.CutPrefix(msg, "template: ")
	if !ok {
		return 0, msg
	}
	_, rest, ok = strings.Cut(rest, ":")
	if !ok {
		return 0, msg
	}
	var line int
	if _, scanErr := fmt.Sscanf(rest, "%d", &line); scanErr != nil {
		return 0, msg
	}
	// The message after the position.
	parts := strings.SplitN(rest, ": ", 2)
	if len(parts) == 2 {
		return line, parts[1]
	}
	return line, msg
}
