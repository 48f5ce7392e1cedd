package crmcom_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mockauth/mockauth/simulators/clock"
	"github.com/mockauth/mockauth/simulators/crmcom"
	"github.com/mockauth/mockauth/simulators/vendortest"
)

type harness struct {
	*vendortest.Harness
	t     *testing.T
	clock *clock.Simulated
}

func newHarness(t *testing.T, mode string) *harness {
	t.Helper()
	fx := crmcom.DefaultFixtures()
	if mode != "" {
		fx.Settings.Tokens = mode
	}
	c := clock.NewSimulated()
	return &harness{Harness: vendortest.New(t, crmcom.Spec, crmcom.New(crmcom.Options{Fixtures: &fx, Clock: c})), t: t, clock: c}
}

// answer is the envelope as a PHP client reads it.
type answer struct {
	Status struct {
		Code        string  `json:"code"`
		Message     *string `json:"message"`
		Description *string `json:"description"`
	} `json:"status"`
	Data json.RawMessage `json:"data"`
}

func (h *harness) post(path, contentType, body string) (int, answer, string) {
	h.t.Helper()
	a := h.Send(vendortest.Request{Method: http.MethodPost, Target: path, ContentType: contentType, Body: body})
	return h.decode(a)
}

func (h *harness) decode(a vendortest.Answer) (int, answer, string) {
	h.t.Helper()
	if ct := a.Header.Get("Content-Type"); ct != crmcom.ContentType {
		h.t.Errorf("Content-Type = %q, want %q", ct, crmcom.ContentType)
	}
	var env answer
	if err := json.Unmarshal([]byte(a.Body), &env); err != nil {
		h.t.Fatalf("body %q is not the JSON envelope: %v", a.Body, err)
	}
	return a.Status, env, a.Body
}

const pageExample = `{
    "username": "mpadministrator",
    "password": "1234",
    "organisation": "CRMDEMO",
    "unit": "EE63A82C4FEBE02FF34E90DD1EBA5ABE"
}`

var hex32 = regexp.MustCompile(`^[0-9A-F]{32}$`)

func TestLogin_PageExample(t *testing.T) {
	h := newHarness(t, "")
	status, env, raw := h.post(crmcom.PathToken, "application/json", pageExample)
	var data struct{ Token string }
	_ = json.Unmarshal(env.Data, &data)
	if status != 200 || env.Status.Code != "OK" || !hex32.MatchString(data.Token) {
		t.Fatalf("page example = %d %s", status, raw)
	}
	want := `{"status":{"code":"OK","message":null,"description":null},"data":{"token":"` + data.Token + `"}}`
	if raw != want {
		t.Fatalf("body =\n%s\nwant exactly\n%s", raw, want)
	}
}

func TestLogin_Errors(t *testing.T) {
	testCases := []struct {
		name, contentType, body string
		wantHTTP                int
		wantCode                string
	}{
		{"wrong password", "application/json", `{"username":"mpadministrator","password":"x","organisation":"CRMDEMO"}`, 200, crmcom.CodeInvalidCredentials},
		{"unknown user", "application/json", `{"username":"nobody","password":"1234","organisation":"CRMDEMO"}`, 200, crmcom.CodeInvalidCredentials},
		{"user of another organisation", "application/json", `{"username":"mpadministrator","password":"1234","organisation":"OTHERORG"}`, 200, crmcom.CodeInvalidCredentials},
		{"unknown organisation", "application/json", `{"username":"mpadministrator","password":"1234","organisation":"NOPE"}`, 200, crmcom.CodeInvalidOrganisation},
		{"no organisation", "application/json", `{"username":"mpadministrator","password":"1234"}`, 200, crmcom.CodeMandatoryFieldMissing},
		{"no password", "application/json", `{"username":"mpadministrator","organisation":"CRMDEMO"}`, 200, crmcom.CodeMandatoryFieldMissing},
		{"unit not the user's", "application/json", `{"username":"agent.smith","password":"smith-pass","organisation":"CRMDEMO","unit":"EE63A82C4FEBE02FF34E90DD1EBA5ABE"}`, 200, crmcom.CodeInvalidUnit},
		{"unit of another organisation", "application/json", `{"username":"mpadministrator","password":"1234","organisation":"CRMDEMO","unit":"0F1E2D3C4B5A69788796A5B4C3D2E1F0"}`, 200, crmcom.CodeInvalidUnit},
		{"both ways", "application/json", `{"username":"mpadministrator","password":"1234","organisation":"CRMDEMO","access_token_identifier":{"authentication_code":"demo-code"}}`, 200, crmcom.CodeInvalidLoginMethod},
		{"neither way", "application/json", `{"organisation":"CRMDEMO"}`, 200, crmcom.CodeInvalidLoginMethod},
		{"bad pass code", "application/json", `{"organisation":"CRMDEMO","access_token_identifier":{"identifier":"demo-id","pass_code":"9"}}`, 200, crmcom.CodeInvalidAccessToken},
		{"identifier without pass code", "application/json", `{"organisation":"CRMDEMO","access_token_identifier":{"identifier":"demo-id"}}`, 200, crmcom.CodeMandatoryFieldMissing},
		{"bad authentication code", "application/json", `{"organisation":"CRMDEMO","access_token_identifier":{"authentication_code":"nope"}}`, 200, crmcom.CodeInvalidAccessToken},
		{"malformed JSON", "application/json", `{"username":`, 400, crmcom.CodeMalformedRequest},
		{"a JSON array", "application/json", `[1]`, 400, crmcom.CodeMalformedRequest},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, "")
			status, env, raw := h.post(crmcom.PathToken, tc.contentType, tc.body)
			if status != tc.wantHTTP || env.Status.Code != tc.wantCode {
				t.Fatalf("got %d %s, want %d %s", status, raw, tc.wantHTTP, tc.wantCode)
			}
			// A client that reads it as the PHP one does gets a readable message.
			if env.Status.Message == nil || *env.Status.Message == "" || env.Status.Description == nil || *env.Status.Description == "" {
				t.Fatalf("error without message or description: %s", raw)
			}
			if string(env.Data) != "null" || strings.Contains(raw, "token\":\"") {
				t.Fatalf("error carries data: %s", raw)
			}
		})
	}
}

func TestLogin_Tolerance(t *testing.T) {
	testCases := []struct{ name, contentType, body string }{
		{"text/plain content type", "text/plain", pageExample},
		{"misspelt content type", "application/jsn", pageExample},
		{"no content type", "", pageExample},
		{"default unit", "application/json", `{"username":"mpadministrator","password":"1234","organisation":"CRMDEMO"}`},
		{"access token by pass code", "application/json", `{"organisation":"CRMDEMO","access_token_identifier":{"identifier":"demo-id","pass_code":"1234"}}`},
		{"access token by authentication code", "application/json", `{"organisation":"CRMDEMO","access_token_identifier":{"authentication_code":"demo-code"}}`},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, "")
			if status, env, raw := h.post(crmcom.PathToken, tc.contentType, tc.body); status != 200 || env.Status.Code != "OK" {
				t.Fatalf("got %d %s, want OK", status, raw)
			}
		})
	}
}

func (h *harness) login() string {
	h.t.Helper()
	_, env, raw := h.post(crmcom.PathToken, "application/json", pageExample)
	var data struct{ Token string }
	if err := json.Unmarshal(env.Data, &data); err != nil || data.Token == "" {
		h.t.Fatalf("login failed: %s", raw)
	}
	return data.Token
}

func (h *harness) show(token, ident string) (int, answer, string) {
	h.t.Helper()
	a := h.Send(vendortest.Request{Method: http.MethodGet, Target: crmcom.PathShow + "?token=" + token + "&contact_information_identifier=" + ident})
	return h.decode(a)
}

func TestShow_TokenLifecycle(t *testing.T) {
	h := newHarness(t, "")
	tok := h.login()
	status, env, raw := h.show(tok, "id=8A2C3E4F5061728394A5B6C7D8E9F001")
	if status != 200 || env.Status.Code != "OK" || !strings.HasPrefix(raw, `{"status":{"code":"OK","message":null,"description":null},"data":{"id":"8A2C3E4F5061728394A5B6C7D8E9F001","type":"PERSON","life_cycle_state":"FINANCIAL","name":"Maria Ioannou","title":"Mrs","first_name":"Maria","middle_name":null,"last_name":"Ioannou","company_name":null,"notes":"The sample's contact","organizational_unit":0,"preferred_language":"ENG","udf_string_1":"udf string 1","udf_string_2":null,`) || !strings.HasSuffix(raw, `"udf_float_1":10,"udf_float_2":null,"udf_float_3":null,"udf_float_4":null,"udf_float_5":null,"udf_float_6":null,"udf_float_7":null,"privacy_level":null}}`) {
		t.Fatalf("show with a fresh token: %s", raw)
	}
	if _, env, raw := h.show(tok, "id=00000000000000000000000000000000"); env.Status.Code != crmcom.CodeNotFound {
		t.Fatalf("unknown contact: %s", raw)
	}
	if _, env, raw := h.post(crmcom.PathRelease, "application/json", `{"token":"`+tok+`"}`); env.Status.Code != "OK" || raw != `{"status":{"code":"OK","message":null,"description":null},"data":null}` {
		t.Fatalf("release: %s", raw)
	}
	if _, env, raw := h.show(tok, "id=8A2C3E4F5061728394A5B6C7D8E9F001"); env.Status.Code != crmcom.CodeInvalidToken {
		t.Fatalf("show after release: %s", raw)
	}
	if _, env, raw := h.post(crmcom.PathRelease, "application/json", `{"token":"`+tok+`"}`); env.Status.Code != crmcom.CodeInvalidToken {
		t.Fatalf("second release: %s", raw)
	}
	if _, env, _ := h.show("", "id=8A2C3E4F5061728394A5B6C7D8E9F001"); env.Status.Code != crmcom.CodeMandatoryFieldMissing {
		t.Fatalf("show without token: %s", env.Status.Code)
	}
}

func TestShow_Expiry(t *testing.T) {
	testCases := []struct {
		mode       string
		useEvery   time.Duration // use the token this often before the last step
		uses       int
		last       time.Duration
		wantCode   string
		wantLonger bool // token longer than 32 characters
	}{
		{crmcom.TokensHourFromIssue, 0, 0, 61 * time.Minute, crmcom.CodeTokenExpired, false},
		{crmcom.TokensHourFromIssue, 0, 0, 59 * time.Minute, "OK", false},
		{crmcom.TokensHourFromIssue, 30 * time.Minute, 2, 1 * time.Minute, crmcom.CodeTokenExpired, false}, // use does not extend it
		{crmcom.TokensHourIdle, 50 * time.Minute, 3, 50 * time.Minute, "OK", false},                        // use does
		{crmcom.TokensHourIdle, 0, 0, 61 * time.Minute, crmcom.CodeTokenExpired, false},
		{crmcom.TokensJWTTwoHours, 0, 0, 119 * time.Minute, "OK", true},
		{crmcom.TokensJWTTwoHours, 0, 0, 121 * time.Minute, crmcom.CodeTokenExpired, true},
	}
	for _, tc := range testCases {
		t.Run(tc.mode+"/"+tc.last.String(), func(t *testing.T) {
			h := newHarness(t, tc.mode)
			tok := h.login()
			if (len(tok) > 32) != tc.wantLonger {
				t.Fatalf("token %q length %d", tok, len(tok))
			}
			for range tc.uses {
				_ = h.clock.Advance(tc.useEvery)
				h.show(tok, "id=8A2C3E4F5061728394A5B6C7D8E9F001")
			}
			_ = h.clock.Advance(tc.last)
			if _, env, raw := h.show(tok, "id=8A2C3E4F5061728394A5B6C7D8E9F001"); env.Status.Code != tc.wantCode {
				t.Fatalf("got %s, want %s", raw, tc.wantCode)
			}
		})
	}
}

func TestParseFixtures_Errors(t *testing.T) {
	base := "organisations:\n  O:\n    units:\n      U1: one\n"
	testCases := []struct{ name, data, want string }{
		{"unknown key", base + "users:\n  u:\n    password: p\n    organisation: O\n    defaultUnit: U1\n    units: [U1]\n    role: x\n", "c.yaml:11: unknown key \"role\""},
		{"unknown organisation", base + "users:\n  u:\n    password: p\n    organisation: X\n    defaultUnit: U1\n    units: [U1]\n", `c.yaml:6: user "u": organisation "X"`},
		{"default unit not the user's", base + "users:\n  u:\n    password: p\n    organisation: O\n    defaultUnit: U2\n    units: [U1]\n", `c.yaml:6: user "u": defaultUnit "U2"`},
		{"bad token mode", "settings:\n  tokens: forever\n" + base, `c.yaml:2: tokens must be`},
		{"bad error pages", "settings:\n  errorPages: html\n" + base, `c.yaml:2: errorPages must be "tomcat" or "empty", not "html"`},
		{"access token of nobody", base + "users:\n  u:\n    password: p\n    organisation: O\n    defaultUnit: U1\n    units: [U1]\naccessTokens:\n  a:\n    passCode: x\n    user: v\n", `c.yaml:12: access token "a": user "v"`},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := crmcom.ParseFixtures("c.yaml", []byte(tc.data))
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("error = %v, want prefix %q", err, tc.want)
			}
		})
	}
}

// TestWebAPIKey_ThePublicClientsRequests: authentication/web_api_key/token
// as public PHP clients send it (the key as base64 with no colon, the
// scheme lower-case, a Content-Type typo, no body) gets a token that
// works for 2 hours; the key with a colon too; a wrong key the envelope's
// error.
func TestWebAPIKey_ThePublicClientsRequests(t *testing.T) {
	h := newHarness(t, "")
	send := func(contentType, auth string) (answer, string) {
		a := h.Send(vendortest.Request{Method: http.MethodPost, Target: crmcom.PathWebAPIKey, ContentType: contentType, Header: []string{"Authorization", auth}})
		_, env, raw := h.decode(a)
		return env, raw
	}
	// public code, id 754757389, byte for byte.
	env, raw := send("applicatio/json", "basic REU0RUY2RDMwMkI0NEIzMkI5RUVGODdGNzZFMzFBMkE=")
	var data struct{ Token string }
	if env.Status.Code != crmcom.CodeOK || json.Unmarshal(env.Data, &data) != nil || !regexp.MustCompile(`^[0-9A-F]{32}$`).MatchString(data.Token) {
		t.Fatalf("the public client's request: %s", raw)
	}
	if env, _ := send("application/json", "Basic "+base64.StdEncoding.EncodeToString([]byte("DE4EF6D302B44B32B9EEF87F76E31A2A:"))); env.Status.Code != crmcom.CodeOK {
		t.Errorf("the key with a colon: %s", env.Status.Code)
	}
	if env, raw := send("application/json", "Basic "+base64.StdEncoding.EncodeToString([]byte("00000000000000000000000000000000"))); env.Status.Code != crmcom.CodeInvalidWebAPIKey {
		t.Errorf("a wrong key: %s", raw)
	}
	_ = h.clock.Advance(119 * time.Minute)
	if _, env, raw := h.show(data.Token, "id=8A2C3E4F5061728394A5B6C7D8E9F001"); env.Status.Code != crmcom.CodeOK {
		t.Errorf("the key's token after 119 min: %s", raw)
	}
	_ = h.clock.Advance(2 * time.Minute)
	if _, env, raw := h.show(data.Token, "id=8A2C3E4F5061728394A5B6C7D8E9F001"); env.Status.Code != crmcom.CodeTokenExpired {
		t.Errorf("the key's token after 121 min: %s", raw)
	}
}

// TestJWT_AsR12WritesIt: with tokens: jwt-two-hours the token is R12's
// JWT: header {"typ":"JWT","alg":"HS256"}, claims usr, org, oun (the
// unit's name), exp, iat (strings) and jti, living 7200 s; and the answer
// is R12's: data before status, the status's code, description, message
// with "" (the public R12 answer).
func TestJWT_AsR12WritesIt(t *testing.T) {
	h := newHarness(t, crmcom.TokensJWTTwoHours)
	_, _, raw := h.post(crmcom.PathToken, "application/json", `{"username":"mpadministrator","password":"1234","organisation":"CRMDEMO","unit":"EE63A82C4FEBE02FF34E90DD1EBA5ABE"}`)
	if !regexp.MustCompile(`^\{"data":\{"token":"[A-Za-z0-9_.-]+"\},"status":\{"code":"OK","description":"","message":""\}\}$`).MatchString(raw) {
		t.Errorf("R12's token answer: %s", raw)
	}
	tok := h.login()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %s", tok)
	}
	header, _ := base64.RawURLEncoding.DecodeString(parts[0])
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	if string(header) != `{"typ":"JWT","alg":"HS256"}` {
		t.Errorf("header %s", header)
	}
	m := regexp.MustCompile(`^\{"usr":"mpadministrator","org":"CRMDEMO","oun":"Head Office","exp":"(\d+)","iat":"(\d+)","jti":"[0-9A-F]{32}"\}$`).FindStringSubmatch(string(payload))
	if m == nil {
		t.Fatalf("claims %s", payload)
	}
	exp, _ := strconv.Atoi(m[1])
	iat, _ := strconv.Atoi(m[2])
	if exp-iat != 7200 {
		t.Errorf("lifetime %d s, want 7200", exp-iat)
	}
}

// TestShow_DocumentedIdentifiers: a contact is found by each identifier
// field the page documents; another field name is no identifier.
func TestShow_DocumentedIdentifiers(t *testing.T) {
	h := newHarness(t, "")
	tok := h.login()
	for _, ident := range []string{"id=8A2C3E4F5061728394A5B6C7D8E9F001", "id_number=778899", "passport_number=K0011223",
		"vat_registration_number=CY10001234X", "registration_number=HE123456"} {
		if _, env, raw := h.show(tok, ident); env.Status.Code != crmcom.CodeOK {
			t.Errorf("%s: %s", ident, raw)
		}
	}
	if _, _, raw := h.show(tok, "registration_number=HE123456"); !strings.Contains(raw, `"type":"COMPANY","life_cycle_state":"MARKETING","name":"Example Trading Ltd",`) {
		t.Errorf("the company: %s", raw)
	}
}

// TestUpdate_TokenInTheBody: a POST method takes the token inside its JSON
// body; that token is checked, expires and is released like the query's.
func TestUpdate_TokenInTheBody(t *testing.T) {
	h := newHarness(t, "")
	update := func(tok, extra string) (answer, string) {
		_, env, raw := h.post(crmcom.PathUpdate, "application/json",
			`{"token":"`+tok+`","contact_information_identifier":{"id":"8A2C3E4F5061728394A5B6C7D8E9F001"}`+extra+`}`)
		return env, raw
	}
	tok := h.login()
	if env, raw := update(tok, `,"notes":"called back","title":null`); env.Status.Code != crmcom.CodeOK ||
		!strings.Contains(raw, `"title":null,"first_name":"Maria"`) || !strings.Contains(raw, `"notes":"called back"`) {
		t.Fatalf("update: %s", raw)
	}
	if _, _, raw := h.show(tok, "id=8A2C3E4F5061728394A5B6C7D8E9F001"); !strings.Contains(raw, `"notes":"called back"`) {
		t.Errorf("show after the update: %s", raw)
	}
	if env, raw := update(tok, `,"contact_information_identifier":{"passport_number":"nope"}`); env.Status.Code != crmcom.CodeNotFound {
		t.Errorf("an unknown contact: %s", raw)
	}
	if env, _ := update("", ""); env.Status.Code != crmcom.CodeMandatoryFieldMissing {
		t.Errorf("no token: %s", env.Status.Code)
	}
	_ = h.clock.Advance(61 * time.Minute)
	if env, _ := update(tok, ""); env.Status.Code != crmcom.CodeTokenExpired {
		t.Errorf("an expired token in the body: %s", env.Status.Code)
	}
	tok = h.login()
	if _, env, raw := h.post(crmcom.PathRelease, "application/json", `{"token":"`+tok+`"}`); env.Status.Code != crmcom.CodeOK {
		t.Fatalf("release: %s", raw)
	}
	if env, _ := update(tok, ""); env.Status.Code != crmcom.CodeInvalidToken {
		t.Errorf("a released token in the body: %s", env.Status.Code)
	}
	if _, _, raw := h.post(crmcom.PathUpdate, "application/json", `{"token":`); !strings.Contains(raw, crmcom.CodeMalformedRequest) {
		t.Errorf("a broken body: %s", raw)
	}
}

// TestErrorCodes_Renamed: settings.errorCodes gives an error the code a
// tenant sends, for clients tested against their own error table.
func TestErrorCodes_Renamed(t *testing.T) {
	fx := crmcom.DefaultFixtures()
	fx.Settings.ErrorCodes = map[string]string{crmcom.CodeInvalidToken: "TOKEN_NOT_VALID"}
	c := clock.NewSimulated()
	h := &harness{Harness: vendortest.New(t, crmcom.Spec, crmcom.New(crmcom.Options{Fixtures: &fx, Clock: c})), t: t, clock: c}
	_, env, raw := h.show("0123456789ABCDEF0123456789ABCDEF", "id=8A2C3E4F5061728394A5B6C7D8E9F001")
	if env.Status.Code != "TOKEN_NOT_VALID" || !crmcom.Spec.IsError(crmcom.Show, 200, []byte(raw)) {
		t.Errorf("renamed INVALID_TOKEN: %s", raw)
	}
	if _, err := crmcom.ParseFixtures("c.yaml", []byte("settings:\n  errorCodes:\n    NO_SUCH_CODE: X\n")); err == nil ||
		!strings.HasPrefix(err.Error(), `c.yaml:3: errorCodes: "NO_SUCH_CODE" is not one of mockauth's error codes (INVALID_ACCESS_TOKEN, `) {
		t.Errorf("an unknown code: %v", err)
	}
}

// TestCRMContextPath: the /crm/ context path some installs use serves the
// same methods (public code, id 130330194 calls /crm/authentication/...).
func TestCRMContextPath(t *testing.T) {
	h := newHarness(t, "")
	a := h.Send(vendortest.Request{Method: http.MethodPost, Target: "/crm/authentication/web_api_key/token", ContentType: "application/json",
		Header: []string{"Authorization", "Basic MjBCM0VGMUQwRURCNEU3QzlDRTg1MDU5QjEzNTZBRjU="}})
	_, env, raw := h.decode(a)
	var data struct{ Token string }
	if env.Status.Code != crmcom.CodeOK || json.Unmarshal(env.Data, &data) != nil {
		t.Fatalf("/crm/ web_api_key/token: %s", raw)
	}
	show := h.Send(vendortest.Request{Method: http.MethodGet, Target: "/crm/contact_information/show?token=" + data.Token + "&contact_information_identifier=id%3D8A2C3E4F5061728394A5B6C7D8E9F001"})
	if _, env, raw := h.decode(show); env.Status.Code != crmcom.CodeOK {
		t.Errorf("/crm/ show: %s", raw)
	}
}

// TestUpdate_CapsWhatItKeeps: a member longer than 4 KiB is refused, not kept.
func TestUpdate_CapsWhatItKeeps(t *testing.T) {
	h := newHarness(t, "")
	tok := h.login()
	_, env, raw := h.post(crmcom.PathUpdate, "application/json",
		`{"token":"`+tok+`","contact_information_identifier":{"id":"8A2C3E4F5061728394A5B6C7D8E9F001"},"notes":"`+strings.Repeat("x", 5000)+`"}`)
	if env.Status.Code != crmcom.CodeMalformedRequest {
		t.Errorf("a 5000-byte note: %.200s", raw)
	}
	if _, _, raw := h.show(tok, "id=8A2C3E4F5061728394A5B6C7D8E9F001"); strings.Contains(raw, "xxxx") {
		t.Error("the long note was kept")
	}
}

// TestRelease_EndsAJWT: with tokens: jwt-two-hours a released token is
// refused though its signature is good.
func TestRelease_EndsAJWT(t *testing.T) {
	h := newHarness(t, crmcom.TokensJWTTwoHours)
	tok := h.login()
	if _, env, raw := h.post(crmcom.PathRelease, "application/json", `{"token":"`+tok+`"}`); env.Status.Code != crmcom.CodeOK {
		t.Fatalf("release: %s", raw)
	}
	if _, env, raw := h.show(tok, "id=8A2C3E4F5061728394A5B6C7D8E9F001"); env.Status.Code != crmcom.CodeInvalidToken {
		t.Errorf("show with the released JWT: %s", raw)
	}
	if _, env, raw := h.post(crmcom.PathRelease, "application/json", `{"token":"`+tok+`"}`); env.Status.Code != crmcom.CodeInvalidToken {
		t.Errorf("a second release: %s", raw)
	}
	// Issue 31, N3: the signature's last character re-spelt decodes to
	// the same bytes (its unused bits ignored), so the signature still
	// verifies; the released token stays released in every spelling.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	sigPart := tok[strings.LastIndexByte(tok, '.')+1:]
	want, _ := base64.RawURLEncoding.DecodeString(sigPart)
	respelt := 0
	for _, c := range alphabet {
		other := tok[:len(tok)-1] + string(c)
		got, err := base64.RawURLEncoding.DecodeString(other[strings.LastIndexByte(other, '.')+1:])
		if other == tok || err != nil || string(got) != string(want) {
			continue
		}
		respelt++
		if _, env, raw := h.show(other, "id=8A2C3E4F5061728394A5B6C7D8E9F001"); env.Status.Code != crmcom.CodeInvalidToken {
			t.Errorf("the released JWT re-spelt as …%s: %s", other[len(other)-4:], raw)
		}
	}
	if respelt == 0 {
		t.Fatal("no re-spelling of the signature decodes alike: the test proves nothing")
	}
}

// TestSpec_IsErrorDecodesTheEnvelope: a success is read from the decoded
// envelope, whatever its spacing and member order (a real tenant's, a
// proxy's), never by its first bytes (issue 30).
func TestSpec_IsErrorDecodesTheEnvelope(t *testing.T) {
	t.Parallel()
	testCases := []struct {
		name   string
		status int
		body   string
		want   bool
	}{
		{"compact", 200, `{"status":{"code":"OK","message":null,"description":null},"data":{}}`, false},
		{"indented", 200, "{\n  \"status\" : {\n    \"code\" : \"OK\"\n  },\n  \"data\" : {}\n}", false},
		{"data first", 200, `{"data":{"token":"x"},"status":{"message":"","description":"","code":"OK"}}`, false},
		{"in-band error", 200, `{"status":{"code":"INVALID_TOKEN"},"data":null}`, true},
		{"error, data first", 200, `{"data":null,"status":{"code":"TOKEN_EXPIRED"}}`, true},
		{"not JSON", 200, `<html>OK</html>`, true},
		{"no status", 200, `{"data":{}}`, true},
		{"HTTP error", 500, `{"status":{"code":"OK"}}`, true},
	}
	for _, tc := range testCases {
		if got := crmcom.Spec.IsError(crmcom.Token, tc.status, []byte(tc.body)); got != tc.want {
			t.Errorf("%s: IsError = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestVendorError_EachEndpointsOwnCode: the vendor-error fault answers
// each endpoint with its own refusal; the web API key login's is
// INVALID_WEB_API_KEY, not a token's (issue 30).
func TestVendorError_EachEndpointsOwnCode(t *testing.T) {
	t.Parallel()
	fx := crmcom.DefaultFixtures()
	sim := crmcom.New(crmcom.Options{Fixtures: &fx, Clock: clock.NewSimulated()})
	for endpoint, want := range map[string]string{
		crmcom.Token:     crmcom.CodeInvalidCredentials,
		crmcom.WebAPIKey: crmcom.CodeInvalidWebAPIKey,
		crmcom.Release:   crmcom.CodeInvalidToken,
		crmcom.Show:      crmcom.CodeInvalidToken,
	} {
		rec := httptest.NewRecorder()
		sim.VendorError(rec, httptest.NewRequest(http.MethodPost, "/", nil), endpoint)
		var env answer
		if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.Status.Code != want {
			t.Errorf("%s: %q, want the envelope's %s", endpoint, rec.Body.String(), want)
		}
	}
}
