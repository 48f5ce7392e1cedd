package simulators

import (
	"net/http"
	"strings"
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
	Method string          `json:"method"`
	Header []postmanKV     `json:"header"`
	Body   *postmanBody    `json:"body,omitempty"`
	URL    postmanURL      `json:"url"`
	Auth   *postmanBasicAu `json:"auth,omitempty"`
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

type postmanBasicAu struct {
	Type  string      `json:"type"`
	Basic []postmanKV `json:"basic"`
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

// pmCall is one operation of the collection.
type pmCall struct {
	name, method, path, contentType, accept, auth string
	form                                          []postmanKV // urlencoded body
	raw                                           string      // raw body
	basic                                         []string    // user, password for Basic auth
	keep                                          string      // test script keeping the token: JS expression
	keepAs                                        string      // collection variable it goes to
}

// postmanCalls lists each vendor's operations in a working order: the
// login first, the calls that use its token after it.
var postmanCalls = map[string][]pmCall{
	"ucontact": {
		{name: "getUserToken", method: "POST", path: "/Integra/resources/auth/getUserToken", contentType: "application/x-www-form-urlencoded",
			form: []postmanKV{{"user", "demo"}, {"password", "demo"}}, keep: `pm.response.text().replace(/"/g, "")`, keepAs: "ucontact_token"},
		{name: "AgentLogin", method: "POST", path: "/Integra/resources/auth/AgentLogin", contentType: "application/x-www-form-urlencoded",
			form: []postmanKV{{"agent", "1997"}, {"password", "1997"}}, keep: `JSON.parse(pm.response.text()).token`, keepAs: "ucontact_agent_token"},
		{name: "UserLogin", method: "POST", path: "/Integra/resources/auth/UserLogin", contentType: "application/x-www-form-urlencoded",
			form: []postmanKV{{"user", "demo"}, {"password", "demo"}}},
		{name: "AgentLogoff", method: "POST", path: "/Integra/resources/api/AgentLogoff", contentType: "application/x-www-form-urlencoded",
			auth: "Basic {{ucontact_agent_token}}", form: []postmanKV{{"agent", "1997"}, {"interface", "SIP/1997"}}},
		{name: "EndSession", method: "POST", path: "/Integra/resources/auth/EndSession", contentType: "application/x-www-form-urlencoded",
			form: []postmanKV{{"user", "demo"}, {"token", "{{ucontact_token}}"}}},
	},
	"crmcom": {
		{name: "authentication/token", method: "POST", path: "/crmapi/rest/v2/authentication/token", contentType: "application/json",
			raw:  `{"username":"mpadministrator","password":"1234","organisation":"CRMDEMO","unit":"EE63A82C4FEBE02FF34E90DD1EBA5ABE"}`,
			keep: `pm.response.json().data.token`, keepAs: "crmcom_token"},
		{name: "contact_information/show", method: "GET", path: "/crmapi/rest/v2/contact_information/show?token={{crmcom_token}}&contact_information_identifier=number=CI000111"},
		{name: "authentication/token/release", method: "POST", path: "/crmapi/rest/v2/authentication/token/release", contentType: "application/json",
			raw: `{"token":"{{crmcom_token}}"}`},
	},
	"autoalert": {
		{name: "User/authenticate (JSON)", method: "POST", path: "/User/authenticate", contentType: "application/json", accept: "application/json",
			raw: `{"userName":"demo","password":"demo"}`, keep: `pm.response.json().token`, keepAs: "autoalert_token"},
		{name: "User/authenticate (XML)", method: "POST", path: "/User/authenticate", contentType: "application/xml", accept: "application/xml",
			raw: `<AuthenticateRequest xmlns="http://schemas.datacontract.org/2004/07/AutoAlert.API.Models.User"><password>demo</password><userName>demo</userName></AuthenticateRequest>`},
		{name: "User/getusers", method: "POST", path: "/User/getusers", contentType: "application/json", accept: "application/json",
			raw: `{"token":"{{autoalert_token}}"}`},
		{name: "User/renewtoken", method: "POST", path: "/User/renewtoken", contentType: "application/json", accept: "application/json",
			raw: `{"token":"{{autoalert_token}}"}`, keep: `pm.response.json().token`, keepAs: "autoalert_token"},
		{name: "User/logoff", method: "POST", path: "/User/logoff", contentType: "application/json", accept: "application/json",
			raw: `{"token":"{{autoalert_token}}"}`},
		{name: "User/autologin", method: "POST", path: "/User/autologin", contentType: "application/json", accept: "application/json",
			raw: `{"token":"0f8fad5b-d9cb-469f-a165-70867728950e"}`},
	},
	"exotel": {
		{name: "login (admin bearer)", method: "POST", path: "/login", contentType: "application/x-www-form-urlencoded", accept: "application/json",
			form: []postmanKV{{"username", "demo.admin"}, {"password", "demo-admin-pass"}}, keep: `pm.response.json().token`, keepAs: "exotel_admin_token"},
		{name: "jwks", method: "GET", path: "/.well-known/jwks.json"},
		{name: "configuration/basicauth", method: "POST", path: "/configuration/basicauth", contentType: "application/json", accept: "application/json",
			auth: "Bearer {{exotel_admin_token}}",
			raw:  `{"username":"customer_manager","password":"customer_manager@123","context":"ContactCenter","contextId":"1","dateExpiry":"2030-05-19T12:20:57.310Z","userRole":"Administrator"}`},
		{name: "configuration/whoami (stand-in)", method: "GET", path: "/configuration/whoami", basic: []string{"customer_manager", "customer_manager@123"}},
	},
}

// postman builds the collection for the running stack.
func (s *Stack) postman(*http.Request) (any, error) {
	c := postmanCollection{
		Info: postmanInfo{
			Name:        "mockauth",
			Description: "Every vendor operation of the running mockauth stack, with its demo logins; each login keeps its token in a collection variable.",
			Schema:      PostmanSchema,
		},
	}
	for _, sv := range s.vendors {
		urlVar := sv.name + "_url"
		c.Variable = append(c.Variable, postmanVariable{Key: urlVar, Value: sv.url})
		folder := postmanFolder{Name: sv.name}
		for _, pc := range postmanCalls[sv.name] {
			folder.Item = append(folder.Item, pc.item(urlVar))
			if pc.keepAs != "" && !hasVariable(c.Variable, pc.keepAs) {
				c.Variable = append(c.Variable, postmanVariable{Key: pc.keepAs})
			}
		}
		c.Item = append(c.Item, folder)
	}
	return c, nil
}

func hasVariable(vars []postmanVariable, key string) bool {
	for _, v := range vars {
		if v.Key == key {
			return true
		}
	}
	return false
}

func (pc pmCall) item(urlVar string) postmanItem {
	req := postmanRequest{Method: pc.method, Header: []postmanKV{}}
	for _, h := range []postmanKV{{"Content-Type", pc.contentType}, {"Accept", pc.accept}, {"Authorization", pc.auth}} {
		if h.Value != "" {
			req.Header = append(req.Header, h)
		}
	}
	switch {
	case pc.form != nil:
		req.Body = &postmanBody{Mode: "urlencoded", URLEncoded: pc.form}
	case pc.raw != "":
		req.Body = &postmanBody{Mode: "raw", Raw: pc.raw}
	}
	if pc.basic != nil {
		req.Auth = &postmanBasicAu{Type: "basic", Basic: []postmanKV{{"username", pc.basic[0]}, {"password", pc.basic[1]}}}
	}
	path, _, _ := strings.Cut(strings.TrimPrefix(pc.path, "/"), "?")
	req.URL = postmanURL{Raw: "{{" + urlVar + "}}" + pc.path, Host: []string{"{{" + urlVar + "}}"}, Path: strings.Split(path, "/")}
	it := postmanItem{Name: pc.name, Request: req}
	if pc.keep != "" {
		it.Event = []postmanEvent{{Listen: "test", Script: postmanScript{Type: "text/javascript", Exec: []string{
			`pm.test("status is 200", function () { pm.response.to.have.status(200); });`,
			`pm.collectionVariables.set("` + pc.keepAs + `", ` + pc.keep + `);`,
		}}}}
	}
	return it
}
