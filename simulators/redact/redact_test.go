package redact

import (
	"net/http"
	"strings"
	"testing"
)

func TestPolicy_Body(t *testing.T) {
	p := NewPolicy("code")
	testCases := []struct {
		name, contentType, body, want string
	}{
		{"form", "application/x-www-form-urlencoded", "user=demo&password=s3cr%26t", "user=demo&password=[redacted]"},
		{"form without content type", "", "agent=1997&password=1997", "agent=1997&password=[redacted]"},
		{"json keeps layout", "application/json",
			`{ "username": "mpadministrator", "password" : "1234", "n": 1 }`,
			`{ "username": "mpadministrator", "password" : "[redacted]", "n": 1 }`},
		{"json nested", "text/plain",
			`{"access_token_identifier":{"identifier":"demo-id","pass_code":"1234","authentication_code":"c"},"organisation":"CRMDEMO"}`,
			`{"access_token_identifier":{"identifier":"demo-id","pass_code":"[redacted]","authentication_code":"[redacted]"},"organisation":"CRMDEMO"}`},
		{"json escaped quote", "application/json", `{"password":"a\"b","x":["token"]}`, `{"password":"[redacted]","x":["token"]}`},
		{"json number value", "application/json", `{"token":12345678}`, `{"token":"[redacted]"}`},
		{"xml", "text/xml",
			`<AuthenticateRequest xmlns="x"><code>99</code><password>pw</password><userName>demo</userName></AuthenticateRequest>`,
			`<AuthenticateRequest xmlns="x"><code>[redacted]</code><password>[redacted]</password><userName>demo</userName></AuthenticateRequest>`},
		{"broken json", "application/json", `{"username":"u","password":"hunter22`, `{"username":"u","password":"[redacted]`},
		{"broken xml", "application/xml", `<a><password>hunter22</password>`, `<a><password>[redacted]</password>`},
		{"plain text", "text/plain", `"0"`, `"0"`},
		// Issue 31, N16: what the fallback pattern let through.
		{"form labelled json, a comma in the password", "application/json", "user=u&password=a,b-secret&x=1", "user=u&password=[redacted]&x=1"},
		{"broken json, a space in the password", "application/json", `{"user":"u","password":"two words, "`, `{"user":"u","password":"[redacted]"`},
		{"single-quoted json", "application/json", `{'user': 'u', 'password': 'hunter 22'}`, `{'user': 'u', 'password': '[redacted]'}`},
		{"pwd and pass", "application/json", `{"pwd":"p1-secret","Pass":"p2-secret","user":"u"}`, `{"pwd":"[redacted]","Pass":"[redacted]","user":"u"}`},
		{"session names", "application/json", `{"session":"s-1","sid":"s-2","key":"k-3","bearer":"b-4","authorization":"a-5","sessionTimeout":30}`,
			`{"session":"[redacted]","sid":"[redacted]","key":"[redacted]","bearer":"[redacted]","authorization":"[redacted]","sessionTimeout":"[redacted]"}`},
		{"an echoed value", "application/json", `{"error":"bad","rejectedValue":"hunter22"}`, `{"error":"bad","rejectedValue":"[redacted]"}`},
		{"jwt in html", "text/html", `<textarea>eyJhbGciOiJSUzUxMiJ9.eyJpc3MiOiJhYmMifQ.c2lnbmF0dXJl</textarea>`, `<textarea>[redacted]</textarea>`},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := p.Body(tc.contentType, []byte(tc.body)); got != tc.want {
				t.Fatalf("Body() =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestPolicy_HeadersAndQuery(t *testing.T) {
	p := NewPolicy()
	h := http.Header{"Authorization": {"Basic ZGVtbzp4"}, "Cookie": {"s=1"}, "Accept": {"*/*"}}
	got := p.Headers(h)
	if got.Get("Authorization") != "Basic [redacted]" || got.Get("Cookie") != Mask || got.Get("Accept") != "*/*" {
		t.Fatalf("Headers() = %v", got)
	}
	if h.Get("Authorization") != "Basic ZGVtbzp4" {
		t.Fatal("Headers() changed its input")
	}
	if q := p.Query("user=demo&token=abc&x"); q != "user=demo&token=[redacted]&x" {
		t.Fatalf("Query() = %q", q)
	}
	// Issue 31, N1: session ids under the names real services give them.
	sess := p.Headers(http.Header{"X-Session-Id": {"sess-1234"}, "X-Session": {"s"}, "Location": {"https://t.example/next?sid=SID-9876&page=2"}})
	if sess.Get("X-Session-Id") != Mask || sess.Get("X-Session") != Mask || sess.Get("Location") != "https://t.example/next?sid=[redacted]&page=2" {
		t.Fatalf("Headers() = %v", sess)
	}
}

func TestEchoed(t *testing.T) {
	if got := Echoed(`{"rejectedValue":"demo","note":"demo is wrong"}`, []string{"demo", "abc"}); got != `{"rejectedValue":"[redacted]","note":"[redacted] is wrong"}` {
		t.Fatalf("Echoed() = %q", got)
	}
}

func TestValues(t *testing.T) {
	tok := "ZGVtbzoxMjM0NTY3OA=="
	got := Values(`"`+tok+`"`, []string{tok, "short"})
	if strings.Contains(got, tok) || got != `"[redacted]"` {
		t.Fatalf("Values() = %q", got)
	}
}
