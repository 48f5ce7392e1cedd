package contracts

import (
	"encoding/json"
	"fmt"
	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v3"

	"github.com/mockauth/mockauth/internal/fuzzy"
	"sort"
	"strings"
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
	var out []NearMiss
	for p, item := range v.doc.Paths.Map() {
		for m, op := range item.Operations() {
			n := NearMiss{Method: m, Path: p, OperationID: op.OperationID}
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
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].score != out[j].score {
			return out[i].score < out[j].score
		}
		return out[i].Path+out[i].Method < out[j].Path+out[j].Method
	})
	return out[:min(3, len(out))]
}

// NearMissBody is the text of the 404 a request that matches no documented
// operation gets.
func (v *Validator) NearMissBody(method, path string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "mockauth: no documented %s operation matches %s %s\nclosest documented operations:\n", v.vendor, method, path)
	for _, n := range v.NearMisses(method, path) {
		fmt.Fprintf(&b, "  %s\n", n)
	}
	fmt.Fprintf(&b, "the whole contract: GET /__admin/contracts/%s on the admin port\n", v.vendor)
	return b.String()
}

// segmentDiff names the first path segment that differs.
func segmentDiff(sent, documented string) string {
	s, d := strings.Split(sent, "/"), strings.Split(documented, "/")
	for i := 0; i < max(len(s), len(d)); i++ {
		var a, b string
		if i < len(s) {
			a = s[i]
		}
		if i < len(d) {
			b = d[i]
		}
		if a != b {
			switch {
			case a == "":
				return fmt.Sprintf("sent %s, documented %s (missing /%s)", sent, documented, b)
			case b == "":
				return fmt.Sprintf("sent %s, documented %s (extra /%s)", sent, documented, a)
			}
			return fmt.Sprintf("sent %s, documented %s (%q where %q belongs)", sent, documented, a, b)
		}
	}
	return "sent " + sent
}

// ForServer returns a copy of the document whose servers point at baseURL,
// for users to load into their own tools.
func (v *Validator) ForServer(baseURL string) ([]byte, error) {
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
