package vendor

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/url"
	"reflect"
	"strconv"
	"strings"
)

// Sample is an endpoint's documented exchange, made from the demo logins
// of the loaded fixtures: what the Postman export sends, what `contract
// check` probes, and what the reference clients build on.
type Sample struct {
	// Request builds the request. demo holds the demo logins by field (as
	// Simulator.Demo names them); kept holds the tokens earlier samples
	// kept, by name, and RunID a value unique to this run.
	Request func(demo, kept map[string]string) Request
	// Token reads the token the answer hands out; nil for an answer
	// without one.
	Token *Token
	// Keep names the token for the samples after this one ("" when none
	// of them carries it).
	Keep string
	// Variants are further documented requests of the endpoint: another
	// format, a refusal the contract documents.
	Variants []Variant
	// Ends: the request ends the session of the token it carries
	// (EndSession, release, logoff). A collection sends it after every
	// call that carries the token, its stubs' included.
	Ends bool
}

// WrongPassword is a login's request (a sample that hands out a token)
// with every password field of the demo login changed, which the vendor
// must refuse; false for a sample that is no login or sends no password.
func (s *Sample) WrongPassword(demo, kept map[string]string) (Request, bool) {
	if s.Token == nil {
		return Request{}, false
	}
	wrong := maps.Clone(demo)
	for k, val := range wrong {
		if strings.HasSuffix(strings.ToLower(k), "password") {
			wrong[k] = val + "-wrong"
		}
	}
	r := s.Request(wrong, kept)
	return r, !reflect.DeepEqual(r, s.Request(demo, kept))
}

// Variant is another request of an endpoint and what it must get.
type Variant struct {
	Name    string
	Request func(demo, kept map[string]string) Request
	// WantError: the vendor must refuse it (its own error, whatever the
	// status); otherwise it must succeed.
	WantError bool
	// BreaksContract: the request breaks the contract on purpose (a
	// missing mandatory field), to see the server refuse it.
	BreaksContract bool
}

// RunID is the key of kept that holds a value unique to one run of the
// samples (a name to register that no earlier run took).
const RunID = "run"

// KV is one name and value of a form, a query or a header.
type KV struct{ Key, Value string }

// Request is a sample request, its form and query not yet encoded (the
// Postman export shows them as fields).
type Request struct {
	PathParams  []KV // values of the endpoint path's {parameters}
	Query       []KV
	ContentType string
	Accept      string
	Auth        string // the Authorization header's value
	Form        []KV   // an application/x-www-form-urlencoded body
	Body        string // any other body
}

// Content-type values the samples use.
const (
	FormType = "application/x-www-form-urlencoded"
	JSONType = "application/json"
	XMLType  = "application/xml"
)

// EncodedBody is the request body as sent.
func (r Request) EncodedBody() string {
	if r.Form != nil {
		return encode(r.Form)
	}
	return r.Body
}

// Target is the request's path with its query.
func (r Request) Target(path string) string {
	path = r.Expand(path)
	if r.Query == nil {
		return path
	}
	return path + "?" + encode(r.Query)
}

// Expand fills an endpoint path's {parameters} with PathParams.
func (r Request) Expand(path string) string {
	for _, kv := range r.PathParams {
		path = strings.ReplaceAll(path, "{"+kv.Key+"}", url.PathEscape(kv.Value))
	}
	return path
}

func encode(kvs []KV) string {
	parts := make([]string, len(kvs))
	for i, kv := range kvs {
		parts[i] = url.QueryEscape(kv.Key) + "=" + url.QueryEscape(kv.Value)
	}
	return strings.Join(parts, "&")
}

// Form is a form body of name, value pairs.
func Form(kv ...string) []KV {
	out := make([]KV, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, KV{kv[i], kv[i+1]})
	}
	return out
}

// JSON is a compact JSON object of name, value pairs, in their order.
func JSON(kv ...string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(kv[i])
		v, _ := json.Marshal(kv[i+1])
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.String()
}

// Basic is an Authorization value for HTTP Basic user:password.
func Basic(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// Token reads a token out of an answer: in Go, and as the expression a
// Postman test script uses on pm.response.
type Token struct {
	Read func(body []byte) (string, bool)
	JS   string
}

// QuotedText is a token sent as a JSON string in a text body ("tok").
func QuotedText() *Token {
	return &Token{
		Read: func(b []byte) (string, bool) {
			var s string
			if json.Unmarshal(b, &s) != nil || s == "" || s == "0" {
				return "", false
			}
			return s, true
		},
		JS: `JSON.parse(pm.response.text())`,
	}
}

// JSONField is a token at a path of JSON objects in the body (JSON sent as
// text included).
func JSONField(path ...string) *Token {
	js := "JSON.parse(pm.response.text())"
	for _, p := range path {
		js += "." + p
	}
	return &Token{
		Read: func(b []byte) (string, bool) {
			var v any
			if json.Unmarshal(b, &v) != nil {
				return "", false
			}
			for _, p := range path {
				m, ok := v.(map[string]any)
				if !ok {
					return "", false
				}
				v = m[p]
			}
			s, ok := v.(string)
			return s, ok && s != ""
		},
		JS: js,
	}
}

// JSONLast is a token at the end of a JSON list in the body: the last
// element, or that element's field when it is an object (uContact's
// UserLogin ends with the key, or with the phone's peer whose md5secret
// is the key).
func JSONLast(field string) *Token {
	return &Token{
		Read: func(b []byte) (string, bool) {
			var list []any
			if json.Unmarshal(b, &list) != nil || len(list) == 0 {
				return "", false
			}
			switch v := list[len(list)-1].(type) {
			case string:
				return v, v != ""
			case map[string]any:
				s, ok := v[field].(string)
				return s, ok && s != ""
			}
			return "", false
		},
		JS: "(function (l) { var v = l[l.length - 1]; return typeof v === 'object' && v !== null ? v[" + strconv.Quote(field) + "] : v; })(JSON.parse(pm.response.text()))",
	}
}

// Samples returns the endpoints that have a sample, in the spec's working
// order (Flow, else the documented order).
func (s Spec) Samples() []Endpoint {
	order := s.Flow
	if order == nil {
		for _, e := range s.Endpoints {
			order = append(order, e.Name)
		}
	}
	var out []Endpoint
	for _, name := range order {
		if e, ok := s.Endpoint(name); ok && e.Sample != nil {
			out = append(out, e)
		}
	}
	return out
}

// WithSamples returns endpoints with their samples, by endpoint name.
func WithSamples(endpoints []Endpoint, samples map[string]*Sample) []Endpoint {
	out := make([]Endpoint, len(endpoints))
	for i, e := range endpoints {
		e.Sample = samples[e.Name]
		out[i] = e
	}
	return out
}

// Step is one request: method, path, and the rest.
type Step struct {
	Method, Path string
	Request      Request
}

// Recipe produces one documented response of the contract: it returns the
// request whose answer that response is, after sending (with do) the
// requests it needs first, a login for its token.
type Recipe func(demo map[string]string, do func(Step) (status int, body []byte)) Step

// SampleStep is the sample request of the endpoint named, among eps, as
// a Step.
func SampleStep(eps []Endpoint, name string, demo, kept map[string]string) Step {
	for _, e := range eps {
		if e.Name == name && e.Sample != nil {
			return Step{Method: e.Method, Path: e.Path, Request: e.Sample.Request(demo, kept)}
		}
	}
	panic("vendor: no sample of endpoint " + name)
}

// SendSample sends the sample of the endpoint named and returns what it
// kept: the token read from the answer, under the sample's Keep name.
func SendSample(eps []Endpoint, name string, demo map[string]string, do func(Step) (int, []byte)) map[string]string {
	kept := map[string]string{RunID: "coverage"}
	_, body := do(SampleStep(eps, name, demo, kept))
	for _, e := range eps {
		if e.Name == name && e.Sample.Token != nil {
			kept[e.Sample.Keep], _ = e.Sample.Token.Read(body)
		}
	}
	return kept
}
