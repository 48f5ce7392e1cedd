package admin

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/mockauth/mockauth/simulators/stub"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// The Postman collection of GET /__admin/postman: every vendor operation
// against the running stack, the demo logins filled in, and a test script
// on each login that keeps its token in a collection variable for the
// calls after it (the vendor pages point integrators to Postman).

// PostmanSchema is the collection format served.
const PostmanSchema = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"

type postmanCollection struct {
	Info     postmanInfo       `json:"info"`
	Item     []postmanFolder   `json:"item"`
	Variable []postmanVariable `json:"variable"`
}

type postmanInfo struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Schema      string `json:"schema"`
}

type postmanFolder struct {
	Name string        `json:"name"`
	Item []postmanItem `json:"item"`
}

type postmanItem struct {
	Name    string         `json:"name"`
	Request postmanRequest `json:"request"`
	Event   []postmanEvent `json:"event,omitempty"`
}

type postmanRequest struct {
	Method string       `json:"method"`
	Header []postmanKV  `json:"header"`
	Body   *postmanBody `json:"body,omitempty"`
	URL    postmanURL   `json:"url"`
}

type postmanKV struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type postmanBody struct {
	Mode       string      `json:"mode"` // raw or urlencoded
	Raw        string      `json:"raw,omitempty"`
	URLEncoded []postmanKV `json:"urlencoded,omitempty"`
}

// postmanURL is a request's URL: Postman and newman send what host,
// path and query say; raw is what the editor shows.
type postmanURL struct {
	Raw   string      `json:"raw"`
	Host  []string    `json:"host"`
	Path  []string    `json:"path"`
	Query []postmanKV `json:"query,omitempty"`
}

type postmanEvent struct {
	Listen string        `json:"listen"`
	Script postmanScript `json:"script"`
}

type postmanScript struct {
	Type string   `json:"type"`
	Exec []string `json:"exec"`
}

type postmanVariable struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Postman builds the collection of a running stack from each vendor's
// samples, with the demo logins of its loaded fixtures.
func Postman(vendors []VendorInfo) any {
	c := postmanCollection{
		Info: postmanInfo{
			Name:        "mockauth",
			Description: "Every vendor operation of the running mockauth stack, with its demo logins; each login keeps its token in a collection variable.",
			Schema:      PostmanSchema,
		},
	}
	for _, v := range vendors {
		demo := v.Demo
		urlVar := v.Name + "_url"
		c.Variable = append(c.Variable, postmanVariable{Key: urlVar, Value: v.BaseURL})
		// Kept tokens are collection variables; RunID is Postman's own
		// timestamp, so a registration takes a new name on every run.
		kept := map[string]string{vendor.RunID: "{{$timestamp}}"}
		samples := v.Spec.Samples()
		for _, e := range samples {
			if k := e.Sample.Keep; k != "" && kept[k] == "" {
				kept[k] = "{{" + postmanVar(v.Name, k) + "}}"
				c.Variable = append(c.Variable, postmanVariable{Key: postmanVar(v.Name, k)})
			}
		}
		isError := v.Spec.PostmanError
		if isError == "" {
			isError = "(pm.response.code >= 400)"
		}
		folder := postmanFolder{Name: v.Name}
		var enders []postmanItem // the calls that end a session: sent after every call carrying its token
		for _, e := range samples {
			it := postmanItemOf(e.Name, e.Method, e.Path, urlVar, e.Sample.Request(demo, kept))
			var keep []string
			if e.Sample.Keep != "" && e.Sample.Token != nil {
				name := postmanVar(v.Name, e.Sample.Keep)
				keep = []string{
					`var token = ` + e.Sample.Token.JS + `;`,
					`pm.test("` + e.Name + ` hands out a token", function () { pm.expect(token, "the token of ` + e.Name + `").to.be.a("string").and.not.empty; });`,
					`pm.collectionVariables.set("` + name + `", token);`,
				}
			}
			it.Event = postmanTest(e.Name, isError, false, keep...)
			items := []postmanItem{it}
			for _, variant := range e.Sample.Variants {
				if variant.BreaksContract {
					continue // the collection shows requests the contract allows
				}
				vi := postmanItemOf(e.Name+" ("+variant.Name+")", e.Method, e.Path, urlVar, variant.Request(demo, kept))
				vi.Event = postmanTest(vi.Name, isError, variant.WantError)
				items = append(items, vi)
			}
			if wrong, ok := e.Sample.WrongPassword(demo, kept); ok {
				wi := postmanItemOf(e.Name+" (wrong password)", e.Method, e.Path, urlVar, wrong)
				wi.Event = postmanTest(wi.Name, isError, true)
				items = append(items, wi)
			}
			if e.Sample.Ends {
				enders = append(enders, items...)
			} else {
				folder.Item = append(folder.Item, items...)
			}
		}
		for _, st := range v.Stubs {
			it := postmanStub(v, st, urlVar, kept)
			it.Event = postmanTest(it.Name, isError, false)
			folder.Item = append(folder.Item, it)
		}
		folder.Item = append(folder.Item, enders...)
		c.Item = append(c.Item, folder)
	}
	return c
}

// postmanTest is an item's test script: the answer is the vendor's
// refusal (wantError) or not, as isError (Spec.PostmanError) reads it,
// then the lines of more.
func postmanTest(name, isError string, wantError bool, more ...string) []postmanEvent {
	test := `pm.test("` + name + ` succeeds", function () { pm.expect(` + isError + `, "the vendor refused: " + pm.response.code + " " + pm.response.text().slice(0, 200)).to.equal(false); });`
	if wantError {
		test = `pm.test("` + name + ` is refused", function () { pm.expect(` + isError + `, "the vendor did not refuse: " + pm.response.code + " " + pm.response.text().slice(0, 200)).to.equal(true); });`
	}
	return []postmanEvent{{Listen: "test", Script: postmanScript{Type: "text/javascript", Exec: append([]string{test}, more...)}}}
}

// postmanStub is a stub's request: the credential as the vendor's check
// takes it, the fields the stub matches on, path parameters as Postman
// variables.
func postmanStub(v VendorInfo, st *stub.Stub, urlVar string, kept map[string]string) postmanItem {
	var r vendor.Request
	if a, ok := v.Spec.AuthScheme(st.Auth); ok && a.Sample != nil {
		r = a.Sample(st.Method, v.Demo, kept)
	}
	for _, k := range slices.Sorted(maps.Keys(st.Match.Query)) {
		r.Query = append(r.Query, vendor.KV{Key: k, Value: anyValue(st.Match.Query[k])})
	}
	if len(st.Match.Form) > 0 || r.Form != nil {
		if r.ContentType == "" {
			r.ContentType = vendor.FormType
		}
		form := []vendor.KV{}
		for _, k := range slices.Sorted(maps.Keys(st.Match.Form)) {
			form = append(form, vendor.KV{Key: k, Value: anyValue(st.Match.Form[k])})
		}
		r.Form = append(r.Form, form...)
	}
	path := pathParam.ReplaceAllString(st.Path, ":$1")
	return postmanItemOf(st.Name+" (stub)", st.Method, path, urlVar, r)
}

var pathParam = regexp.MustCompile(`\{([^}:]+)(?::[^}]*)?\}`)

// anyValue is what a sample sends for a field a stub matches on: "*"
// takes any value.
func anyValue(v string) string {
	if v == "*" {
		return ""
	}
	return v
}

// postmanVar names a kept token's collection variable: exotel_admin_token.
func postmanVar(vendorName, keep string) string {
	var b strings.Builder
	b.WriteString(vendorName + "_")
	for _, r := range keep {
		if unicode.IsUpper(r) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// postmanItemOf is one request of the collection.
func postmanItemOf(name, method, path, urlVar string, r vendor.Request) postmanItem {
	path = r.Expand(path)
	req := postmanRequest{Method: method, Header: []postmanKV{}}
	for _, h := range []postmanKV{{"Content-Type", r.ContentType}, {"Accept", r.Accept}, {"Authorization", r.Auth}} {
		if h.Value != "" {
			req.Header = append(req.Header, h)
		}
	}
	switch {
	case r.Form != nil:
		form := make([]postmanKV, len(r.Form))
		for i, kv := range r.Form {
			form[i] = postmanKV{kv.Key, kv.Value}
		}
		req.Body = &postmanBody{Mode: "urlencoded", URLEncoded: form}
	case r.Body != "":
		req.Body = &postmanBody{Mode: "raw", Raw: r.Body}
	}
	raw := "{{" + urlVar + "}}" + path
	req.URL = postmanURL{Host: []string{"{{" + urlVar + "}}"}, Path: strings.Split(strings.TrimPrefix(path, "/"), "/")}
	if r.Query != nil {
		parts := make([]string, len(r.Query))
		for i, kv := range r.Query {
			parts[i] = kv.Key + "=" + kv.Value // as typed: Postman encodes when it sends
			req.URL.Query = append(req.URL.Query, postmanKV{kv.Key, kv.Value})
		}
		raw += "?" + strings.Join(parts, "&")
	}
	req.URL.Raw = raw
	return postmanItem{Name: name, Request: req}
}
