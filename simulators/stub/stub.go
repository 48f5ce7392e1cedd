// Package stub serves the endpoints users declare beyond a vendor's
// built-in ones: the calls after login (a campaign's status, a form, a
// contact) whose bodies no simulator knows, but whose token the vendor's
// own check guards. A stub is a method, a path with {parameters},
// optional matching on query, form, JSON or XML fields, the name of the
// vendor's auth check, and a templated answer (one per content type where
// the vendor negotiates).
//
// Stubs come from the `stubs:` section of a vendor's fixture file, or
// from the admin API at run time; this package parses them (refusing a
// bad one with its file and line), matches requests and renders answers.
// It knows nothing of tokens: the pipeline asks the vendor's Guard.
package stub

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/gorilla/mux"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// Limits on what a stub declares: a stub file, or an admin call, cannot
// make the stack hold or do unbounded work.
const (
	MaxStubs     = 256      // per vendor, fixtures and run time together
	MaxBodyBytes = 64 << 10 // a response body template
	MaxNameBytes = 64
	MaxHeaders   = 32
	MaxMatches   = 32
	// MaxResponses bounds a stub's answers (by media type), and
	// MaxStubBytes their bodies together: 505 stubs of many answers held
	// 1.73 GB (issue 31, N10).
	MaxResponses = 8
	MaxStubBytes = 128 << 10
	// MaxMints bounds the tokens one rendering mints ({{.Token}}): a loop
	// of them would flush the vendor's store in one call.
	MaxMints = 16
	// maxRangeLiteral bounds {{range N}}, and maxRangeDepth the ranges
	// nested in one another: a template runs at load and on every request,
	// and text/template cannot be stopped once it runs.
	maxRangeLiteral = 1000
	maxRangeDepth   = 2
	// maxVarRegex and maxRegexInsts bound a path parameter's pattern: a
	// 512-byte one cost 6.8 s a request.
	maxVarRegex   = 64
	maxRegexInsts = 256
)

// Origins of a stub.
const (
	FromFixtures = "fixtures"
	FromAdmin    = "admin API"
)

// Stub is one declared endpoint.
type Stub struct {
	Name   string `json:"name"`
	Method string `json:"method"`
	Path   string `json:"path"`
	// Auth is the vendor's check (vendor.Spec.Auth) or "none".
	Auth  string `json:"auth"`
	Match Match  `json:"match,omitzero"`
	// Responses by media type, in declared order; one with an empty type
	// answers whatever the client accepts.
	Responses []Response `json:"responses"`
	// Contract is the operationId of the vendor's contract the answers are
	// checked against, "inline" for the stub's own OpenAPI operation, or
	// "" for none (journaled as "no contract").
	Contract string `json:"contract,omitempty"`
	// Basis is what the stub's answer rests on: "evidence: ..." or
	// "reading: ...".
	Basis string `json:"basis,omitempty"`
	// Reads are the members of the answer the client the basis cites
	// reads, with their types (CheckReads).
	Reads []Read `json:"reads,omitempty"`
	// Origin is FromFixtures or FromAdmin; Source is its file and line.
	Origin string `json:"origin"`
	Source string `json:"source"`

	// Operation is the inline OpenAPI operation (JSON), when Contract is "inline".
	Operation json.RawMessage `json:"operation,omitempty"`
	// Override lets the stub answer one of the vendor's own operations (a
	// login): without it such a stub is refused.
	Override bool `json:"override,omitempty"`
}

// Match narrows a stub to requests whose fields have these values
// (exactly; "*" for any value, as long as the field is there; HashPrefix
// for a secret kept as its salted hash).
type Match struct {
	Query map[string]string `json:"query,omitempty"`
	Form  map[string]string `json:"form,omitempty"`
	JSON  map[string]string `json:"json,omitempty"` // dotted paths: "contact.id"
	XML   map[string]string `json:"xml,omitempty"`  // element paths below the root: "token", "Filter.Name"
}

func (m Match) empty() bool {
	return len(m.Query)+len(m.Form)+len(m.JSON)+len(m.XML) == 0
}

// Response is one answer of a stub.
type Response struct {
	ContentType string            `json:"contentType,omitempty"` // the media type it answers; "" any
	Status      int               `json:"status"`
	Headers     map[string]string `json:"headers,omitempty"`
	Body        string            `json:"body"` // a text/template over Data

	tmpl *template.Template
}

// Set is an immutable set of stubs of one vendor, ready to match.
type Set struct {
	stubs  []*Stub
	router *mux.Router
	// literal[i] is the part of stubs[i]'s path before its first variable:
	// a request whose path starts with none of them (or whose method no
	// stub of that path has) is no stub's, known without the router.
	literal []string
	// paths[i] matches stubs[i]'s path whatever the method (Methods).
	paths []*mux.Route
}

// NewSet prepares stubs (each already checked by Parse) for matching:
// later ones first, so a stub added at run time overrides a fixture's of
// the same method and path.
func NewSet(stubs []*Stub) *Set {
	s := &Set{stubs: stubs, router: mux.NewRouter().SkipClean(true)}
	paths := mux.NewRouter().SkipClean(true)
	for _, st := range stubs {
		lit, _, _ := strings.Cut(st.Path, "{")
		s.literal = append(s.literal, lit)
		s.paths = append(s.paths, paths.NewRoute().Path(st.Path))
	}
	for i := len(stubs) - 1; i >= 0; i-- {
		st := stubs[i]
		route := s.router.NewRoute().Name(strconv.Itoa(i)).Path(st.Path).Methods(st.Method)
		if !st.Match.empty() {
			route.MatcherFunc(func(r *http.Request, _ *mux.RouteMatch) bool { return st.Match.matches(r) })
		}
	}
	return s
}

// Methods are the methods of the stubs whose path matches path, whatever
// their method: what the vendor's framework lists in Allow when another
// method is sent there.
func (s *Set) Methods(path string) []string {
	if s.Len() == 0 {
		return nil
	}
	probe := &http.Request{URL: &url.URL{Path: path}}
	var out []string
	for i, st := range s.stubs {
		if slices.Contains(out, st.Method) || !strings.HasPrefix(path, s.literal[i]) {
			continue
		}
		var m mux.RouteMatch
		if s.paths[i].Match(probe, &m) {
			out = append(out, st.Method)
		}
	}
	return out
}

// Stubs lists the set's stubs in declared order.
func (s *Set) Stubs() []*Stub {
	if s == nil {
		return nil
	}
	return slices.Clone(s.stubs)
}

// Len is how many stubs the set has.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.stubs)
}

type bodyKey struct{}

// Lookup finds the stub a request is for, with its path parameters. body
// is the request's body, already read.
func (s *Set) Lookup(r *http.Request, body []byte) (*Stub, map[string]string) {
	if s.Len() == 0 || !s.mayMatch(r) {
		return nil, nil
	}
	req := r.WithContext(context.WithValue(r.Context(), bodyKey{}, body))
	var m mux.RouteMatch
	if !s.router.Match(req, &m) || m.Route == nil || m.MatchErr != nil {
		return nil, nil
	}
	i, err := strconv.Atoi(m.Route.GetName())
	if err != nil {
		return nil, nil
	}
	return s.stubs[i], m.Vars
}

// mayMatch reports whether some stub's method and path could match r:
// the test every request takes, so it allocates nothing.
func (s *Set) mayMatch(r *http.Request) bool {
	for i, st := range s.stubs {
		if (st.Method == "" || st.Method == r.Method) && strings.HasPrefix(r.URL.Path, s.literal[i]) {
			return true
		}
	}
	return false
}

// matches checks the fields a stub asks for.
func (m Match) matches(r *http.Request) bool {
	body, _ := r.Context().Value(bodyKey{}).([]byte)
	if len(m.Query) > 0 && !fieldsMatch(m.Query, queryLookup(r.URL.RawQuery)) {
		return false
	}
	if len(m.Form) > 0 && !fieldsMatch(m.Form, formLookup(r, body)) {
		return false
	}
	if len(m.JSON) > 0 && !fieldsMatch(m.JSON, jsonLookup(body)) {
		return false
	}
	if len(m.XML) > 0 && !fieldsMatch(m.XML, xmlLookup(body)) {
		return false
	}
	return true
}

func fieldsMatch(want map[string]string, get func(string) (string, bool)) bool {
	for k, v := range want {
		got, ok := get(k)
		if !ok || !valueMatches(v, got) {
			return false
		}
	}
	return true
}

// HashPrefix starts a match value that is a salted SHA-256 of the value
// ("sha256:SALT:DIGEST", hex): a recording keeps a password that way, so
// its replay tells a right password from a wrong one without the password
// on disk.
const HashPrefix = "sha256:"

// Hash is the match value of a secret: SHA-256 over salt and value.
func Hash(salt []byte, value string) string {
	sum := sha256.Sum256(append(slices.Clip(salt), value...))
	return HashPrefix + hex.EncodeToString(salt) + ":" + hex.EncodeToString(sum[:])
}

func valueMatches(want, got string) bool {
	if want == "*" {
		return true
	}
	if rest, ok := strings.CutPrefix(want, HashPrefix); ok {
		saltHex, _, _ := strings.Cut(rest, ":")
		salt, err := hex.DecodeString(saltHex)
		return err == nil && subtle.ConstantTimeCompare([]byte(Hash(salt, got)), []byte(want)) == 1
	}
	return got == want
}

func queryLookup(raw string) func(string) (string, bool) {
	q, _ := url.ParseQuery(raw)
	return func(k string) (string, bool) {
		v, ok := q[k]
		if !ok || len(v) == 0 {
			return "", false
		}
		return v[0], true
	}
}

// formLookup reads an x-www-form-urlencoded body.
func formLookup(r *http.Request, body []byte) func(string) (string, bool) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		return func(string) (string, bool) { return "", false }
	}
	return queryLookup(string(body))
}

// jsonLookup reads dotted paths of a JSON body; scalars are rendered as
// JSON writes them (strings unquoted).
func jsonLookup(body []byte) func(string) (string, bool) {
	var doc any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if dec.Decode(&doc) != nil {
		return func(string) (string, bool) { return "", false }
	}
	return func(path string) (string, bool) {
		v := doc
		for _, part := range strings.Split(path, ".") {
			switch o := v.(type) {
			case map[string]any:
				var ok bool
				if v, ok = o[part]; !ok {
					return "", false
				}
			case []any:
				i, err := strconv.Atoi(part)
				if err != nil || i < 0 || i >= len(o) {
					return "", false
				}
				v = o[i]
			default:
				return "", false
			}
		}
		return scalar(v)
	}
}

func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	case nil:
		return "", true
	}
	b, err := json.Marshal(v)
	return string(b), err == nil
}

// maxXMLFields bounds what one XML body can make the lookup keep.
const maxXMLFields = 1024

// xmlLookup reads the text of elements by their local names below the
// root, dotted: "token", "Filter.Name". The first occurrence wins.
func xmlLookup(body []byte) func(string) (string, bool) {
	fields, _ := xmlFields(body)
	return func(k string) (string, bool) { v, ok := fields[k]; return v, ok }
}

// xmlFields reads the text of every element below the root by its dotted
// path, and which of those paths are leaves (no child element).
func xmlFields(body []byte) (fields map[string]string, leaves []string) {
	fields = map[string]string{}
	dec := xml.NewDecoder(bytes.NewReader(body))
	var stack []string
	var parents []bool // whether the open element has a child element
	var text strings.Builder
	for len(fields) < maxXMLFields {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(parents) > 0 {
				parents[len(parents)-1] = true
			}
			stack, parents = append(stack, t.Name.Local), append(parents, false)
			text.Reset()
		case xml.CharData:
			if text.Len() < MaxBodyBytes {
				text.Write(t)
			}
		case xml.EndElement:
			if len(stack) > 1 {
				key := strings.Join(stack[1:], ".")
				if _, seen := fields[key]; !seen {
					fields[key] = text.String()
					if !parents[len(parents)-1] {
						leaves = append(leaves, key)
					}
				}
			}
			text.Reset()
			if len(stack) > 0 {
				stack, parents = stack[:len(stack)-1], parents[:len(parents)-1]
			}
		}
	}
	return fields, leaves
}

// Fields lists what a stub can match of a request, as its lookups read
// it: the query's fields, and the body's (a form's fields, a JSON body's
// scalars by dotted path, an XML body's leaf elements by element path),
// at most MaxMatches in all, in a stable order. A recording makes its
// stubs' matches from them.
func Fields(r *http.Request, body []byte) Match {
	var m Match
	n := 0
	add := func(to *map[string]string, k, v string) {
		if n >= MaxMatches {
			return
		}
		if *to == nil {
			*to = map[string]string{}
		}
		if _, ok := (*to)[k]; !ok {
			(*to)[k] = v
			n++
		}
	}
	firstsOf := func(q url.Values, to *map[string]string) {
		for _, k := range slices.Sorted(maps.Keys(q)) {
			if len(q[k]) > 0 {
				add(to, k, q[k][0])
			}
		}
	}
	q, _ := url.ParseQuery(r.URL.RawQuery)
	firstsOf(q, &m.Query)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	trimmed := bytes.TrimSpace(body)
	switch {
	case len(trimmed) == 0:
	case mt == "application/x-www-form-urlencoded":
		f, _ := url.ParseQuery(string(body))
		firstsOf(f, &m.Form)
	case trimmed[0] == '<':
		fields, leaves := xmlFields(body)
		for _, k := range leaves {
			add(&m.XML, k, fields[k])
		}
	default:
		var doc any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if dec.Decode(&doc) == nil {
			var walk func(prefix string, v any)
			walk = func(prefix string, v any) {
				switch o := v.(type) {
				case map[string]any:
					for _, k := range slices.Sorted(maps.Keys(o)) {
						if strings.Contains(k, ".") {
							continue // a dotted path cannot name it
						}
						walk(strings.TrimPrefix(prefix+"."+k, "."), o[k])
					}
				case []any:
					for i, e := range o {
						walk(strings.TrimPrefix(prefix+"."+strconv.Itoa(i), "."), e)
					}
				default:
					if s, ok := scalar(v); ok && prefix != "" {
						add(&m.JSON, prefix, s)
					}
				}
			}
			walk("", doc)
		}
	}
	return m
}

// Pick chooses the response for a request's Accept header: the declared
// type the client ranks highest (by quality, then declared order), else
// the first.
func (st *Stub) Pick(accept string) *Response {
	if len(st.Responses) == 1 || accept == "" {
		return &st.Responses[0]
	}
	type ranked struct {
		i int
		q float64
	}
	var best []ranked
	for i, res := range st.Responses {
		if q := quality(accept, res.ContentType); q > 0 {
			best = append(best, ranked{i, q})
		}
	}
	if len(best) == 0 {
		return &st.Responses[0]
	}
	sort.SliceStable(best, func(a, b int) bool { return best[a].q > best[b].q })
	return &st.Responses[best[0].i]
}

// quality is the q an Accept header gives a media type (0: not accepted).
func quality(accept, mediaType string) float64 {
	if mediaType == "" {
		return 0.001 // answers anything, after every named type
	}
	typ, sub, _ := strings.Cut(strings.ToLower(mediaType), "/")
	best := 0.0
	for _, a := range vendor.ParseAccept(accept) {
		q := a.Q
		t, s, _ := strings.Cut(a.MediaType, "/")
		if (t == "*" || t == typ) && (s == "*" || s == sub) {
			// A literal match outranks a wildcard of the same quality.
			if t != "*" && s != "*" {
				q += 0.0001
			}
			best = max(best, q)
		}
	}
	return best
}

// Render writes the response for data.
func (res *Response) Render(w http.ResponseWriter, data Data) error {
	var b bytes.Buffer
	if err := res.tmpl.Execute(&limited{w: &b, n: maxRendered}, data); err != nil {
		return err
	}
	h := w.Header()
	for k, v := range res.Headers {
		h.Set(k, v)
	}
	if h.Get("Content-Type") == "" && res.ContentType != "" {
		h.Set("Content-Type", res.ContentType)
	}
	w.WriteHeader(res.Status)
	_, err := w.Write(b.Bytes())
	return err
}

// maxRendered bounds a rendered body: a template over a request's fields
// cannot grow past it whatever the request holds.
const maxRendered = 1 << 20

// limited is a writer that refuses past n bytes.
type limited struct {
	w io.Writer
	n int
}

func (l *limited) Write(p []byte) (int, error) {
	if len(p) > l.n {
		return 0, fmt.Errorf("stub answer larger than %d bytes", maxRendered)
	}
	l.n -= len(p)
	return l.w.Write(p)
}
