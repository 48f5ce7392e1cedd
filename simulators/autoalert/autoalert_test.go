package autoalert_test

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mockauth/mockauth/simulators/autoalert"
	"github.com/mockauth/mockauth/simulators/clock"
	"github.com/mockauth/mockauth/simulators/vendortest"
)

type harness struct {
	*vendortest.Harness
	t     *testing.T
	clock *clock.Simulated
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	c := clock.NewSimulated()
	return &harness{Harness: vendortest.New(t, autoalert.Spec, autoalert.New(autoalert.Options{Clock: c})), t: t, clock: c}
}

func (h *harness) post(path, contentType, accept, body string) vendortest.Answer {
	h.t.Helper()
	var hdr []string
	if accept != "" {
		hdr = []string{"Accept", accept}
	}
	return h.Send(vendortest.Request{Method: http.MethodPost, Target: path, ContentType: contentType, Body: body, Header: hdr})
}

// The help page's XML sample, with the demo login in place of its sample strings.
const pageXML = `<AuthenticateRequest xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.datacontract.org/2004/07/AutoAlert.API.Models.User"> <code></code> <password>demo</password> <userName>demo</userName> </AuthenticateRequest>`

var (
	guidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	// .NET's FFFFFFF: up to seven digits, trailing zeros trimmed.
	dateRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,6}[1-9])?-0[78]:00$`)
)

// authXML is AuthenticateResponse as the page's namespaces define it.
type authXML struct {
	XMLName    xml.Name `xml:"http://schemas.datacontract.org/2004/07/AutoAlert.API.Models.User AuthenticateResponse"`
	APIVersion int      `xml:"http://schemas.datacontract.org/2004/07/AutoAlert.API APIVersion"`
	Error      string   `xml:"http://schemas.datacontract.org/2004/07/AutoAlert.API error"`
	IsEmployee bool     `xml:"http://schemas.datacontract.org/2004/07/AutoAlert.API.Models.User IsEmployee"`
	UserID     int      `xml:"http://schemas.datacontract.org/2004/07/AutoAlert.API.Models.User UserID"`
	Expiration string   `xml:"http://schemas.datacontract.org/2004/07/AutoAlert.API.Models.User expirationDateUtc"`
	Token      string   `xml:"http://schemas.datacontract.org/2004/07/AutoAlert.API.Models.User token"`
}

func TestAuthenticate_PageXMLSample(t *testing.T) {
	h := newHarness(t)
	a := h.post(autoalert.PathAuthenticate, "application/xml", "application/xml", pageXML)
	if a.Status != 200 || a.Header.Get("Content-Type") != "application/xml; charset=utf-8" {
		t.Fatalf("got %d %s: %s", a.Status, a.Header.Get("Content-Type"), a.Body)
	}
	var got authXML
	if err := xml.Unmarshal([]byte(a.Body), &got); err != nil {
		t.Fatalf("answer does not parse as AuthenticateResponse: %v\n%s", err, a.Body)
	}
	if !guidRE.MatchString(got.Token) || got.Token == autoalert.EmptyGUID || got.APIVersion != 4 || got.UserID != 1 || !got.IsEmployee || !dateRE.MatchString(got.Expiration) {
		t.Fatalf("answer = %+v", got)
	}
	want := `<AuthenticateResponse xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.datacontract.org/2004/07/AutoAlert.API.Models.User">` +
		`<APIVersion xmlns="http://schemas.datacontract.org/2004/07/AutoAlert.API">4</APIVersion>` +
		`<error i:nil="true" xmlns="http://schemas.datacontract.org/2004/07/AutoAlert.API" />` +
		`<IsEmployee>true</IsEmployee><UserID>1</UserID>` +
		`<expirationDateUtc>` + got.Expiration + `</expirationDateUtc><token>` + got.Token + `</token></AuthenticateResponse>`
	if a.Body != want {
		t.Fatalf("XML =\n%s\nwant exactly\n%s", a.Body, want)
	}
	exp, err := time.Parse(time.RFC3339Nano, got.Expiration)
	if err != nil || exp.Sub(h.clock.Now()) < 23*time.Hour || exp.Sub(h.clock.Now()) > 25*time.Hour {
		t.Fatalf("expirationDateUtc %s is not 24h ahead (%v)", got.Expiration, err)
	}
}

func TestAuthenticate_JSONOnTheLowerCasePath(t *testing.T) {
	h := newHarness(t)
	a := h.post("/user/authenticate", "application/json", "", `{"userName":"demo","password":"demo"}`)
	var got map[string]any
	if err := json.Unmarshal([]byte(a.Body), &got); err != nil || a.Status != 200 {
		t.Fatalf("got %d %s", a.Status, a.Body)
	}
	tok, _ := got["token"].(string)
	if !guidRE.MatchString(tok) || got["code"] != 200.0 || got["error"] != nil {
		t.Fatalf("answer = %s", a.Body)
	}
	wantPrefix := `{"UserID":1,"IsEmployee":true,"expirationDateUtc":"`
	if !strings.HasPrefix(a.Body, wantPrefix) || !strings.HasSuffix(a.Body, `","APIVersion":4,"token":"`+tok+`","code":200,"error":null}`) {
		t.Fatalf("JSON member order differs from the help page: %s", a.Body)
	}
}

func TestAuthenticate_Failures(t *testing.T) {
	testCases := []struct {
		name, path, contentType, accept, body string
		wantStatus                            int
		wantError                             string
	}{
		{"wrong password", autoalert.PathAuthenticate, "application/json", "", `{"userName":"demo","password":"x"}`, 401, autoalert.MsgInvalidCredentials},
		{"unknown user", autoalert.PathAuthenticate, "text/json", "", `{"userName":"nobody","password":"demo"}`, 401, autoalert.MsgInvalidCredentials},
		{"missing password", autoalert.PathAuthenticate, "application/json", "", `{"userName":"demo"}`, 400, autoalert.MsgMissingCredentials},
		{"broken JSON", autoalert.PathAuthenticate, "application/json", "", `{"userName":`, 400, autoalert.MsgBrokenBody},
		{"broken XML", autoalert.PathAuthenticate, "application/xml", "application/json", `<AuthenticateRequest xmlns="http://schemas.datacontract.org/2004/07/AutoAlert.API.Models.User"><password>demo`, 400, autoalert.MsgBrokenBody},
		{"XML without the namespace", autoalert.PathAuthenticate, "text/xml", "application/json", `<AuthenticateRequest><password>demo</password><userName>demo</userName></AuthenticateRequest>`, 400, autoalert.MsgBrokenBody},
		{"XML out of order: password skipped", autoalert.PathAuthenticate, "application/xml", "application/json",
			`<AuthenticateRequest xmlns="http://schemas.datacontract.org/2004/07/AutoAlert.API.Models.User"><userName>demo</userName><password>demo</password></AuthenticateRequest>`, 400, autoalert.MsgMissingCredentials},
		{"XML names are case-sensitive", autoalert.PathAuthenticate, "application/xml", "application/json",
			`<AuthenticateRequest xmlns="http://schemas.datacontract.org/2004/07/AutoAlert.API.Models.User"><Password>demo</Password><UserName>demo</UserName></AuthenticateRequest>`, 400, autoalert.MsgMissingCredentials},
		{"code required", autoalert.PathAuthenticate, "application/json", "", `{"userName":"secure","password":"secure-pass"}`, 403, autoalert.MsgCodeRequired},
		{"code wrong", autoalert.PathAuthenticate, "application/json", "", `{"userName":"secure","password":"secure-pass","code":"1"}`, 403, autoalert.MsgInvalidCode},
		{"bad autologin token", autoalert.PathAutologin, "application/json", "", `{"token":"11111111-2222-3333-4444-555555555555"}`, 401, autoalert.MsgInvalidAutologin},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			a := h.post(tc.path, tc.contentType, tc.accept, tc.body)
			var got struct {
				Token string  `json:"token"`
				Code  int     `json:"code"`
				Error *string `json:"error"`
			}
			if err := json.Unmarshal([]byte(a.Body), &got); err != nil {
				t.Fatalf("not JSON: %s", a.Body)
			}
			if a.Status != tc.wantStatus || got.Code != tc.wantStatus || got.Error == nil || *got.Error != tc.wantError {
				t.Fatalf("got %d %s, want %d %q", a.Status, a.Body, tc.wantStatus, tc.wantError)
			}
			if got.Token != autoalert.EmptyGUID || !strings.Contains(a.Body, `"expirationDateUtc":"0001-01-01T00:00:00"`) {
				t.Fatalf("a failure carries a token: %s", a.Body)
			}
		})
	}
}

func TestAuthenticate_FormatsAndNegotiation(t *testing.T) {
	testCases := []struct {
		name, contentType, accept, body string
		wantStatus                      int
		wantContentType                 string
	}{
		{"form in, JSON out", "application/x-www-form-urlencoded", "", "username=demo&Password=demo", 200, "application/json; charset=utf-8"},
		{"JSON names any case", "application/json", "*/*", `{"USERNAME":"demo","password":"demo"}`, 200, "application/json; charset=utf-8"},
		{"text/xml asked", "application/json", "text/xml", `{"userName":"demo","password":"demo"}`, 200, "text/xml; charset=utf-8"},
		{"XML by quality", "application/json", "application/json;q=0.5, application/xml", `{"userName":"demo","password":"demo"}`, 200, "application/xml; charset=utf-8"},
		{"text/json asked", "application/json", "text/json", `{"userName":"demo","password":"demo"}`, 200, "text/json; charset=utf-8"},
		{"unknown Accept falls back to JSON", "application/json", "text/html", `{"userName":"demo","password":"demo"}`, 200, "application/json; charset=utf-8"},
		{"XML in, no Accept: XML out (D1)", "application/xml", "", pageXML, 200, "application/xml; charset=utf-8"},
		{"text/xml in, no Accept: text/xml out", "text/xml", "", pageXML, 200, "text/xml; charset=utf-8"},
		{"text/json in, no Accept: text/json out", "text/json", "", `{"userName":"demo","password":"demo"}`, 200, "text/json; charset=utf-8"},
		{"XML in, Accept names nothing written: XML out", "application/xml", "text/html", pageXML, 200, "application/xml; charset=utf-8"},
		{"XML in, */*: the first formatter, JSON", "application/xml", "*/*", pageXML, 200, "application/json; charset=utf-8"},
		{"XML in, application/*: JSON on the tie", "application/xml", "application/*", pageXML, 200, "application/json; charset=utf-8"},
		{"literal before */* of the same quality", "application/json", "*/*, text/json", `{"userName":"demo","password":"demo"}`, 200, "text/json; charset=utf-8"},
		{"Firefox's Accept: XML", "application/json", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", `{"userName":"demo","password":"demo"}`, 200, "application/xml; charset=utf-8"},
		{"Chrome's Accept: XML", "application/json", "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7", `{"userName":"demo","password":"demo"}`, 200, "application/xml; charset=utf-8"},
		{"form in, text/html asked: JSON", "application/x-www-form-urlencoded", "text/html", "userName=demo&password=demo", 200, "application/json; charset=utf-8"},
		{"q=0 refuses a type", "application/xml", "application/xml;q=0, application/json;q=0.5", pageXML, 200, "application/json; charset=utf-8"},
		{"security code", "application/json", "", `{"userName":"secure","password":"secure-pass","code":"424242"}`, 200, "application/json; charset=utf-8"},
		{"unsupported Content-Type", "text/plain", "", `userName=demo`, 415, "application/json; charset=utf-8"},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			a := h.post(autoalert.PathAuthenticate, tc.contentType, tc.accept, tc.body)
			if a.Status != tc.wantStatus || a.Header.Get("Content-Type") != tc.wantContentType {
				t.Fatalf("got %d %s: %s", a.Status, a.Header.Get("Content-Type"), a.Body)
			}
		})
	}
	// A browser's XMLHttpRequest that accepts anything gets JSON, whatever
	// its body: the JSON formatter's XmlHttpRequestHeaderMapping outranks
	// the request's own media type; an Accept that names a type wins.
	for _, c := range []struct{ accept, want string }{
		{"", "application/json; charset=utf-8"},
		{"*/*", "application/json; charset=utf-8"},
		{"application/xml", "application/xml; charset=utf-8"},
	} {
		h := newHarness(t)
		header := []string{"X-Requested-With", "XMLHttpRequest"}
		if c.accept != "" {
			header = append(header, "Accept", c.accept)
		}
		a := h.Send(vendortest.Request{Method: http.MethodPost, Target: autoalert.PathAuthenticate, ContentType: "application/xml", Body: pageXML, Header: header})
		if a.Status != 200 || a.Header.Get("Content-Type") != c.want {
			t.Errorf("XML body, X-Requested-With, Accept %q: %d %s, want %s", c.accept, a.Status, a.Header.Get("Content-Type"), c.want)
		}
	}
	h := newHarness(t)
	if a := h.post(autoalert.PathAuthenticate, "text/plain", "", "x"); a.Body != `{"Message":"The request entity's media type 'text/plain' is not supported for this resource."}` {
		t.Fatalf("415 body = %s", a.Body)
	}
	if a := h.Send(vendortest.Request{Method: http.MethodGet, Target: autoalert.PathAuthenticate}); a.Status != 405 || !strings.Contains(a.Body, "does not support http method 'GET'") {
		t.Fatalf("GET = %d %s", a.Status, a.Body)
	}
}

func (h *harness) login() string {
	h.t.Helper()
	a := h.post(autoalert.PathAuthenticate, "application/json", "", `{"userName":"demo","password":"demo"}`)
	var got struct{ Token string }
	_ = json.Unmarshal([]byte(a.Body), &got)
	if !guidRE.MatchString(got.Token) {
		h.t.Fatalf("login failed: %s", a.Body)
	}
	return got.Token
}

func TestGetUsers_TokenLifecycle(t *testing.T) {
	h := newHarness(t)
	tok := h.login()
	a := h.post(autoalert.PathGetUsers, "application/json", "", `{"token":"`+tok+`"}`)
	if a.Status != 200 || !strings.HasPrefix(a.Body, `{"Users":[{"UserID":1,"UserName":"demo","FullName":"Demo User","IsEmployee":true},`) {
		t.Fatalf("getusers with a fresh token: %d %s", a.Status, a.Body)
	}
	x := h.post("/USER/GETUSERS", "application/xml", "application/xml", `<AuthenticatedRequest xmlns="http://schemas.datacontract.org/2004/07/AutoAlert.API.Models"><token>`+tok+`</token></AuthenticatedRequest>`)
	if x.Status != 200 || !strings.Contains(x.Body, `<Users><UserInfo><FullName>Demo User</FullName><IsEmployee>true</IsEmployee><UserID>1</UserID><UserName>demo</UserName></UserInfo>`) {
		t.Fatalf("getusers in XML: %d %s", x.Status, x.Body)
	}
	_ = h.clock.Advance(24*time.Hour + time.Second)
	a = h.post(autoalert.PathGetUsers, "application/json", "", `{"token":"`+tok+`"}`)
	if a.Status != 401 || a.Body != `{"APIVersion":1,"code":401,"error":"Invalid or expired token."}` {
		t.Fatalf("getusers after expiry: %d %s", a.Status, a.Body)
	}
	x = h.post(autoalert.PathGetUsers, "application/json", "application/xml", `{"token":"`+tok+`"}`)
	wantXML := `<APIResult xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.datacontract.org/2004/07/AutoAlert.API"><APIVersion>1</APIVersion><error>Invalid or expired token.</error></APIResult>`
	if x.Body != wantXML {
		t.Fatalf("APIResult XML =\n%s\nwant\n%s", x.Body, wantXML)
	}
}

func TestRenewTokenAndLogoff(t *testing.T) {
	h := newHarness(t)
	tok := h.login()
	a := h.post(autoalert.PathRenewToken, "application/json", "", `{"token":"`+tok+`"}`)
	var renewed struct {
		UserID     int    `json:"userID"`
		IsEmployee bool   `json:"isEmployee"`
		APIVersion int    `json:"APIVersion"`
		Token      string `json:"token"`
	}
	if err := json.Unmarshal([]byte(a.Body), &renewed); err != nil || a.Status != 200 || renewed.APIVersion != 1 || renewed.UserID != 1 || !strings.HasPrefix(a.Body, `{"APIVersion":1,"token":"`+renewed.Token+`","userID":1,"isEmployee":true,"expirationDateUtc":"`) {
		t.Fatalf("renewtoken: %d %s", a.Status, a.Body)
	}
	x := h.post(autoalert.PathRenewToken, "application/json", "application/xml", `{"token":"`+renewed.Token+`"}`)
	if !strings.HasPrefix(x.Body, `<Token xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.datacontract.org/2004/07/AutoAlert.API.Models.Mobile"><APIVersion xmlns="http://schemas.datacontract.org/2004/07/AutoAlert.API">1</APIVersion>`) {
		t.Fatalf("renewtoken XML: %s", x.Body)
	}
	if a := h.post(autoalert.PathGetUsers, "application/json", "", `{"token":"`+tok+`"}`); a.Status != 401 {
		t.Fatalf("the renewed-away token still works: %d", a.Status)
	}
	var latest struct{ Token string }
	_ = xml.Unmarshal([]byte(strings.ReplaceAll(x.Body, "token>", "Token>")), &latest)
	if a := h.post(autoalert.PathLogoff, "application/json", "", `{"token":"`+latest.Token+`"}`); a.Status != 200 || a.Body != `{"APIVersion":1,"code":200,"error":null}` {
		t.Fatalf("logoff: %d %s", a.Status, a.Body)
	}
	if a := h.post(autoalert.PathGetUsers, "application/json", "", `{"token":"`+latest.Token+`"}`); a.Status != 401 {
		t.Fatalf("token after logoff: %d", a.Status)
	}
}

func TestAutologin(t *testing.T) {
	h := newHarness(t)
	a := h.post(autoalert.PathAutologin, "application/json", "", `{"token":"0f8fad5b-d9cb-469f-a165-70867728950e"}`)
	if a.Status != 200 || !strings.HasPrefix(a.Body, `{"UserID":1,`) {
		t.Fatalf("autologin: %d %s", a.Status, a.Body)
	}
}

func TestParseFixtures_Errors(t *testing.T) {
	testCases := []struct{ name, data, want string }{
		{"unknown key", "users:\n  u:\n    userID: 1\n    password: p\n    admin: true\n", "a.yaml:5: unknown key \"admin\""},
		{"duplicate id", "users:\n  u:\n    userID: 1\n    password: p\n  v:\n    userID: 1\n    password: p\n", "has the userID 1"},
		{"bad timezone", "settings:\n  timezone: Mars/Olympus\nusers:\n  u: {userID: 1, password: p}\n", `a.yaml:2: unknown timezone "Mars/Olympus"`},
		{"bad failures", "settings:\n  failures: teapot\nusers:\n  u: {userID: 1, password: p}\n", `a.yaml:2: failures must be "http-status" or "in-body", not "teapot"`},
		{"autologin not a GUID", "users:\n  u: {userID: 1, password: p}\nautologinTokens:\n  abc: u\n", `a.yaml:4: autologin token "abc" is not a GUID`},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := autoalert.ParseFixtures("a.yaml", []byte(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want %q", err, tc.want)
			}
		})
	}
}

// A token is a Guid to .NET: in braces, in parentheses, as 32 digits, in
// upper case or with white space around it, it is the same token (D28);
// logoff in any of those spellings ends it.
func TestToken_GuidSpellings(t *testing.T) {
	spell := map[string]func(string) string{
		"braces":      func(g string) string { return "{" + g + "}" },
		"parentheses": func(g string) string { return "(" + g + ")" },
		"32 digits":   func(g string) string { return strings.ReplaceAll(g, "-", "") },
		"upper case":  strings.ToUpper,
		"white space": func(g string) string { return " " + g + " " },
	}
	for name, f := range spell {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			tok := h.login()
			if a := h.post(autoalert.PathGetUsers, "application/json", "", `{"token":"`+f(tok)+`"}`); a.Status != 200 {
				t.Fatalf("getusers with the token %s: %d %s", name, a.Status, a.Body)
			}
			if a := h.post(autoalert.PathLogoff, "application/json", "", `{"token":"`+f(tok)+`"}`); a.Status != 200 {
				t.Fatalf("logoff with the token %s: %d %s", name, a.Status, a.Body)
			}
			if a := h.post(autoalert.PathGetUsers, "application/json", "", `{"token":"`+tok+`"}`); a.Status != 401 {
				t.Fatalf("the token after a logoff %s: %d %s", name, a.Status, a.Body)
			}
		})
	}
	h := newHarness(t)
	tok := h.login()
	for _, bad := range []string{"{" + tok, tok[:35], "{" + strings.ReplaceAll(tok, "-", "") + "}", "(" + tok + "}"} {
		if a := h.post(autoalert.PathGetUsers, "application/json", "", `{"token":"`+bad+`"}`); a.Status != 401 {
			t.Errorf("no Guid %q: %d %s", bad, a.Status, a.Body)
		}
	}
}

// The service's root and /Help answer its online help page, as API_Intro
// says (D27), listing the documented methods; any case, a trailing slash.
func TestHelpPage(t *testing.T) {
	for _, path := range []string{"/", "/Help", "/help/", "/HELP"} {
		h := newHarness(t)
		a := h.Send(vendortest.Request{Method: http.MethodGet, Target: path})
		if a.Status != 200 || a.Header.Get("Content-Type") != "text/html; charset=utf-8" ||
			!strings.Contains(a.Body, "<title>ASP.NET Web API Help Page</title>") || !strings.Contains(a.Body, ">POST User/authenticate</a>") {
			t.Errorf("GET %s: %d %s %.120s", path, a.Status, a.Header.Get("Content-Type"), a.Body)
		}
	}
}
