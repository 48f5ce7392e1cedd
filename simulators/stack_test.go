package simulators_test

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mockauth/mockauth/internal/lockedbuf"
	"github.com/mockauth/mockauth/simulators"
	"github.com/mockauth/mockauth/simulators/journal"
	"github.com/mockauth/mockauth/simulators/ucontact"
)

// start runs a stack for one test and, when the test ends, checks that
// every answer the simulators gave kept to its contract.
func start(t *testing.T, opts simulators.Options) *simulators.Stack {
	t.Helper()
	s, err := simulators.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, e := range s.Requests(journal.Filter{}, 0) {
			for _, v := range e.Violations {
				if strings.Contains(v, " response ") {
					t.Errorf("%s %s: %s", e.Method, e.Path, v)
				}
			}
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

type reply struct {
	status int
	header http.Header
	body   string
}

// send makes one request; header holds extra name/value pairs.
func send(t *testing.T, c *http.Client, method, u, contentType, body string, header ...string) reply {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{status: res.StatusCode, header: res.Header, body: string(data)}
}

const formCT = "application/x-www-form-urlencoded"

func login(t *testing.T, s *simulators.Stack, user, password string) reply {
	t.Helper()
	body := url.Values{"user": {user}, "password": {password}}.Encode()
	return send(t, s.Client(), http.MethodPost, s.URL(ucontact.Name)+ucontact.PathGetUserToken, formCT, body)
}

func TestStart_ServesEveryVendor(t *testing.T) {
	t.Parallel()
	s := start(t, simulators.Options{})
	for _, name := range simulators.VendorNames() {
		if !strings.HasPrefix(s.URL(name), "http://127.0.0.1:") {
			t.Errorf("URL(%s) = %q", name, s.URL(name))
		}
	}
	if !s.Healthy() {
		t.Fatal("a new stack is not healthy")
	}
	if got := login(t, s, "demo", "demo"); got.status != 200 || !strings.HasPrefix(got.body, `"`) || got.body == `"0"` {
		t.Fatalf("demo login = %d %q", got.status, got.body)
	}
}

func TestStart_Errors(t *testing.T) {
	t.Parallel()
	if _, err := simulators.Start(simulators.Options{Vendors: []string{"nosuch"}}); !errors.Is(err, simulators.ErrUnknownVendor) || !strings.Contains(err.Error(), `unknown vendor "nosuch"`) {
		t.Fatalf("Start with an unknown vendor: %v", err)
	}
	dir := t.TempDir()
	writeFile(t, dir+"/ucontact.yaml", "users:\n  demo:\n    pasword: x\n")
	_, err := simulators.Start(simulators.Options{FixturesDir: dir})
	if err == nil || !strings.Contains(err.Error(), dir+"/ucontact.yaml:3: unknown key \"pasword\"") {
		t.Fatalf("Start with a broken fixture: %v", err)
	}
	// The port of a running stack is taken: a second stack on it must fail
	// cleanly, leaving nothing listening.
	s := start(t, simulators.Options{})
	port := strings.TrimPrefix(s.AdminURL(), "http://127.0.0.1:")
	var base int
	fmt.Sscan(port, &base)
	if _, err := simulators.Start(simulators.Options{PortBase: base}); err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("Start on a taken port: %v", err)
	}
}

func TestFixturesDir_Overrides(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir+"/ucontact.yaml", "settings:\n  getUserTokenError: bare\nusers:\n  qa:\n    password: qa-pass\n")
	s := start(t, simulators.Options{FixturesDir: dir})
	if got := login(t, s, "qa", "qa-pass"); got.body == "0" || got.status != 200 {
		t.Fatalf("fixture user login = %q", got.body)
	}
	if got := login(t, s, "demo", "demo"); got.body != "0" {
		t.Fatalf("login absent from the fixture = %q, want bare 0", got.body)
	}
}

func TestJournal_NeverHoldsSecrets(t *testing.T) {
	t.Parallel()
	logs := &lockedbuf.Buffer{}
	s := start(t, simulators.Options{Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	const password = "unique-Pa55word-4f2e9"
	// A wrong login with the unique password, a good one, and a token sent back.
	login(t, s, "demo", password)
	tok := strings.Trim(login(t, s, "demo", "demo").body, `"`)
	req, _ := http.NewRequest(http.MethodPost, s.URL(ucontact.Name)+ucontact.PathEndSession+"?user=demo&token="+url.QueryEscape(tok), nil)
	if res, err := s.Client().Do(req); err != nil {
		t.Fatal(err)
	} else {
		res.Body.Close()
	}
	agent := send(t, s.Client(), http.MethodPost, s.URL(ucontact.Name)+ucontact.PathAgentLogin, formCT, "agent=1997&password=1997")
	var peer struct{ Token string }
	if err := json.Unmarshal([]byte(agent.body), &peer); err != nil {
		t.Fatal(err)
	}

	admin := send(t, http.DefaultClient, http.MethodGet, s.AdminURL()+"/__admin/requests", "", "").body
	for _, secret := range []string{password, tok, peer.Token, url.QueryEscape(tok)} {
		if strings.Contains(admin, secret) {
			t.Errorf("GET /__admin/requests shows %q in clear", secret)
		}
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log shows %q in clear", secret)
		}
	}
	if !strings.Contains(admin, "password=[redacted]") || !strings.Contains(admin, "token=[redacted]") {
		t.Errorf("journal does not show the redaction marks:\n%s", admin)
	}
}

func TestPipeline_BodyLimit(t *testing.T) {
	t.Parallel()
	s := start(t, simulators.Options{})
	big := "user=demo&password=" + strings.Repeat("x", 2<<20)
	got := send(t, s.Client(), http.MethodPost, s.URL(ucontact.Name)+ucontact.PathGetUserToken, formCT, big)
	if got.status != http.StatusRequestEntityTooLarge || got.body != simulators.MsgBodyTooLarge {
		t.Fatalf("2 MiB body = %d %q, want 413", got.status, got.body)
	}
	if got := login(t, s, "demo", "demo"); got.status != 200 || got.body == `"0"` {
		t.Fatalf("login after a 2 MiB body = %d %q", got.status, got.body)
	}
	e := s.Requests(journal.Filter{}, 0)
	if len(e) != 2 || e[1].Status != 413 || len(e[1].RequestBody) > 70<<10 {
		t.Fatalf("journal of the 413: %d entries", len(e))
	}
}

func TestPipeline_Strict(t *testing.T) {
	t.Parallel()
	testCases := []struct {
		strict     bool
		wantStatus int
		wantBody   string
	}{
		{false, 200, `"0"`}, // the vendor's own behaviour stands
		{true, 400, simulators.MsgStrictPrefix + `- ucontact.yaml getUserToken request: Error at "/password": property "password" is missing` + "\n"},
	}
	for _, tc := range testCases {
		t.Run(fmt.Sprintf("strict=%v", tc.strict), func(t *testing.T) {
			s := start(t, simulators.Options{Strict: tc.strict})
			got := send(t, s.Client(), http.MethodPost, s.URL(ucontact.Name)+ucontact.PathGetUserToken, formCT, "user=demo")
			if got.status != tc.wantStatus || got.body != tc.wantBody {
				t.Fatalf("got %d %q\nwant %d %q", got.status, got.body, tc.wantStatus, tc.wantBody)
			}
			e := s.Requests(journal.Filter{}, 1)[0]
			if len(e.Violations) != 1 || !strings.Contains(e.Violations[0], `"password" is missing`) {
				t.Fatalf("journal violations = %q", e.Violations)
			}
		})
	}
}

func TestTLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := start(t, simulators.Options{TLS: true, TLSDir: dir})
	if !strings.HasPrefix(s.URL(ucontact.Name), "https://127.0.0.1:") {
		t.Fatalf("URL = %s", s.URL(ucontact.Name))
	}
	if got := login(t, s, "demo", "demo"); got.status != 200 || got.body == `"0"` {
		t.Fatalf("login over TLS = %d %q", got.status, got.body)
	}
	ca := readFile(t, dir+"/"+simulators.CAFile)
	if !bytes.Equal(ca, s.CACertPEM()) {
		t.Fatal("ca.pem differs from the stack's CA")
	}
	// A restart on the same directory keeps the CA clients already trust.
	s2 := start(t, simulators.Options{TLS: true, TLSDir: dir})
	if !bytes.Equal(s2.CACertPEM(), ca) {
		t.Fatal("restart made a new CA")
	}
	// A client that does not trust the CA is refused.
	if _, err := http.Get(s.URL(ucontact.Name)); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("untrusting client: %v", err)
	}
	// The CA vouches for loopback only, for a year (issue 21, B16).
	block, _ := pem.Decode(ca)
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !cert.PermittedDNSDomainsCritical || strings.Join(cert.PermittedDNSDomains, ",") != "localhost" || len(cert.PermittedIPRanges) != 2 ||
		cert.NotAfter.After(time.Now().Add(366*24*time.Hour)) {
		t.Errorf("CA: constraints %v %v (critical %v), until %v", cert.PermittedDNSDomains, cert.PermittedIPRanges, cert.PermittedDNSDomainsCritical, cert.NotAfter)
	}
	// A CA key others can read is not reused.
	if err := os.Chmod(filepath.Join(dir, "ca-key.pem"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := simulators.Start(simulators.Options{TLS: true, TLSDir: dir, Vendors: []string{ucontact.Name}}); err == nil || !strings.Contains(err.Error(), "is readable by others") {
		t.Errorf("a world-readable CA key: %v", err)
	}
	// Issue 31, N17: a directory others can write to is not used: they
	// could put their CA there.
	if err := os.Chmod(filepath.Join(dir, "ca-key.pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if _, err := simulators.Start(simulators.Options{TLS: true, TLSDir: dir, Vendors: []string{ucontact.Name}}); err == nil || !strings.Contains(err.Error(), "can be written by other users") {
		t.Errorf("a world-writable --tls-dir: %v", err)
	}
}

func BenchmarkStartClose(b *testing.B) {
	for b.Loop() {
		s, err := simulators.Start(simulators.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

func ExampleStart() {
	stack, err := simulators.Start(simulators.Options{})
	if err != nil {
		panic(err)
	}
	defer stack.Close()
	res, err := stack.Client().PostForm(stack.URL("ucontact")+"/Integra/resources/auth/getUserToken",
		url.Values{"user": {"demo"}, "password": {"wrong"}})
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	fmt.Println(res.StatusCode, string(body))
	// Output: 200 "0"
}

// Under --strict a request checked before is answered from its remembered
// verdict, the same bytes as the first time, and the verdict is the
// request's own: credentials after the scheme word, or none, are two
// requests (issue 23).
func TestPipeline_StrictRemembersVerdicts(t *testing.T) {
	t.Parallel()
	s := start(t, simulators.Options{Strict: true})
	url := s.URL(ucontact.Name)
	bad := send(t, s.Client(), http.MethodPost, url+ucontact.PathGetUserToken, formCT, "user=demo")
	for range 3 {
		if again := send(t, s.Client(), http.MethodPost, url+ucontact.PathGetUserToken, formCT, "user=demo"); again.body != bad.body || again.status != 400 {
			t.Fatalf("the same refused request again: %+v, first %+v", again, bad)
		}
		if good := login(t, s, "demo", "demo"); good.status != 200 || good.body == `"0"` {
			t.Fatalf("a good login after a refused one: %d %q", good.status, good.body)
		}
	}
	logoff := func(auth string) reply {
		t.Helper()
		return send(t, s.Client(), http.MethodPost, url+ucontact.PathAgentLogoff, formCT, "agent=1001", "Authorization", auth)
	}
	withToken := logoff("Basic c29tZS10b2tlbg==")
	without := logoff("Basic ")
	if withToken.status == 400 || without.status != 400 || !strings.Contains(without.body, "Authorization") {
		t.Fatalf("credentials then none, same scheme: %d %q, then %d %q", withToken.status, withToken.body, without.status, without.body)
	}
	s.Sync()
	for _, e := range s.Requests(journal.Filter{Path: ucontact.PathGetUserToken}, 0) {
		if e.Status == 400 && (len(e.Violations) != 1 || !strings.Contains(e.Violations[0], `"password" is missing`)) {
			t.Fatalf("a refused request's journal entry: %q", e.Violations)
		}
	}
}
