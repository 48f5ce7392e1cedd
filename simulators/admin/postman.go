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

type postmanURL struct {
	Raw  string   `json:"raw"`
	Host []string `json:"host"`
	Path []string `json:"path"`
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
		folder := postmanFolder{Name: v.Name}
		for _, e := range samples {
			it := postmanItemOf(e.Name, e.Method, e.Path, urlVar, e.Sample.Request(demo, kept))
			if e.Sample.Keep != "" && e.Sample.Token != nil {
				it.Event = []postmanEvent{{Listen: "test", Script: postmanScript{Type: "text/javascript", Exec: []string{
					`pm.test("status is 200", function () { pm.response.to.have.status(200); });`,
					`pm.collectionVariables.set("` + postmanVar(v.Name, e.Sample.Keep) + `", ` + e.Sample.Token.JS + `);`,
				}}}}
			}
			folder.Item = append(folder.Item, it)
			for _, variant := range e.Sample.Variants {
				if variant.BreaksContract {
					continue // the collection shows requests the contract allows
				}
				folder.Item = append(folder.Item, postmanItemOf(e.Name+" ("+variant.Name+")", e.Method, e.Path, urlVar, variant.Request(demo, kept)))
			}
		}
		for _, st := range v.Stubs {
			folder.Item = append(folder.Item, postmanStub(v, st, urlVar, kept))
		}
		c.Item = append(c.Item, folder)
	}
	return c
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
	if r.Query != nil {
		parts := make([]string, len(r.Query))
		for i, kv := range r.Query {
			parts[i] = kv.Key + "=" + kv.Value // as typed: Postman encodes when it sends
		}
		raw += "?" + strings.Join(parts, "&")
	}
	req.URL = postmanURL{Raw: raw, Host: []string{"{{" + urlVar + "}}"}, Path: strings.Split(strings.TrimPrefix(path, "/"), "/")}
	return postmanItem{Name: name, Request: req}
}
