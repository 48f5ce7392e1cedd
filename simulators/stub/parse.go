package stub

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"

	"github.com/gorilla/mux"
	"go.yaml.in/yaml/v3"

	"github.com/mockauth/mockauth/simulators/yamlfile"
)

// Rules is what a vendor lets its stubs name.
type Rules struct {
	// Auth lists the vendor's checks (vendor.Spec.Auth names); "none" is
	// always allowed.
	Auth []string
	// Operation reports whether the vendor's contract has an operationId
	// (for contract: NAME); nil accepts none.
	Operation func(id string) bool
	// Documented lists the vendor's own operations as "METHOD /path": a
	// stub that would answer one of them (a login) takes override: true.
	Documented []string
}

var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

var methods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodHead, http.MethodOptions}

// Parse reads the stubs: section of a fixture file (none is no stubs),
// refusing a bad stub with the file and the line.
func Parse(file string, data []byte, rules Rules) ([]*Stub, error) {
	stubs, _, err := ParseFile(file, data, rules)
	return stubs, err
}

// ParseFile is Parse that also reports whether the file has a stubs:
// section at all (an empty one included).
func ParseFile(file string, data []byte, rules Rules) (stubs []*Stub, declared bool, err error) {
	section, err := sectionOf(file, data)
	if err != nil || section == nil {
		return nil, false, err
	}
	if section.Kind == yaml.ScalarNode && section.Tag == "!!null" {
		return nil, true, nil
	}
	stubs, err = parseSection(file, section, rules)
	return stubs, true, err
}

func parseSection(file string, section *yaml.Node, rules Rules) ([]*Stub, error) {
	if section.Kind != yaml.MappingNode {
		return nil, errAt(file, section.Line, "stubs must be a mapping of stub names to stubs")
	}
	if n := len(section.Content) / 2; n > MaxStubs {
		return nil, errAt(file, section.Line, "%d stubs: at most %d per vendor", n, MaxStubs)
	}
	var out []*Stub
	seen := map[string]int{}
	for i := 0; i+1 < len(section.Content); i += 2 {
		k, v := section.Content[i], section.Content[i+1]
		if first, dup := seen[k.Value]; dup {
			return nil, errAt(file, k.Line, "stub %s is declared twice (first at line %d)", clip(k.Value), first)
		}
		seen[k.Value] = k.Line
		st, err := parseStub(file, k.Value, k.Line, v, rules)
		if err != nil {
			return nil, err
		}
		st.Origin, st.Source = FromFixtures, fmt.Sprintf("%s:%d", file, k.Line)
		out = append(out, st)
	}
	return out, nil
}

func sectionOf(file string, data []byte) (*yaml.Node, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, &yamlfile.Error{File: file, Msg: err.Error()}
	}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil, nil
	}
	top := root.Content[0]
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value == "stubs" {
			return top.Content[i+1], nil
		}
	}
	return nil, nil
}

// ParseOne reads one stub given whole (YAML or JSON, the mapping a
// fixture's stubs: section holds under the name), as the admin API and
// `mockauth stub add` send it.
func ParseOne(file, name string, data []byte, rules Rules) (*Stub, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, &yamlfile.Error{File: file, Msg: err.Error()}
	}
	if len(root.Content) == 0 {
		return nil, errAt(file, 0, "the stub is empty")
	}
	st, err := parseStub(file, name, 1, root.Content[0], rules)
	if err != nil {
		return nil, err
	}
	st.Origin, st.Source = FromAdmin, file
	return st, nil
}

func errAt(file string, line int, format string, args ...any) error {
	return &yamlfile.Error{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// parseStub checks one stub mapping, every problem at its line.
func parseStub(file, name string, nameLine int, n *yaml.Node, rules Rules) (*Stub, error) {
	fail := func(line int, format string, args ...any) error {
		return errAt(file, line, "stub %s: "+format, append([]any{name}, args...)...)
	}
	if len(name) > MaxNameBytes || !validName.MatchString(name) {
		return nil, errAt(file, nameLine, "stub name %q: letters, digits, '.', '_' and '-', at most %d bytes", clip(name), MaxNameBytes)
	}
	if n.Kind != yaml.MappingNode {
		return nil, fail(n.Line, "must be a mapping (method, path, auth, response)")
	}
	st := &Stub{Name: name}
	var response, responses *yaml.Node
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		seen[k.Value] = k.Line
		switch k.Value {
		case "method":
			st.Method = strings.ToUpper(v.Value)
			if !slices.Contains(methods, st.Method) {
				return nil, fail(v.Line, "method %q: one of %s", clip(v.Value), strings.Join(methods, ", "))
			}
		case "path":
			st.Path = v.Value
			if err := checkPath(st.Path); err != nil {
				return nil, fail(v.Line, "path %q: %v", clip(v.Value), err)
			}
		case "auth":
			st.Auth = v.Value
			if st.Auth != "none" && !slices.Contains(rules.Auth, st.Auth) {
				return nil, fail(v.Line, "auth %q: the vendor's checks are %s, or none", clip(v.Value), quoteAll(rules.Auth))
			}
		case "match":
			if err := parseMatch(&st.Match, v, fail); err != nil {
				return nil, err
			}
		case "response":
			response = v
		case "responses":
			responses = v
		case "contract":
			if err := parseContract(st, v, rules, fail); err != nil {
				return nil, err
			}
		case "override":
			if v.Value != "true" && v.Value != "false" {
				return nil, fail(v.Line, "override: true or false")
			}
			st.Override = v.Value == "true"
		case "reads":
			reads, err := parseReads(v, fail)
			if err != nil {
				return nil, err
			}
			st.Reads = reads
		case "reading", "evidence":
			if v.Kind != yaml.ScalarNode || strings.TrimSpace(v.Value) == "" {
				return nil, fail(v.Line, "%s: one line saying what the answer rests on", k.Value)
			}
			if st.Basis != "" {
				return nil, fail(k.Line, "reading or evidence, not both")
			}
			st.Basis = k.Value + ": " + v.Value
		default:
			return nil, fail(k.Line, "unknown key %q (keys: method, path, auth, match, response, responses, contract, override, reading, evidence, reads)", clip(k.Value))
		}
	}
	for _, key := range []string{"method", "path", "auth"} {
		if _, ok := seen[key]; !ok {
			return nil, fail(n.Line, "has no %s", key)
		}
	}
	switch {
	case response != nil && responses != nil:
		return nil, fail(seen["responses"], "response or responses (by content type), not both")
	case response != nil:
		res, err := parseResponse(name, "", response, fail)
		if err != nil {
			return nil, err
		}
		st.Responses = []Response{res}
	case responses != nil:
		if responses.Kind != yaml.MappingNode || len(responses.Content) == 0 {
			return nil, fail(responses.Line, "responses: a mapping of media types (application/json, application/xml) to responses")
		}
		if n := len(responses.Content) / 2; n > MaxResponses {
			return nil, fail(responses.Line, "responses: %d, at most %d", n, MaxResponses)
		}
		for i := 0; i+1 < len(responses.Content); i += 2 {
			k, v := responses.Content[i], responses.Content[i+1]
			if !strings.Contains(k.Value, "/") {
				return nil, fail(k.Line, "responses: %q is not a media type", clip(k.Value))
			}
			res, err := parseResponse(name, k.Value, v, fail)
			if err != nil {
				return nil, err
			}
			st.Responses = append(st.Responses, res)
		}
	default:
		return nil, fail(n.Line, "has no response")
	}
	total := 0
	for _, r := range st.Responses {
		total += len(r.Body)
	}
	if total > MaxStubBytes {
		return nil, fail(n.Line, "responses: %d bytes of bodies, at most %d in all", total, MaxStubBytes)
	}
	if !st.Override {
		if doc := shadowed(st, rules.Documented); doc != "" {
			return nil, fail(seen["path"], "%s %s would answer the vendor's own %s: say override: true if that is meant", st.Method, clip(st.Path), doc)
		}
	}
	return st, nil
}

// shadowed is the first of the vendor's documented operations ("METHOD
// /path") the stub's route takes, or "".
func shadowed(st *Stub, documented []string) string {
	route := mux.NewRouter().SkipClean(true).NewRoute().Methods(st.Method).Path(st.Path)
	for _, d := range documented {
		method, path, _ := strings.Cut(d, " ")
		req, err := http.NewRequest(method, path, nil)
		if err != nil {
			continue
		}
		var m mux.RouteMatch
		if route.Match(req, &m) && m.MatchErr == nil {
			return d
		}
	}
	return ""
}

func checkPath(p string) error {
	switch {
	case !strings.HasPrefix(p, "/"):
		return fmt.Errorf("must start with /")
	case len(p) > 512:
		return fmt.Errorf("longer than 512 bytes")
	case strings.ContainsAny(p, "?# \t\r\n"):
		return fmt.Errorf("a path alone: no query, fragment or spaces")
	}
	if err := checkPathRegexps(p); err != nil {
		return err
	}
	return mux.NewRouter().NewRoute().Path(p).GetError()
}

// checkPathRegexps bounds the patterns of a path's parameters ({id:[0-9]+})
// by length and by the size of their compiled program.
func checkPathRegexps(p string) error {
	for rest := p; ; {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			return nil
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			return nil // the router says what is wrong
		}
		// A pattern may hold braces of its own ({n:[0-9]{2}}): up to the
		// brace that closes the parameter.
		depth, j := 0, open
		for ; j < len(rest); j++ {
			if rest[j] == '{' {
				depth++
			} else if rest[j] == '}' {
				if depth--; depth == 0 {
					break
				}
			}
		}
		param := rest[open+1 : min(j, len(rest))]
		rest = rest[min(j+1, len(rest)):]
		_, pattern, ok := strings.Cut(param, ":")
		if !ok {
			continue
		}
		if len(pattern) > maxVarRegex {
			return fmt.Errorf("the pattern of {%s} is %d bytes, at most %d", clip(param), len(pattern), maxVarRegex)
		}
		re, err := syntax.Parse(pattern, syntax.Perl)
		if err != nil {
			return fmt.Errorf("the pattern of {%s}: %v", clip(param), err)
		}
		prog, err := syntax.Compile(re.Simplify())
		if err != nil || len(prog.Inst) > maxRegexInsts {
			return fmt.Errorf("the pattern of {%s} is too costly to match (more than %d steps of program)", clip(param), maxRegexInsts)
		}
	}
}

type failFunc func(line int, format string, args ...any) error

func parseMatch(m *Match, n *yaml.Node, fail failFunc) error {
	if n.Kind != yaml.MappingNode {
		return fail(n.Line, "match: a mapping of query, form, json or xml to fields")
	}
	count := 0
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		var dst *map[string]string
		switch k.Value {
		case "query":
			dst = &m.Query
		case "form":
			dst = &m.Form
		case "json":
			dst = &m.JSON
		case "xml":
			dst = &m.XML
		default:
			return fail(k.Line, "match: unknown key %q (query, form, json, xml)", clip(k.Value))
		}
		fields, err := stringMap(v, fail, "match."+k.Value)
		if err != nil {
			return err
		}
		count += len(fields)
		*dst = fields
	}
	if count > MaxMatches {
		return fail(n.Line, "match: %d fields, at most %d", count, MaxMatches)
	}
	return nil
}

func stringMap(n *yaml.Node, fail failFunc, what string) (map[string]string, error) {
	if n.Kind != yaml.MappingNode {
		return nil, fail(n.Line, "%s: a mapping of names to values", what)
	}
	out := map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind != yaml.ScalarNode {
			return nil, fail(v.Line, "%s.%s: a value, not a %s", what, clip(k.Value), kind(v))
		}
		out[k.Value] = v.Value
	}
	return out, nil
}

func kind(n *yaml.Node) string {
	if n.Kind == yaml.MappingNode {
		return "mapping"
	}
	return "list"
}

func parseResponse(name, mediaType string, n *yaml.Node, fail failFunc) (Response, error) {
	res := Response{ContentType: mediaType, Status: http.StatusOK}
	if n.Kind != yaml.MappingNode {
		return res, fail(n.Line, "a response is a mapping of status, headers and body")
	}
	var bodyNode *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "status":
			s, err := strconv.Atoi(v.Value)
			if err != nil || s < 100 || s > 599 {
				return res, fail(v.Line, "status %q: a number from 100 to 599", clip(v.Value))
			}
			res.Status = s
		case "headers":
			h, err := stringMap(v, fail, "headers")
			if err != nil {
				return res, err
			}
			if len(h) > MaxHeaders {
				return res, fail(v.Line, "headers: %d, at most %d", len(h), MaxHeaders)
			}
			for hk, hv := range h {
				if strings.ContainsAny(hk, "\r\n: ") || strings.ContainsAny(hv, "\r\n") || hk == "" {
					return res, fail(v.Line, "header %q: a name without ':', spaces or line breaks, and a one-line value", clip(hk))
				}
			}
			res.Headers = h
		case "body":
			if v.Kind != yaml.ScalarNode {
				return res, fail(v.Line, "body: text (a template), not a %s", kind(v))
			}
			bodyNode, res.Body = v, v.Value
		default:
			return res, fail(k.Line, "unknown response key %q (status, headers, body)", clip(k.Value))
		}
	}
	if len(res.Body) > MaxBodyBytes {
		return res, fail(n.Line, "body: %d bytes, at most %d", len(res.Body), MaxBodyBytes)
	}
	t, err := compile(name, res.Body)
	if err != nil {
		line, msg := templateLine(err)
		at := n.Line
		if bodyNode != nil {
			at = bodyNode.Line
			if bodyNode.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
				at++ // a block's text starts on the line after its indicator
			}
			if line > 0 {
				at += line - 1
			}
		}
		return res, fail(at, "body template: %s (helpers: %s)", msg, strings.Join(Helpers(), ", "))
	}
	res.tmpl = t
	return res, nil
}

func parseContract(st *Stub, n *yaml.Node, rules Rules, fail failFunc) error {
	switch n.Kind {
	case yaml.ScalarNode:
		if rules.Operation == nil || !rules.Operation(n.Value) {
			return fail(n.Line, "contract %q: no such operationId in the vendor's contract (or give an OpenAPI operation inline)", clip(n.Value))
		}
		st.Contract = n.Value
	case yaml.MappingNode:
		var op any
		if err := n.Decode(&op); err != nil {
			return fail(n.Line, "contract: %v", err)
		}
		b, err := json.Marshal(op)
		if err != nil {
			return fail(n.Line, "contract: %v", err)
		}
		st.Contract, st.Operation = "inline", b
	default:
		return fail(n.Line, "contract: an operationId of the vendor's contract, or an OpenAPI operation (a mapping)")
	}
	return nil
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

// clip bounds a value quoted in an error.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
