package contracts

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestLoad_EveryContractIsValid(t *testing.T) {
	entries, err := files.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 {
		t.Fatal("no contracts embedded")
	}
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".yaml")
		if _, err := NewValidator(name); err != nil {
			t.Errorf("%s: %v", e.Name(), err)
		}
	}
}

func TestValidator_UContact(t *testing.T) {
	v, err := NewValidator("ucontact")
	if err != nil {
		t.Fatal(err)
	}
	const textCT = "text/plain;charset=UTF-8"
	testCases := []struct {
		name          string
		path, reqBody string
		auth          string
		status        int
		contentType   string
		respBody      string
		wantReq       string // substring of a request violation; "" for none
		wantResp      string // substring of a response violation; "" for none
	}{
		{name: "token", path: "/Integra/resources/auth/getUserToken", reqBody: "user=a&password=b", status: 200, contentType: textCT, respBody: `"ZGVtbzp4"`},
		{name: "quoted zero", path: "/Integra/resources/auth/getUserToken", reqBody: "user=a&password=b", status: 200, contentType: textCT, respBody: `"0"`},
		{name: "missing password", path: "/Integra/resources/auth/getUserToken", reqBody: "user=a", status: 200, contentType: textCT, respBody: `"0"`, wantReq: `property "password" is missing`},
		{name: "unquoted token", path: "/Integra/resources/auth/getUserToken", reqBody: "user=a&password=b", status: 200, contentType: textCT, respBody: `ZGVtbzp4`, wantResp: "response 200"},
		{name: "json content type", path: "/Integra/resources/auth/getUserToken", reqBody: "user=a&password=b", status: 200, contentType: "application/json", respBody: `"0"`, wantResp: "application/json"},
		{name: "undeclared status", path: "/Integra/resources/auth/getUserToken", reqBody: "user=a&password=b", status: 500, contentType: textCT, respBody: `oops`, wantResp: "response 500: status is not supported"},
		{name: "peer with a string id", path: "/Integra/resources/auth/AgentLogin", reqBody: "agent=a&password=b", status: 200, contentType: textCT, respBody: `{"id":"4"}`, wantResp: "response 200"},
		{name: "agent Error", path: "/Integra/resources/auth/AgentLogin", reqBody: "agent=a&password=b", status: 200, contentType: textCT, respBody: `Error`},
		{name: "logoff without credentials", path: "/Integra/resources/api/AgentLogoff", reqBody: "agent=a", status: 401, contentType: textCT, respBody: `Unauthorized`, wantReq: "Authorization: Basic", wantResp: "WWW-Authenticate"},
		{name: "unknown path", path: "/Integra/resources/auth/nope", reqBody: "", wantReq: "no operation matches POST /Integra/resources/auth/nope"},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, tc.path, strings.NewReader(tc.reqBody))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.auth != "" {
				r.Header.Set("Authorization", tc.auth)
			}
			x, reqV := v.Request(r, "", []byte(tc.reqBody))
			check(t, "request", reqV, tc.wantReq)
			if tc.status == 0 {
				return
			}
			respV := x.Response(tc.status, http.Header{"Content-Type": {tc.contentType}}, []byte(tc.respBody))
			check(t, "response", respV, tc.wantResp)
		})
	}
}

func check(t *testing.T, what string, got []string, want string) {
	t.Helper()
	joined := strings.Join(got, "\n")
	switch {
	case want == "" && len(got) > 0:
		t.Errorf("%s violations = %q, want none", what, joined)
	case want != "" && !strings.Contains(joined, want):
		t.Errorf("%s violations = %q, want one containing %q", what, joined, want)
	}
}

func TestValidator_MessagesNeverQuoteValues(t *testing.T) {
	v, err := NewValidator("ucontact")
	if err != nil {
		t.Fatal(err)
	}
	const secret = "S3cret-password-value"
	body := "user=a&password=" + secret + "&password=" + secret
	r := httptest.NewRequest(http.MethodPost, "/Integra/resources/auth/getUserToken", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	x, reqV := v.Request(r, "", []byte(body))
	respV := x.Response(200, http.Header{"Content-Type": {"text/plain"}}, []byte(secret))
	for _, m := range append(reqV, respV...) {
		if strings.Contains(m, secret) {
			t.Fatalf("violation quotes a secret: %s", m)
		}
	}
}

func TestValidator_AutoAlertXML(t *testing.T) {
	v, err := NewValidator("autoalert")
	if err != nil {
		t.Fatal(err)
	}
	const head = `<AuthenticateResponse xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.datacontract.org/2004/07/AutoAlert.API.Models.User"><APIVersion xmlns="http://schemas.datacontract.org/2004/07/AutoAlert.API">4</APIVersion><error i:nil="true" xmlns="http://schemas.datacontract.org/2004/07/AutoAlert.API" />`
	const tail = `<UserID>1</UserID><expirationDateUtc>2024-11-20T22:47:11.5488406-08:00</expirationDateUtc><token>3681330f-08e5-4821-9485-9b8f6efca584</token></AuthenticateResponse>`
	testCases := []struct{ name, body, want string }{
		{"page shape", head + `<IsEmployee>true</IsEmployee>` + tail, ""},
		{"a code element", head + `<IsEmployee>true</IsEmployee><code>200</code>` + tail, "response 200"},
		{"missing IsEmployee", head + tail, `"IsEmployee" is missing`},
		{"not a boolean", head + `<IsEmployee>yes</IsEmployee>` + tail, "response 200"},
		{"not XML", `<AuthenticateResponse`, "response 200"},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			body := `{"userName":"demo","password":"demo"}`
			r := httptest.NewRequest(http.MethodPost, "/User/authenticate", strings.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			x, reqV := v.Request(r, "", []byte(body))
			check(t, "request", reqV, "")
			check(t, "response", x.Response(200, http.Header{"Content-Type": {"application/xml; charset=utf-8"}}, []byte(tc.body)), tc.want)
		})
	}
}
