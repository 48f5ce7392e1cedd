package upstream_test

import (
	"compress/gzip"
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mockauth/mockauth/simulators/redact"
	"github.com/mockauth/mockauth/simulators/stub"
	"github.com/mockauth/mockauth/simulators/upstream"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestParseTarget(t *testing.T) {
	for _, c := range []struct {
		in, vendor, url string
		ok              bool
	}{
		{"crmcom=https://tenant.example.com", "crmcom", "https://tenant.example.com", true},
		{"ucontact=http://127.0.0.1:8080/base", "ucontact", "http://127.0.0.1:8080/base", true},
		{"crmcom", "", "", false},
		{"crmcom=", "", "", false},
		{"=https://a.example.com", "", "", false},
		{"crmcom=ftp://a.example.com", "", "", false},
		{"crmcom=a.example.com", "", "", false},
		{"crmcom=https://user:pw@a.example.com", "", "", false},
		{"crmcom=https://a.example.com/?x=1", "", "", false},
	} {
		v, u, err := upstream.ParseTarget(c.in)
		if (err == nil) != c.ok || (c.ok && (v != c.vendor || u.String() != c.url)) {
			t.Errorf("ParseTarget(%q) = %q, %v, %v", c.in, v, u, err)
		}
	}
}

func proxyAnswer(t *testing.T, h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// The proxy joins the base path, names the upstream's Host, keeps the
// stack's own headers to itself, and verifies TLS against --upstream-ca.
func TestProxy_TLSAndForwarding(t *testing.T) {
	var got *http.Request
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(context.Background())
		w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			w.Header().Set("Content-Encoding", "gzip") // as real services do when asked
			zw := gzip.NewWriter(w)
			_, _ = io.WriteString(zw, `"0"`)
			_ = zw.Close()
			return
		}
		_, _ = io.WriteString(w, `"0"`)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusted handshake below fails on purpose
	srv.StartTLS()
	defer srv.Close()
	target, _ := url.Parse(srv.URL + "/tenant1")
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	tr, err := upstream.Transport(ca)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:9301/Integra/resources/auth/getUserToken", strings.NewReader("user=a&password=b"))
	req.Header.Set("X-Mockauth-Scenario", "ucontact-slow")
	req.Header.Set("Accept-Encoding", "gzip")
	w := proxyAnswer(t, upstream.NewProxy(target, tr, quiet), req)
	if w.Code != 200 || w.Body.String() != `"0"` || w.Header().Get("Content-Type") != "text/plain;charset=UTF-8" {
		t.Fatalf("through the proxy: %d %q %v", w.Code, w.Body, w.Header())
	}
	if w.Header().Get("Content-Encoding") != "" {
		t.Errorf("the answer reached the pipeline encoded: %v", w.Header())
	}
	if got.URL.Path != "/tenant1/Integra/resources/auth/getUserToken" || got.Host != target.Host || got.Header.Get("X-Mockauth-Scenario") != "" {
		t.Errorf("the upstream got %s (Host %s), scenario header %q", got.URL.Path, got.Host, got.Header.Get("X-Mockauth-Scenario"))
	}

	// Without the CA the upstream's certificate is not trusted: 502.
	plain, _ := upstream.Transport("")
	w = proxyAnswer(t, upstream.NewProxy(target, plain, quiet), httptest.NewRequest(http.MethodGet, "/x", nil))
	if w.Code != http.StatusBadGateway || w.Body.String() != upstream.MsgUnreachable+"\n" {
		t.Errorf("untrusted upstream: %d %q", w.Code, w.Body)
	}
	if _, err := upstream.Transport(filepath.Join(t.TempDir(), "none.pem")); err == nil {
		t.Error("a missing --upstream-ca was accepted")
	}
}

// An answer past MaxAnswerBytes is not kept: 502, saying so.
func TestProxy_AnswerTooLarge(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(make([]byte, upstream.MaxAnswerBytes+1))
	}))
	defer srv.Close()
	target, _ := url.Parse(srv.URL)
	tr, _ := upstream.Transport("")
	w := proxyAnswer(t, upstream.NewProxy(target, tr, quiet), httptest.NewRequest(http.MethodGet, "/big", nil))
	if w.Code != http.StatusBadGateway || w.Body.String() != upstream.MsgTooLarge+"\n" {
		t.Errorf("too large an answer: %d %q", w.Code, w.Body.String()[:min(80, w.Body.Len())])
	}
}

// A recorded answer becomes a template that replays it: its tokens minted
// anew (the same token twice, the same new one), other secrets and JWTs
// masked, the upstream's host as the replay's, its own braces kept as text;
// none of its secrets on disk.
func TestRecorder_AnswerReplaysAsTemplate(t *testing.T) {
	dir := t.TempDir()
	rc, err := upstream.NewRecorder(dir, false, quiet)
	if err != nil {
		t.Fatal(err)
	}
	base := []byte("users:\n  demo: {password: demo}\n")
	rc.Vendor("acme", base, nil, []string{"tenant.example.com:8443", "tenant.example.com"}, 0)
	const (
		access  = "AccessToken-1234567890abcdef"
		refresh = "RefreshToken-abcdef1234567890"
		jwt     = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlLXZhbHVl"
	)
	answer := `{"access_token":"` + access + `","refresh_token":"` + refresh + `","again":"` + access + `","secret":"s3cr3t-v4lue","note":"{{not a template}}","link":"https://tenant.example.com:8443/x","raw":"` + jwt + `"}`
	req := httptest.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader(`{"username":"qa","password":"Pa55-word-x"}`))
	req.Header.Set("Content-Type", "application/json")
	rc.Record(upstream.Exchange{
		Vendor: "acme", Endpoint: "token", Auth: "none", Request: req, Body: []byte(`{"username":"qa","password":"Pa55-word-x"}`),
		Status: 200, Header: http.Header{"Content-Type": {"application/json"}, "Set-Cookie": {"sid=" + access}, "X-Mockauth-Diagnosis": {"x"}},
		Answer: []byte(answer), Tokens: []string{access, refresh}, Policy: redact.NewPolicy(),
	})
	if err := rc.Flush(); err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile(filepath.Join(dir, "acme.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{access, refresh, jwt, "s3cr3t-v4lue", "Pa55-word-x", "tenant.example.com", "Mockauth-Diagnosis"} {
		if strings.Contains(string(file), secret) {
			t.Errorf("the recording holds %q:\n%s", secret, file)
		}
	}
	stubs, err := stub.Parse("acme.yaml", file, stub.Rules{})
	if err != nil || len(stubs) != 1 {
		t.Fatalf("the recording does not parse as stubs: %v\n%s", err, file)
	}
	n := 0
	call := stub.Call{Stub: stubs[0], Mint: func(context.Context, string) (string, error) {
		n++
		return "NEW" + strings.Repeat("x", n), nil
	}}
	w := httptest.NewRecorder()
	replay := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:9301/oauth/token", nil)
	call.Handler("acme", nil, time.Now).ServeHTTP(w, replay)
	want := `{"access_token":"NEWxx","refresh_token":"NEWx","again":"NEWxx","secret":"[redacted]","note":"{{not a template}}","link":"https://127.0.0.1:9301/x","raw":"[redacted]"}`
	if w.Code != 200 || w.Body.String() != want {
		t.Errorf("replayed:\n got %d %s\nwant %s", w.Code, w.Body, want)
	}
	if w.Header().Get("Set-Cookie") != "" {
		t.Errorf("a credential header was recorded: %v", w.Header())
	}
	if st := stubs[0]; st.Match.JSON["username"] != "qa" || !strings.HasPrefix(st.Match.JSON["password"], stub.HashPrefix) {
		t.Errorf("match: %+v", st.Match)
	}
}

// Issue 31, N9 and N12: a recording always replays and is written safely.
// A brace just before a token stays text; junk requests fill only their
// own share of the file; answers stop being recorded before the file
// passes the size --fixtures reads; a link planted where the old
// recorder wrote its temporary file is never followed; a directory other
// users may write to is refused.
func TestRecorder_ReplayableAndSafe(t *testing.T) {
	if _, err := upstream.NewRecorder(func() string {
		d := t.TempDir()
		_ = os.Chmod(d, 0o777)
		return d
	}(), false, quiet); err == nil || !strings.Contains(err.Error(), "can be written by other users") {
		t.Errorf("a world-writable directory: %v", err)
	}
	dir := t.TempDir()
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(dir, "acme.yaml.tmp")); err != nil {
		t.Fatal(err)
	}
	rc, err := upstream.NewRecorder(dir, false, quiet)
	if err != nil {
		t.Fatal(err)
	}
	rc.Vendor("acme", []byte("users:\n  demo: {password: demo}\n"), nil, nil, 0)
	record := func(path, endpoint, answer string, tokens ...string) {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		rc.Record(upstream.Exchange{Vendor: "acme", Endpoint: endpoint, Auth: "none", Request: req, Status: 200,
			Header: http.Header{"Content-Type": {"text/plain"}}, Answer: []byte(answer), Tokens: tokens, Policy: redact.NewPolicy()})
	}
	const tok = "Token-0123456789abcdef"
	record("/braced", "braced", "{"+tok+"} and {{ and }}", tok)
	for i := range 300 {
		record(fmt.Sprintf("/junk/%d", i), "", "junk")
	}
	big := strings.Repeat("x", 60<<10)
	for i := range 80 {
		record(fmt.Sprintf("/big/%d", i), fmt.Sprintf("big%d", i), big)
	}
	record("/documented", "documented", "still recorded")
	if err := rc.Flush(); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(victim); string(data) != "keep me" {
		t.Errorf("the planted link was followed: the victim now holds %q", data)
	}
	file, err := os.ReadFile(filepath.Join(dir, "acme.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(filepath.Join(dir, "acme.yaml")); st.Mode().Perm() != 0o600 {
		t.Errorf("the recording's mode is %v, want 0600", st.Mode().Perm())
	}
	if len(file) > upstream.MaxFileBytes {
		t.Fatalf("the recording is %d bytes: --fixtures reads at most %d", len(file), upstream.MaxFileBytes)
	}
	stubs, err := stub.Parse("acme.yaml", file, stub.Rules{})
	if err != nil {
		t.Fatalf("the recording does not replay: %v", err)
	}
	junk, documented := 0, false
	for _, st := range stubs {
		switch {
		case strings.HasPrefix(st.Path, "/junk/"):
			junk++
		case st.Path == "/documented":
			documented = true
		case st.Path == "/braced":
			w := httptest.NewRecorder()
			call := stub.Call{Stub: st, Mint: func(context.Context, string) (string, error) { return "NEW", nil }}
			call.Handler("acme", nil, time.Now).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/braced", nil))
			if w.Body.String() != "{NEW} and {{ and }}" {
				t.Errorf("the braced answer replays as %q", w.Body)
			}
		}
	}
	if junk != upstream.MaxPerOperation || !documented {
		t.Errorf("%d junk stubs (want %d) and the documented call recorded: %v", junk, upstream.MaxPerOperation, documented)
	}
}

// Issue 31, N17: none of the stack's own X-Mockauth- headers is forwarded,
// and a path with a .. segment (which would reach past the base path) is
// refused, never sent.
func TestProxy_OwnHeadersAndDotDot(t *testing.T) {
	var got []http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Clone())
	}))
	defer srv.Close()
	target, _ := url.Parse(srv.URL + "/base")
	p := upstream.NewProxy(target, http.DefaultTransport, quiet)
	req := httptest.NewRequest(http.MethodGet, "/x", nil)
	req.Header.Set("X-Mockauth-Scenario", "s")
	req.Header.Set("X-Mockauth-Anything", "a")
	p.ServeHTTP(httptest.NewRecorder(), req)
	if len(got) != 1 || got[0].Get("X-Mockauth-Scenario") != "" || got[0].Get("X-Mockauth-Anything") != "" {
		t.Fatalf("forwarded headers: %v", got)
	}
	for _, path := range []string{"/a/../admin", "/%2e%2e/admin"} {
		w := httptest.NewRecorder()
		p.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		if w.Code != 400 || w.Body.String() != upstream.MsgDotDot {
			t.Errorf("%s: %d %q", path, w.Code, w.Body)
		}
	}
	if len(got) != 1 {
		t.Errorf("a .. path reached the upstream")
	}
}
