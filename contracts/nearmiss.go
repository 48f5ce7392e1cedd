package contracts

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v3"

	"github.com/mockauth/mockauth/internal/fuzzy"
)

// NearMiss is a documented operation close to a request that matched none.
type NearMiss struct {
	Method      string `json:"method"`
	Path        string `json:"path"`
	OperationID string `json:"operationId"`
	Differs     string `json:"differs"` // what the request got wrong
	score       int
}

func (n NearMiss) String() string {
	return fmt.Sprintf("%s %s (%s): %s", n.Method, n.Path, n.OperationID, n.Differs)
}

// NearMisses returns up to three documented operations closest to a
// request that matched none, each with what differs: the first thing a
// developer pointing a new integration at the stack needs.
func (v *Validator) NearMisses(method, path string) []NearMiss {
	return v.nearMisses(method, path, nil)
}

// Operation is an operation served beside a contract's (a stub), for the
// near-miss diagnosis.
type Operation struct {
	Method, Path, OperationID string
}

func (v *Validator) nearMisses(method, path string, also []Operation) []NearMiss {
	ops := slices.Clone(also)
	if v.Load() != nil {
		return nil
	}
	for p, item := range v.doc.Paths.Map() {
		for m, op := range item.Operations() {
			ops = append(ops, Operation{Method: m, Path: p, OperationID: op.OperationID})
		}
	}
	var out []NearMiss
	for _, o := range ops {
		p, m := o.Path, o.Method
		n := NearMiss{Method: m, Path: p, OperationID: o.OperationID}
		switch {
		case p == path && m != method:
			n.score, n.Differs = 0, fmt.Sprintf("method: sent %s, documented %s", method, m)
		case strings.EqualFold(p, path):
			n.score, n.Differs = 1, fmt.Sprintf("path differs in case: sent %s; %s paths are case-sensitive", path, v.vendor)
			if m != method {
				n.Differs += fmt.Sprintf("; and the method: sent %s, documented %s", method, m)
			}
		default:
			n.score = 2 + fuzzy.Distance(strings.ToLower(p), strings.ToLower(path))
			n.Differs = "path: " + segmentDiff(path, p)
			if m != method {
				n.score++
				n.Differs += fmt.Sprintf("; method: sent %s, documented %s", method, m)
			}
		}
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].score != out[j].score {
			return out[i].score < out[j].score
		}
		return out[i].Path+out[i].Method < out[j].Path+out[j].Method
	})
	return out[:min(3, len(out))]
}

// Diagnosis says, on one line, that no documented operation matches a
// request and which are closest: the X-Mockauth-Diagnosis header, the
// journal and the log carry it, while the body is the vendor's own 404 or
// 405. At most maxDiagnosedPath bytes of the path are weighed and quoted.
func (v *Validator) Diagnosis(method, path string) string {
	return v.DiagnosisWith(method, path, nil)
}

// DiagnosisWith is Diagnosis among the contract's operations and also
// (a vendor's stubs).
func (v *Validator) DiagnosisWith(method, path string, also []Operation) string {
	if len(path) > maxDiagnosedPath {
		path = path[:maxDiagnosedPath] + "…"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "no documented %s operation matches %s %s; closest: ", v.vendor, method, path)
	for i, n := range v.nearMisses(method, path, also) {
		if i > 0 {
			b.WriteString(" | ")
		}
		b.WriteString(n.String())
	}
	return headerSafe(b.String())
}

// maxDiagnosedPath bounds the work a hostile path costs: the distance to
// each documented path is quadratic in their lengths.
const maxDiagnosedPath = 256

// headerSafe replaces what a header value cannot carry (control bytes,
// which a decoded path may hold) with '?'.
func headerSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s)
}

// segmentDiff says how a sent path differs from a documented one, by
// segments: what the request adds (a prefix such as /v2/accounts/X, a
// segment inserted in the middle), what it leaves out, or which segments
// it spells otherwise.
func segmentDiff(sent, documented string) string {
	s, d := segments(sent), segments(documented)
	head := 0
	for head < len(s) && head < len(d) && s[head] == d[head] {
		head++
	}
	tail := 0
	for tail < len(s)-head && tail < len(d)-head && s[len(s)-1-tail] == d[len(d)-1-tail] {
		tail++
	}
	extra, missing := s[head:len(s)-tail], d[head:len(d)-tail]
	where := ""
	if head > 0 {
		where = " after /" + strings.Join(s[:head], "/")
	}
	out := fmt.Sprintf("sent %s, documented %s ", sent, documented)
	switch {
	case len(extra) == 0 && len(missing) == 0:
		return out + "(differs only in slashes)"
	case len(missing) == 0 && head == 0:
		return out + fmt.Sprintf("(extra prefix /%s)", strings.Join(extra, "/"))
	case len(missing) == 0:
		return out + fmt.Sprintf("(extra /%s%s)", strings.Join(extra, "/"), where)
	case len(extra) == 0 && head == 0:
		return out + fmt.Sprintf("(missing prefix /%s)", strings.Join(missing, "/"))
	case len(extra) == 0:
		return out + fmt.Sprintf("(missing /%s%s)", strings.Join(missing, "/"), where)
	case len(extra) == 1 && len(missing) == 1:
		return out + fmt.Sprintf("(%q where %q belongs)", extra[0], missing[0])
	}
	return out + fmt.Sprintf("(%q where %q belongs)", "/"+strings.Join(extra, "/"), "/"+strings.Join(missing, "/"))
}

// segments splits a path into its non-empty segments.
func segments(path string) []string {
	return strings.FieldsFunc(path, func(r rune) bool { return r == '/' })
}

// ForServer returns a copy of the document whose servers point at baseURL,
// for users to load into their own tools.
func (v *Validator) ForServer(baseURL string) ([]byte, error) {
	if err := v.Load(); err != nil {
		return nil, err
	}
	doc := *v.doc
	doc.Servers = nil
	doc.AddServer(&openapi3.Server{URL: baseURL, Description: "mockauth simulator"})
	return doc.MarshalJSON()
}

// JSONToYAML turns a JSON document into YAML (keys sorted).
func JSONToYAML(data []byte) ([]byte, error) {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	return yaml.Marshal(v)
}
