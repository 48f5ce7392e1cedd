package upstream_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mockauth/mockauth/simulators/redact"
	"github.com/mockauth/mockauth/simulators/upstream"
)

// answerPlacements are the ways a real answer holds a secret (S): a token
// it hands out (handedOut: the pipeline found it), or another secret field.
var answerPlacements = []struct {
	contentType, body string
	handedOut         bool
}{
	{"application/json", `{"token":"S"}`, true},
	{"application/json", `{"data":{"access_token":"S","expires_in":3600}}`, true},
	{"text/plain;charset=UTF-8", `"S"`, true},
	{"application/json", `{"user":"u","password":"S"}`, false},
	{"application/json", `{"refresh_token":["S"]}`, false},
	{"application/xml", `<r><token>S</token></r>`, true},
	{"application/xml", `<r password="S"/>`, false},
	{"application/x-www-form-urlencoded", `token=S&x=1`, true},
	{"text/html", `<p>your key: S</p>`, true},
}

// requestPlacements are the ways the recorded request sends one.
var requestPlacements = []struct{ target, contentType, body string }{
	{"/login", "application/x-www-form-urlencoded", "user=u&password=S"},
	{"/login", "application/json", `{"user":"u","password":"S"}`},
	{"/login", "application/xml", `<Login><user>u</user><password>S</password></Login>`},
	{"/call?token=S&page=1", "", ""},
}

// FuzzRecordedSecret plants any secret in every placement of an answer and
// of a request: the recording on disk never holds it.
func FuzzRecordedSecret(f *testing.F) {
	for _, s := range []string{"Planted-Secret-7Qz9", "4AD9C84FA60F9FE407140E20F707726A", "aaaaaaaa"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, secret string) {
		if len(secret) < 8 || len(secret) > 64 || strings.Trim(secret, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "" {
			return
		}
		for i, a := range answerPlacements {
			rq := requestPlacements[i%len(requestPlacements)]
			if strings.Contains(strings.ReplaceAll(a.body+rq.target+rq.body, "S", ""), secret) {
				continue // a word of the placement itself
			}
			dir := t.TempDir()
			rc, err := upstream.NewRecorder(dir, false, quiet)
			if err != nil {
				t.Fatal(err)
			}
			rc.Vendor("acme", []byte("users: {}\n"), nil, []string{"tenant.example.com"}, 0)
			body := strings.ReplaceAll(rq.body, "S", secret)
			req := httptest.NewRequest(http.MethodPost, strings.ReplaceAll(rq.target, "S", secret), strings.NewReader(body))
			if rq.contentType != "" {
				req.Header.Set("Content-Type", rq.contentType)
			}
			x := upstream.Exchange{Vendor: "acme", Auth: "none", Request: req, Body: []byte(body), Status: 200,
				Header: http.Header{"Content-Type": {a.contentType}, "X-Session": {secret}},
				Answer: []byte(strings.ReplaceAll(a.body, "S", secret)), Policy: redact.NewPolicy()}
			if a.handedOut {
				x.Tokens = []string{secret}
			}
			rc.Record(x)
			if err := rc.Flush(); err != nil {
				t.Fatal(err)
			}
			file, err := os.ReadFile(filepath.Join(dir, "acme.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(file), secret) {
				t.Fatalf("answer %q, request %q: secret %q on disk:\n%s", a.body, rq.body, secret, file)
			}
		}
	})
}
