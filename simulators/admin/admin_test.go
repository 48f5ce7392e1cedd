package admin_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mockauth/mockauth/contracts"
	"github.com/mockauth/mockauth/simulators/admin"
	"github.com/mockauth/mockauth/simulators/journal"
	"github.com/mockauth/mockauth/simulators/scenario"
	stubpkg "github.com/mockauth/mockauth/simulators/stub"
	"github.com/mockauth/mockauth/simulators/upstream"
)

// stub is a Backend with one vendor, a clock and one scenario, recording
// what the API asked of it.
type stub struct {
	status   string
	advanced time.Duration
	resets   int
	active   map[string]bool
	stubs    []*stubpkg.Stub
}

func (s *stub) Stubs(string) ([]*stubpkg.Stub, error) { return s.stubs, nil }
func (s *stub) PutStub(_, name string, data []byte) (*stubpkg.Stub, bool, error) {
	st, err := stubpkg.ParseOne("stub acme/"+name, name, data, stubpkg.Rules{Auth: []string{"token"}})
	if err != nil {
		return nil, false, err
	}
	for i, o := range s.stubs {
		if o.Name == name {
			s.stubs[i] = st
			return st, false, nil
		}
	}
	s.stubs = append(s.stubs, st)
	return st, true, nil
}
func (s *stub) DeleteStub(_, name string) error {
	for i, o := range s.stubs {
		if o.Name == name {
			s.stubs = append(s.stubs[:i], s.stubs[i+1:]...)
			return nil
		}
	}
	return admin.ErrNoStub
}

func (s *stub) Health() admin.Health {
	return admin.Health{Status: s.status, Vendors: map[string]string{"acme": "serving"}}
}
func (s *stub) VendorNames() []string { return []string{"acme"} }
func (s *stub) Vendors() ([]admin.VendorInfo, error) {
	return []admin.VendorInfo{{Name: "acme", BaseURL: "http://acme.test", Demo: map[string]string{"user": "wile"}}}, nil
}
func (s *stub) Contract(string) (*contracts.Validator, string, error) {
	return nil, "", errors.New("no contracts in the stub")
}
func (s *stub) Fidelity(string) ([]contracts.Basis, error) {
	return []contracts.Basis{{Vendor: "acme", Operation: "login", Kind: contracts.KindEvidence, Source: "the acme page"}},
		errors.New("acme.yaml:9: operation login, response 401: neither x-evidence nor x-reading")
}
func (s *stub) Reset() error           { s.resets++; return nil }
func (s *stub) Drift() upstream.Report { return upstream.Report{Kinds: []upstream.Kind{}} }
func (s *stub) Requests(journal.Filter, int) []journal.Entry {
	return []journal.Entry{{ID: 1, Vendor: "acme"}}
}
func (s *stub) CountRequests(journal.Filter) (int, error) { return 1, nil }
func (s *stub) RequestsPage(f journal.Filter, limit, _ int) ([]journal.Entry, bool, error) {
	return s.Requests(f, limit), false, nil
}
func (s *stub) ClearRequests() (int, error)   { return 1, nil }
func (s *stub) Now() time.Time                { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(s.advanced) }
func (s *stub) Offset() time.Duration         { return s.advanced }
func (s *stub) Advance(d time.Duration) error { s.advanced += d; return nil }
func (s *stub) Scenarios() admin.Scenarios    { return stubScenarios{s} }

type stubScenarios struct{ s *stub }

func (sc stubScenarios) File() string { return "stub.yaml" }
func (sc stubScenarios) Statuses() []scenario.Status {
	return []scenario.Status{{Name: "flaky", Active: sc.s.active["flaky"]}}
}
func (sc stubScenarios) Activate(name string, _ time.Duration) (scenario.Status, error) {
	if name != "flaky" {
		return scenario.Status{}, &scenario.UnknownScenarioError{Name: name, Suggestions: []string{"flaky"}}
	}
	sc.s.active[name] = true
	return scenario.Status{Name: name, Active: true}, nil
}
func (sc stubScenarios) Deactivate(name string) (scenario.Status, error) {
	delete(sc.s.active, name)
	return scenario.Status{Name: name}, nil
}
func (sc stubScenarios) DeactivateAll() error { sc.s.active = map[string]bool{}; return nil }

func call(t *testing.T, h http.Handler, method, path, body string, header ...string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Host = "127.0.0.1:9300"
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	b, _ := io.ReadAll(w.Result().Body)
	return w.Code, string(b)
}

// The admin API's answers, against a stub: what it asks of the backend and
// what it answers for each of the backend's answers.
func TestAdmin_AgainstAStub(t *testing.T) {
	t.Parallel()
	b := &stub{status: "ok", active: map[string]bool{}}
	h := admin.New(b, admin.Options{})
	testCases := []struct {
		name, method, path, body string
		wantStatus               int
		wantBody                 string
	}{
		{"health", "GET", "/__admin/health", "", 200, `"status": "ok"`},
		{"vendors", "GET", "/__admin/vendors", "", 200, `"user": "wile"`},
		{"postman names the vendor", "GET", "/__admin/postman", "", 200, `"acme_url"`},
		{"clock moves", "POST", "/__admin/clock", `{"advance":"61m"}`, 200, `"offset": "1h1m0s"`},
		{"bad duration", "POST", "/__admin/clock", `{"advance":"soon"}`, 400, `advance must be a Go duration`},
		{"unknown field", "POST", "/__admin/clock", `{"forward":"1m"}`, 400, `unknown field`},
		{"activate", "PUT", "/__admin/scenarios/flaky", "", 200, `"active": true`},
		{"unknown scenario", "PUT", "/__admin/scenarios/flakey", "", 404, `did you mean \"flaky\"`},
		{"unknown vendor filter", "GET", "/__admin/requests?vendor=nope", "", 400, `no vendor \"nope\" in this stack (running: acme)`},
		{"bad limit", "GET", "/__admin/requests?limit=-1", "", 400, `limit must be a whole number`},
		{"reset", "POST", "/__admin/reset", "", 200, `"reset": true`},
		{"no such call", "GET", "/__admin/nope", "", 404, `no admin call GET /__admin/nope`},
		{"contract error is a 500", "GET", "/__admin/contracts", "", 500, `no contracts in the stub`},
		{"evidence", "GET", "/__admin/evidence", "", 200, `"source": "the acme page"`},
		{"evidence names the unsourced", "GET", "/__admin/evidence?vendor=acme", "", 200, `"unsourced": [
    "acme.yaml:9: operation login, response 401: neither x-evidence nor x-reading"`},
		{"evidence of an unknown vendor", "GET", "/__admin/evidence?vendor=nope", "", 404, `no vendor \"nope\" in this stack`},
		{"no stubs yet", "GET", "/__admin/stubs", "", 200, `"stubs": []`},
		{"add a stub", "PUT", "/__admin/stubs/acme/orders", "method: GET\npath: /orders\nauth: token\nresponse: {body: '[]'}\n", 200, `"created": true`},
		{"replace it", "PUT", "/__admin/stubs/acme/orders", `{"method":"GET","path":"/orders/{id}","auth":"none","response":{"status":404,"body":"{{.Path.id}}"}}`, 200, `"created": false`},
		{"list it", "GET", "/__admin/stubs/acme", "", 200, `"path": "/orders/{id}"`},
		{"get it", "GET", "/__admin/stubs/acme/orders", "", 200, `"origin": "admin API"`},
		{"a bad stub, with its line", "PUT", "/__admin/stubs/acme/bad", "method: GET\npath: /x\nauth: sesame\nresponse: {body: ''}\n", 400, `stub acme/bad:3: stub bad: auth \"sesame\": the vendor's checks are \"token\", or none`},
		{"a bad template", "PUT", "/__admin/stubs/acme/bad", "method: GET\npath: /x\nauth: none\nresponse:\n  body: |\n    {{.Login.user}\n", 400, `stub acme/bad:6: stub bad: body template`},
		{"stub of an unknown vendor", "PUT", "/__admin/stubs/nope/x", "", 404, `no vendor \"nope\"`},
		{"delete it", "DELETE", "/__admin/stubs/acme/orders", "", 200, `"deleted": "orders"`},
		{"delete it again", "DELETE", "/__admin/stubs/acme/orders", "", 404, `no such stub`},
	}
	for _, tc := range testCases {
		status, body := call(t, h, tc.method, tc.path, tc.body)
		if status != tc.wantStatus || !strings.Contains(body, tc.wantBody) {
			t.Errorf("%s: %d %s, want %d containing %s", tc.name, status, body, tc.wantStatus, tc.wantBody)
		}
	}
	if b.advanced != 61*time.Minute || b.resets != 1 || !b.active["flaky"] {
		t.Errorf("backend saw advanced %v, %d resets, active %v", b.advanced, b.resets, b.active)
	}

	b.status = "unavailable"
	if status, _ := call(t, h, "GET", "/__admin/health", ""); status != 503 {
		t.Errorf("health of an unavailable backend: %d, want 503", status)
	}
}

// With a token, every call but health needs it; the dashboard page is open.
func TestAdmin_Token(t *testing.T) {
	t.Parallel()
	h := admin.New(&stub{status: "ok", active: map[string]bool{}}, admin.Options{Token: "s3cret-token"})
	for _, tc := range []struct {
		path   string
		header []string
		want   int
	}{
		{"/__admin/vendors", nil, 401},
		{"/__admin/vendors", []string{"Authorization", "Bearer wrong"}, 401},
		{"/__admin/vendors", []string{"Authorization", "Bearer s3cret-token"}, 200},
		{"/__admin/health", nil, 200},
		{"/", nil, 200},
	} {
		if status, _ := call(t, h, "GET", tc.path, "", tc.header...); status != tc.want {
			t.Errorf("GET %s %v: %d, want %d", tc.path, tc.header, status, tc.want)
		}
	}
}

// TestDashboard_CannotBeFramed: no other page may frame the dashboard
// (issue 21, B18).
func TestDashboard_CannotBeFramed(t *testing.T) {
	h := admin.New(&stub{status: "ok", active: map[string]bool{}}, admin.Options{})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if w.Code != 200 || w.Header().Get("X-Frame-Options") != "DENY" ||
		!strings.Contains(w.Header().Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("dashboard headers: %d %v", w.Code, w.Header())
	}
}

// No web page of another origin can drive the admin API (issue 21, B7):
// not by a form or a no-cors fetch (POST needs application/json), not from
// another site (Origin, Sec-Fetch-Site), not by DNS rebinding (a Host that
// is not this machine's, when there is no token).
func TestAdmin_RefusesOtherOrigins(t *testing.T) {
	t.Parallel()
	b := &stub{status: "ok", active: map[string]bool{}}
	open := admin.New(b, admin.Options{})
	withToken := admin.New(b, admin.Options{Token: "s3cret-token"})
	bearer := []string{"Authorization", "Bearer s3cret-token"}
	for _, tc := range []struct {
		name       string
		h          http.Handler
		method     string
		host       string
		header     []string
		wantStatus int
		wantBody   string
	}{
		{"a form POST", open, "POST", "127.0.0.1:9300", []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "POST takes Content-Type: application/json"},
		{"a no-cors fetch", open, "POST", "127.0.0.1:9300", []string{"Content-Type", "text/plain;charset=UTF-8"}, 415, "so that no web page can send it"},
		{"JSON from the dashboard", open, "POST", "127.0.0.1:9300", []string{"Content-Type", "application/json", "Origin", "http://127.0.0.1:9300", "Sec-Fetch-Site", "same-origin"}, 200, `"offset"`},
		{"another origin", open, "POST", "127.0.0.1:9300", []string{"Content-Type", "application/json", "Origin", "http://127.0.0.1:8080"}, 403, "another origin (http://127.0.0.1:8080)"},
		{"another site", open, "PUT", "127.0.0.1:9300", []string{"Sec-Fetch-Site", "cross-site"}, 403, "another site (Sec-Fetch-Site: cross-site)"},
		{"a sandboxed page", open, "POST", "127.0.0.1:9300", []string{"Content-Type", "application/json", "Origin", "null"}, 403, "another origin (null)"},
		{"DNS rebinding", open, "GET", "attacker.example:9300", nil, 403, `attacker.example:9300\" is not this machine`},
		{"localhost", open, "GET", "localhost:9300", nil, 200, `"user": "wile"`},
		{"IPv6 loopback", open, "GET", "[::1]:9300", nil, 200, `"user": "wile"`},
		{"any Host with the token", withToken, "GET", "mockauth.svc:9300", bearer, 200, `"user": "wile"`},
		{"but never another origin", withToken, "POST", "mockauth.svc:9300", append([]string{"Content-Type", "application/json", "Origin", "https://evil.example"}, bearer...), 403, "another origin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := "/__admin/vendors"
			body := ""
			switch tc.method {
			case "POST":
				path, body = "/__admin/clock", `{"advance":"1m"}`
			case "PUT":
				path = "/__admin/scenarios/flaky"
			}
			req := httptest.NewRequest(tc.method, path, strings.NewReader(body))
			req.Host = tc.host
			for i := 0; i+1 < len(tc.header); i += 2 {
				req.Header.Set(tc.header[i], tc.header[i+1])
			}
			w := httptest.NewRecorder()
			tc.h.ServeHTTP(w, req)
			if w.Code != tc.wantStatus || !strings.Contains(w.Body.String(), tc.wantBody) {
				t.Errorf("%d %s, want %d with %q", w.Code, w.Body.String(), tc.wantStatus, tc.wantBody)
			}
		})
	}
	if b.advanced != time.Minute || b.active["flaky"] {
		t.Errorf("the backend moved the clock %v (want 1m, the dashboard's own call) and activated %v", b.advanced, b.active)
	}
}
