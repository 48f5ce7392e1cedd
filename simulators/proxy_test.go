package simulators_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mockauth/mockauth/simulators"
	"github.com/mockauth/mockauth/simulators/crmcom"
	"github.com/mockauth/mockauth/simulators/journal"
	"github.com/mockauth/mockauth/simulators/upstream"
)

// The real vendor's password in the proxy tests: it must reach the real
// vendor, and nothing else (journal, log, recording).
const upstreamPassword = "Upstream-Pa55word-9x"

// fakeCRM is a stand-in for a real CRM.COM tenant that differs from the
// contract in one field: its token answer carries "expires_in", which the
// contract's TokenAnswer (additionalProperties: false) does not have. Its
// accounts list names its own host, as real answers name the tenant's.
type fakeCRM struct {
	*httptest.Server
	calls  atomic.Int64
	mu     sync.Mutex
	tokens []string // every token it handed out
	last   []byte   // its last answer's body
	host   string   // the Host its last request named
}

func newFakeCRM(t *testing.T) *fakeCRM {
	f := &fakeCRM{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.calls.Add(1)
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.Header().Set("X-Tenant", "crm-eu-1")
		var body string
		switch r.URL.Path {
		case crmcom.PathToken:
			var login struct{ Username, Password string }
			_ = json.NewDecoder(r.Body).Decode(&login)
			if login.Password != upstreamPassword {
				body = `{"status":{"code":"INVALID_CREDENTIALS","message":"Invalid username or password","description":"The username or the password is not valid"},"data":null}`
				break
			}
			b := make([]byte, 16)
			_, _ = rand.Read(b)
			tok := strings.ToUpper(hex.EncodeToString(b))
			f.mu.Lock()
			f.tokens = append(f.tokens, tok)
			f.mu.Unlock()
			body = `{"status":{"code":"OK","message":null,"description":null},"data":{"token":"` + tok + `","expires_in":3600}}`
		case "/crmapi/rest/v2/accounts_receivable/list":
			f.mu.Lock()
			known := strings.Contains(strings.Join(f.tokens, " "), r.URL.Query().Get("token")) && r.URL.Query().Get("token") != ""
			f.mu.Unlock()
			if !known {
				body = `{"status":{"code":"INVALID_TOKEN","message":"Invalid authentication token","description":"The token is unknown"},"data":null}`
				break
			}
			body = `{"status":{"code":"OK","message":null,"description":null},"data":[{"id":"AR-7","balance":12.5,"self":"http://` + r.Host + `/ar/AR-7"}]}`
		default:
			http.NotFound(w, r)
			return
		}
		f.mu.Lock()
		f.last, f.host = []byte(body), r.Host
		f.mu.Unlock()
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeCRM) lastAnswer() ([]byte, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last, f.host
}

const proxyScenarios = `scenarios:
  refused-before:
    description: the login fails before it reaches the real vendor
    rules:
      - match: {vendor: crmcom, endpoint: token}
        fault: {type: status, status: 503, body: "before\n"}
  lost-after:
    description: the login succeeds at the real vendor, and its answer is lost
    rules:
      - match: {vendor: crmcom, endpoint: token}
        fault: {type: status, status: 503, body: "after\n", phase: after}
`

// A QA session through the proxy: logins (right and wrong password), a
// call after login with the token in the query.
type proxySession struct {
	logins []reply // right, wrong, right
	list   reply   // with the first login's token
	stale  reply   // with a token the real vendor never gave
}

func runSession(t *testing.T, s *simulators.Stack) proxySession {
	t.Helper()
	c, base := s.Client(), s.URL(crmcom.Name)
	var ps proxySession
	for _, pw := range []string{upstreamPassword, "wrong-password-42", upstreamPassword} {
		ps.logins = append(ps.logins, send(t, c, http.MethodPost, base+crmcom.PathToken, "application/json",
			`{"username":"qa.lead","password":"`+pw+`","organisation":"TENANT1"}`))
	}
	var env struct{ Data struct{ Token string } }
	if err := json.Unmarshal([]byte(ps.logins[0].body), &env); err != nil || env.Data.Token == "" {
		t.Fatalf("login through the stack: %d %q", ps.logins[0].status, ps.logins[0].body)
	}
	ps.list = send(t, c, http.MethodGet, base+"/crmapi/rest/v2/accounts_receivable/list?token="+env.Data.Token+"&page=1", "", "")
	ps.stale = send(t, c, http.MethodGet, base+"/crmapi/rest/v2/accounts_receivable/list?token=0000AAAA0000AAAA0000AAAA0000AAAA&page=1", "", "")
	return ps
}

// Issue 22: the stack in front of a real vendor passes its answers
// through byte for byte, reports its drift from the contract once per
// kind with a count, applies faults before and after the real vendor,
// journals and logs no secret, and records the session so that replaying
// the directory with no upstream gives the same answers (new tokens aside)
// from files that hold no password, token or host name.
func TestProxy_DriftFaultsRecordingAndReplay(t *testing.T) {
	fake := newFakeCRM(t)
	target, _ := url.Parse(fake.URL)
	dir := t.TempDir()
	var logs bytes.Buffer
	var logMu sync.Mutex
	s, err := simulators.Start(simulators.Options{
		Vendors: []string{crmcom.Name}, Upstreams: map[string]*url.URL{crmcom.Name: target}, RecordDir: dir,
		Scenarios: []byte(proxyScenarios), Logger: slog.New(slog.NewTextHandler(lockedWriter{&logs, &logMu}, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })

	recorded := runSession(t, s)
	// Byte for byte: the last answer (the stale-token list call) and a login.
	last, host := fake.lastAnswer()
	if recorded.stale.body != string(last) || recorded.stale.header.Get("Content-Type") != "application/json;charset=UTF-8" || recorded.stale.header.Get("X-Tenant") != "crm-eu-1" {
		t.Errorf("not passed through: %q %v, the real vendor answered %q", recorded.stale.body, recorded.stale.header, last)
	}
	if host != target.Host {
		t.Errorf("the real vendor was asked for Host %q, want its own %q", host, target.Host)
	}
	if !strings.Contains(recorded.logins[0].body, `"expires_in":3600`) || !strings.Contains(recorded.logins[1].body, "INVALID_CREDENTIALS") {
		t.Errorf("logins: %q, %q", recorded.logins[0].body, recorded.logins[1].body)
	}

	// Faults before and after the real vendor.
	before := fake.calls.Load()
	r := send(t, s.Client(), http.MethodPost, s.URL(crmcom.Name)+crmcom.PathToken, "application/json",
		`{"username":"qa.lead","password":"`+upstreamPassword+`","organisation":"TENANT1"}`, simulators.HeaderScenario, "refused-before")
	if r.status != 503 || r.body != "before\n" || fake.calls.Load() != before {
		t.Errorf("fault before: %d %q, real vendor called %d times", r.status, r.body, fake.calls.Load()-before)
	}
	r = send(t, s.Client(), http.MethodPost, s.URL(crmcom.Name)+crmcom.PathToken, "application/json",
		`{"username":"qa.lead","password":"`+upstreamPassword+`","organisation":"TENANT1"}`, simulators.HeaderScenario, "lost-after")
	if r.status != 503 || r.body != "after\n" || fake.calls.Load() != before+1 {
		t.Errorf("fault after: %d %q, real vendor called %d times", r.status, r.body, fake.calls.Load()-before)
	}

	// Drift: one kind (the extra field), counted for each OK login (three,
	// the one a fault lost included).
	s.Sync()
	rep := s.Drift()
	if len(rep.Kinds) != 1 || rep.Kinds[0].Count != 3 || !strings.Contains(rep.Kinds[0].Kind, "expires_in") || rep.Kinds[0].Endpoint != "token" {
		t.Fatalf("drift report: %+v", rep)
	}
	if ex := rep.Kinds[0].Example; ex.Status != 200 || !strings.Contains(ex.Body, `"token":"[redacted]"`) {
		t.Errorf("drift example: %+v", ex)
	}
	admin := send(t, s.Client(), http.MethodGet, s.AdminURL()+"/__admin/drift?format=markdown", "", "")
	if admin.status != 200 || !strings.Contains(admin.body, "| crmcom | token | 3 |") {
		t.Errorf("GET /__admin/drift?format=markdown: %d %q", admin.status, admin.body)
	}
	logMu.Lock()
	logged := logs.String()
	logMu.Unlock()
	if n := strings.Count(logged, "drift:"); n != 1 {
		t.Errorf("drift logged %d times, want once per kind:\n%s", n, logged)
	}
	entries := s.Requests(journal.Filter{Vendor: crmcom.Name}, 0)
	drifted := 0
	for _, e := range entries {
		if !e.Upstream && e.Rule == 0 && e.Scenario != "refused-before" {
			t.Errorf("entry %d (%s) not marked as the real vendor's answer", e.ID, e.Path)
		}
		if e.Drift {
			drifted++
		}
	}
	if drifted != 3 {
		t.Errorf("%d journal entries marked drift, want 3", drifted)
	}

	// No secret in the journal or the log.
	js, _ := json.Marshal(entries)
	secrets := append([]string{upstreamPassword}, fake.tokens...)
	for _, sec := range secrets {
		if strings.Contains(string(js), sec) || strings.Contains(logged, sec) {
			t.Errorf("secret %q in the journal or the log", sec)
		}
	}

	// The recording: no password, token or host on disk.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile(filepath.Join(dir, crmcom.Name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, sec := range append(secrets, target.Host, "wrong-password-42") {
		if strings.Contains(string(file), sec) {
			t.Errorf("the recording holds %q:\n%s", sec, file)
		}
	}

	// Replay with no upstream: the same answers, new tokens aside.
	replay, err := simulators.Start(simulators.Options{Vendors: []string{crmcom.Name}, FixturesDir: dir})
	if err != nil {
		t.Fatalf("replaying %s: %v\n%s", dir, err, file)
	}
	t.Cleanup(func() { _ = replay.Close() })
	replayed := runSession(t, replay)
	norm := func(s string) string {
		s = strings.ReplaceAll(s, target.Host, "HOST")
		s = strings.ReplaceAll(s, strings.TrimPrefix(replay.URL(crmcom.Name), "http://"), "HOST")
		var env struct{ Data struct{ Token string } }
		if json.Unmarshal([]byte(s), &env) == nil && env.Data.Token != "" {
			s = strings.ReplaceAll(s, env.Data.Token, "TOKEN")
		}
		return s
	}
	pairs := map[string][2]reply{"list": {recorded.list, replayed.list}, "stale": {recorded.stale, replayed.stale}}
	for i := range recorded.logins {
		pairs[fmt.Sprintf("login %d", i)] = [2]reply{recorded.logins[i], replayed.logins[i]}
	}
	for name, p := range pairs {
		if p[0].status != p[1].status || norm(p[0].body) != norm(p[1].body) || p[0].header.Get("Content-Type") != p[1].header.Get("Content-Type") {
			t.Errorf("%s: recorded %d %q, replayed %d %q", name, p[0].status, p[0].body, p[1].status, p[1].body)
		}
	}
	if strings.Contains(replayed.logins[0].body, fake.tokens[0]) {
		t.Error("the replay answered a recorded token, not a fresh one")
	}
}

// lockedWriter lets a test read a log that the stack writes concurrently.
type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Under --strict the real answers are checked in line, and their drift is
// reported the same way.
func TestProxy_StrictReportsDriftInLine(t *testing.T) {
	fake := newFakeCRM(t)
	target, _ := url.Parse(fake.URL)
	s, err := simulators.Start(simulators.Options{Vendors: []string{crmcom.Name}, Upstreams: map[string]*url.URL{crmcom.Name: target}, Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	r := send(t, s.Client(), http.MethodPost, s.URL(crmcom.Name)+crmcom.PathToken, "application/json",
		`{"username":"qa.lead","password":"`+upstreamPassword+`","organisation":"TENANT1"}`)
	if r.status != 200 || !strings.Contains(r.body, `"expires_in":3600`) {
		t.Fatalf("login under --strict: %d %q", r.status, r.body)
	}
	rep := s.Drift()
	if len(rep.Kinds) != 1 || rep.Kinds[0].Count != 1 || !strings.Contains(rep.Kinds[0].Kind, "expires_in") {
		t.Fatalf("drift under --strict: %+v", rep)
	}
	if es := s.Requests(journal.Filter{}, 0); len(es) != 1 || !es[0].Drift || !es[0].Upstream {
		t.Errorf("journal under --strict: %+v", es)
	}
}

// TestProxy_EveryDriftKindCountedAndLogged: a real answer that breaks two
// rules (an undocumented member, and a value the contract does not allow)
// is two kinds in the drift report, and its request line counts both
// (issue 30: the log said violations=0 for a proxied answer that drifted).
func TestProxy_EveryDriftKindCountedAndLogged(t *testing.T) {
	t.Parallel()
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		_, _ = io.WriteString(w, `{"data":{"token":"0123456789ABCDEF0123456789ABCDEF","expires_in":3600},"status":{"code":"OK","message":"Done","description":null}}`)
	}))
	t.Cleanup(fake.Close)
	target, _ := url.Parse(fake.URL)
	var logs bytes.Buffer
	var logMu sync.Mutex
	s, err := simulators.Start(simulators.Options{Vendors: []string{crmcom.Name}, Upstreams: map[string]*url.URL{crmcom.Name: target},
		Logger: slog.New(slog.NewTextHandler(lockedWriter{&logs, &logMu}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	r := send(t, s.Client(), http.MethodPost, s.URL(crmcom.Name)+crmcom.PathToken, "application/json",
		`{"username":"qa.lead","password":"`+upstreamPassword+`","organisation":"TENANT1"}`)
	if r.status != 200 {
		t.Fatalf("login through the proxy: %d %q", r.status, r.body)
	}
	s.Sync()
	var kinds []string
	for _, k := range s.Drift().Kinds {
		kinds = append(kinds, k.Kind)
	}
	if len(kinds) != 2 || !strings.Contains(strings.Join(kinds, "\n"), `property "expires_in" is unsupported`) ||
		!strings.Contains(strings.Join(kinds, "\n"), `"/status/message": value is not one of the allowed values`) {
		t.Errorf("drift kinds: %q, want the extra member and the message's value, one each", kinds)
	}
	logMu.Lock()
	logged := logs.String()
	logMu.Unlock()
	if !regexp.MustCompile(`msg=request .*endpoint=token status=200 .*violations=2`).MatchString(logged) {
		t.Errorf("the request line does not count the drift:\n%s", logged)
	}
}

// Issue 31, N1: with --upstream and --record, what a real tenant sends
// that is secret — the key at the end of uContact's UserLogin list, a
// password it echoes in an error, session ids in a header, a Location
// query and body fields — reaches neither the recording on disk, nor the
// journal, nor the drift report, nor the log. The client gets every byte.
func TestHostile_TenantSecretsNeverReachDisk(t *testing.T) {
	t.Parallel()
	const (
		key      = "KEY-7f3a9b2c1d4e5f60"
		session  = "sess-0a1b2c3d4e5f"
		sid      = "SID-0011223344"
		right    = "Tenant-Pass-77"
		wrong    = "Wrong-Pass-88"
		bodySess = "bodysess-99aa88bb77"
	)
	secrets := []string{key, session, sid, right, wrong, bodySess}
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		if r.PostForm.Get("password") != right {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"message":"the password `+r.PostForm.Get("password")+` is not valid","rejectedValue":"`+r.PostForm.Get("password")+`"}`)
			return
		}
		w.Header().Set("X-Session-Id", session)
		w.Header().Set("Location", "https://tenant.example/next?sid="+sid+"&page=2")
		_, _ = io.WriteString(w, `[{"id":7,"user":"qa","session":"`+bodySess+`"},{"campaigns":[]},"`+key+`"]`)
	}))
	t.Cleanup(fake.Close)
	target, _ := url.Parse(fake.URL)
	dir := t.TempDir()
	var logs bytes.Buffer
	var logMu sync.Mutex
	s, err := simulators.Start(simulators.Options{Vendors: []string{"ucontact"}, Upstreams: map[string]*url.URL{"ucontact": target}, RecordDir: dir,
		Logger: slog.New(slog.NewTextHandler(lockedWriter{&logs, &logMu}, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	login := func(pw string) reply {
		return send(t, s.Client(), http.MethodPost, s.URL("ucontact")+"/Integra/resources/auth/UserLogin", "application/x-www-form-urlencoded", "user=qa&password="+pw)
	}
	if r := login(right); r.status != 200 || !strings.Contains(r.body, key) || r.header.Get("X-Session-Id") != session {
		t.Fatalf("the client must get the real answer: %d %q %v", r.status, r.body, r.header)
	}
	if r := login(wrong); r.status != 400 || !strings.Contains(r.body, wrong) {
		t.Fatalf("the client must get the real refusal: %d %q", r.status, r.body)
	}
	s.Sync()
	var seen strings.Builder
	for _, path := range []string{"/__admin/requests", "/__admin/drift", "/__admin/drift?format=markdown"} {
		r := send(t, s.Client(), http.MethodGet, s.AdminURL()+path, "", "")
		fmt.Fprintf(&seen, "GET %s:\n%s\n", path, r.body)
	}
	if err := s.Close(); err != nil { // writes the recording
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&seen, "%s:\n%s\n", f, data)
	}
	if len(files) == 0 {
		t.Fatal("nothing recorded")
	}
	logMu.Lock()
	fmt.Fprintf(&seen, "log:\n%s", logs.String())
	logMu.Unlock()
	for _, secret := range secrets {
		if strings.Contains(seen.String(), secret) {
			t.Errorf("%q reached the disk, the admin API or the log:\n%s", secret, seen.String())
		}
	}
	// A password the tenant echoes is no token it handed out: the replay
	// must not mint one in its place.
	if strings.Contains(seen.String(), "the password {{") {
		t.Errorf("an echoed password was recorded as a token:\n%s", seen.String())
	}
}

// Issue 31, N7: in proxy mode a vendor port answers this machine's names
// only: a page that DNS rebinding points at the stack (Host: its own
// name) gets 403 and never reaches the real service; --allow-host adds a
// name. Without an upstream any Host is answered, as before.
func TestHostile_ForeignHostRefusedInProxyMode(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_, _ = io.WriteString(w, "INTERNAL-ONLY-DATA")
	}))
	t.Cleanup(fake.Close)
	target, _ := url.Parse(fake.URL)
	s := start(t, simulators.Options{Vendors: []string{crmcom.Name}, Upstreams: map[string]*url.URL{crmcom.Name: target}, AllowHosts: []string{"mockauth.internal"}})
	getFrom := func(stack *simulators.Stack, host string) reply {
		req, _ := http.NewRequest(http.MethodGet, stack.URL(crmcom.Name)+"/anything", nil)
		req.Host = host
		res, err := stack.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		data, _ := io.ReadAll(res.Body)
		return reply{status: res.StatusCode, body: string(data)}
	}
	get := func(host string) reply { return getFrom(s, host) }
	if r := get("attacker.example:80"); r.status != 403 || r.body != simulators.MsgForeignHost || calls.Load() != 0 {
		t.Errorf("a rebinding page's Host: %d %q, the real service called %d times", r.status, r.body, calls.Load())
	}
	for _, host := range []string{"127.0.0.1", "localhost:1234", "mockauth.internal"} {
		if r := get(host); r.status != 200 || r.body != "INTERNAL-ONLY-DATA" {
			t.Errorf("Host %s: %d %q", host, r.status, r.body)
		}
	}
	plain := start(t, simulators.Options{Vendors: []string{crmcom.Name}})
	if r := getFrom(plain, "attacker.example"); r.status == 403 {
		t.Errorf("without an upstream a foreign Host is refused: %d", r.status)
	}
}

// Issue 31, N13: a proxied call still waiting on the real service when
// the stack shuts down is answered 503 with Connection: close and
// Retry-After, never cut off without a byte.
func TestHostile_ProxiedCallAtShutdownAnswered(t *testing.T) {
	t.Parallel()
	hang := make(chan struct{})
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(fake.Close)
	t.Cleanup(func() { close(hang) })
	target, _ := url.Parse(fake.URL)
	s, err := simulators.Start(simulators.Options{Vendors: []string{crmcom.Name}, Upstreams: map[string]*url.URL{crmcom.Name: target}})
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		r   reply
		err error
	}
	got := make(chan result, 1)
	go func() {
		res, err := s.Client().Post(s.URL(crmcom.Name)+crmcom.PathToken, "application/json", strings.NewReader(`{"username":"u","password":"p","organisation":"o"}`))
		if err != nil {
			got <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		got <- result{r: reply{status: res.StatusCode, header: res.Header, body: string(b)}}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for s.InFlight() != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the proxied call never started")
		}
		time.Sleep(time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	r := <-got
	if r.err != nil || r.r.status != 503 || r.r.body != upstream.MsgShuttingDown || r.r.header.Get("Retry-After") != "1" {
		t.Fatalf("a proxied call in flight at shutdown: %+v", r)
	}
}

// An answer that breaks two rules of the same shape is two kinds in the
// drift report and two violations in its journal entry (each rule counted
// once, however many places report it).
func TestProxy_TwoRulesOfOneShapeAreTwoKinds(t *testing.T) {
	t.Parallel()
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		_, _ = io.WriteString(w, `{"status":{"code":"OK","message":null,"description":null},"data":{"token":5,"expires_in":3600}}`)
	}))
	t.Cleanup(fake.Close)
	target, _ := url.Parse(fake.URL)
	s, err := simulators.Start(simulators.Options{Vendors: []string{crmcom.Name}, Upstreams: map[string]*url.URL{crmcom.Name: target}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	send(t, s.Client(), http.MethodPost, s.URL(crmcom.Name)+crmcom.PathToken, "application/json", `{"username":"u","password":"p","organisation":"o"}`)
	s.Sync()
	var kinds []string
	for _, k := range s.Drift().Kinds {
		kinds = append(kinds, k.Kind)
	}
	joined := strings.Join(kinds, "\n")
	if len(kinds) != 2 || !strings.Contains(joined, `property "expires_in" is unsupported`) || !strings.Contains(joined, `"/data/token"`) {
		t.Errorf("drift kinds: %q, want the extra member and the token's type, one each", kinds)
	}
	if e := s.Requests(journal.Filter{}, 1); len(e) != 1 || len(e[0].Violations) != 2 {
		t.Errorf("journal violations: %+v", e)
	}
}
