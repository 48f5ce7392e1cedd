package simulators_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mockauth/mockauth/fixtures"
	"github.com/mockauth/mockauth/internal/lockedbuf"
	"github.com/mockauth/mockauth/internal/redistest"
	"github.com/mockauth/mockauth/simulators"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// replicas are stacks sharing one Redis, and a round-robin balancer in
// front of each port, as a Kubernetes Service balances.
type replicas struct {
	stacks []*simulators.Stack
	lb     map[string]string // port name ("admin", vendor) → the balancer's URL
}

// startReplicas starts n stacks on the store at url (their keys under
// prefix), each named r0, r1, …
func startReplicas(t *testing.T, storeURL, prefix string, n int) *replicas {
	t.Helper()
	rs := &replicas{lb: map[string]string{}}
	for i := range n {
		rs.stacks = append(rs.stacks, start(t, simulators.Options{State: storeURL, StatePrefix: prefix, Replica: fmt.Sprintf("r%d", i)}))
	}
	for _, name := range append([]string{"admin"}, simulators.VendorNames()...) {
		var targets []*url.URL
		for _, s := range rs.stacks {
			base := s.AdminURL()
			if name != "admin" {
				base = s.URL(name)
			}
			u, err := url.Parse(base)
			if err != nil {
				t.Fatal(err)
			}
			targets = append(targets, u)
		}
		var next atomic.Uint64
		lb := httptest.NewServer(&httputil.ReverseProxy{
			Rewrite: func(r *httputil.ProxyRequest) {
				r.SetURL(targets[next.Add(1)%uint64(len(targets))])
				r.Out.Host = r.In.Host
			},
			// One connection per request: each goes where the balancer
			// sends it, not where a kept-alive connection leads.
			Transport: &http.Transport{DisableKeepAlives: true},
		})
		t.Cleanup(lb.Close)
		rs.lb[name] = lb.URL
	}
	return rs
}

// call is send with the default client, as status and body.
func call(t *testing.T, method, url, contentType, body string, header ...string) (int, string) {
	t.Helper()
	r := send(t, http.DefaultClient, method, url, contentType, body, header...)
	return r.status, r.body
}

const form = "application/x-www-form-urlencoded"

func ucLogin(t *testing.T, base string) (int, string) {
	t.Helper()
	return call(t, http.MethodPost, base+"/Integra/resources/auth/getUserToken", form, "user=demo&password=demo")
}

// ucUse is AgentLogoff with a uContact token: 200 "0"-free when good.
func ucUse(t *testing.T, base, token string) int {
	t.Helper()
	st, _ := call(t, http.MethodPost, base+"/Integra/resources/api/AgentLogoff", form, "agent=1997", "Authorization", "Basic "+token)
	return st
}

// Each point of issue 33's "done when", through the balancer or across
// the replicas, on a real redis-server.
func TestSharedState_TwoReplicasBehaveAsOne(t *testing.T) {
	t.Parallel()
	redis := redistest.Start(t)
	rs := startReplicas(t, redis.URL, "done-when:", 2)
	a, b := rs.stacks[0], rs.stacks[1]
	admin, uc := rs.lb["admin"], rs.lb["ucontact"]

	t.Run("a scenario switched through the balancer faults 10 of 10", func(t *testing.T) {
		if st, body := call(t, http.MethodPut, admin+"/__admin/scenarios/ucontact-unavailable", "", ""); st != http.StatusOK {
			t.Fatalf("activate: %d %s", st, body)
		}
		faulted := 0
		for range 10 {
			if st, _ := ucLogin(t, uc); st == http.StatusServiceUnavailable {
				faulted++
			}
		}
		if faulted != 10 {
			t.Fatalf("%d of 10 logins faulted; want 10", faulted)
		}
		if st, body := call(t, http.MethodDelete, admin+"/__admin/scenarios/ucontact-unavailable", "", ""); st != http.StatusOK {
			t.Fatalf("deactivate: %d %s", st, body)
		}
		if st, _ := ucLogin(t, uc); st != http.StatusOK {
			t.Fatalf("after switching it off: %d", st)
		}
	})

	t.Run("ucontact-flaky gives exactly two 503s in 8 logins", func(t *testing.T) {
		if st, body := call(t, http.MethodPut, admin+"/__admin/scenarios/ucontact-flaky", "", ""); st != http.StatusOK {
			t.Fatalf("activate: %d %s", st, body)
		}
		var got []int
		for range 8 {
			st, _ := ucLogin(t, uc)
			got = append(got, st)
		}
		n := 0
		for _, st := range got {
			if st == http.StatusServiceUnavailable {
				n++
			}
		}
		if n != 2 || got[0] != 503 || got[1] != 503 {
			t.Fatalf("statuses %v: want two 503s first, then 200s", got)
		}
		call(t, http.MethodDelete, admin+"/__admin/scenarios", "", "")
	})

	t.Run("a token ended on one replica is refused by the other", func(t *testing.T) {
		_, tok := ucLogin(t, a.URL("ucontact"))
		tok = strings.Trim(tok, `"`)
		if st := ucUse(t, b.URL("ucontact"), tok); st != http.StatusOK {
			t.Fatalf("the other replica refuses a good token: %d", st)
		}
		if st, body := call(t, http.MethodPost, b.URL("ucontact")+"/Integra/resources/auth/EndSession", form, "user=demo&token="+url.QueryEscape(tok)); st != http.StatusOK {
			t.Fatalf("EndSession on b: %d %s", st, body)
		}
		if st := ucUse(t, a.URL("ucontact"), tok); st != http.StatusUnauthorized {
			t.Fatalf("a honours a token b ended: %d", st)
		}
	})

	t.Run("a clock advance on one expires tokens on the other", func(t *testing.T) {
		_, tok := ucLogin(t, b.URL("ucontact"))
		tok = strings.Trim(tok, `"`)
		if st, body := call(t, http.MethodPost, a.AdminURL()+"/__admin/clock", "application/json", `{"advance":"2h"}`); st != http.StatusOK {
			t.Fatalf("advance: %d %s", st, body)
		}
		if off := b.Clock().Offset(); off != 2*time.Hour {
			t.Fatalf("b's clock is %v ahead; want 2h", off)
		}
		if st := ucUse(t, b.URL("ucontact"), tok); st != http.StatusUnauthorized {
			t.Fatalf("b honours its own token after a's 2h advance: %d", st)
		}
	})

	t.Run("the journal of either lists a request the other served", func(t *testing.T) {
		marker := "journal-marker-" + fmt.Sprint(time.Now().UnixNano())
		call(t, http.MethodPost, a.URL("ucontact")+"/Integra/resources/auth/getUserToken", form, "user="+marker+"&password=x")
		// At once: a read asks every replica for its new entries first.
		_, body := call(t, http.MethodGet, b.AdminURL()+"/__admin/requests?vendor=ucontact", "", "")
		var got struct {
			Requests []struct{ User, Replica, RequestBody string }
		}
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatal(err)
		}
		found := 0
		for _, e := range got.Requests {
			if e.User == marker {
				found++
				if e.Replica != "r0" || strings.Contains(e.RequestBody, "password=x") {
					t.Fatalf("the entry names replica %q, body %q; want r0, the password redacted", e.Replica, e.RequestBody)
				}
			}
		}
		if found != 1 {
			t.Fatalf("b's journal lists the request a served %d times; want once:\n%s", found, body)
		}
	})

	t.Run("Exotel credentials registered on one log in on the other", func(t *testing.T) {
		demo := vendorDemo(t, a, "exotel")
		body := `{"username":"shared-user","password":"shared-pass","context":"ContactCenter","contextId":"1","userRole":"Administrator"}`
		if st, resp := call(t, http.MethodPost, a.URL("exotel")+"/configuration/basicauth", "application/json", body, "Authorization", "Bearer "+demo["adminToken"]); st != http.StatusCreated {
			t.Fatalf("register on a: %d %s", st, resp)
		}
		basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("shared-user:shared-pass"))
		if st, resp := call(t, http.MethodGet, b.URL("exotel")+"/configuration/whoami", "", "", "Authorization", basic); st != http.StatusOK {
			t.Fatalf("the credential on b: %d %s", st, resp)
		}
		if st, _ := call(t, http.MethodPost, b.URL("exotel")+"/configuration/basicauth", "application/json", body, "Authorization", "Bearer "+demo["adminToken"]); st != http.StatusConflict {
			t.Fatalf("registering it again on b: %d; want 409", st)
		}
	})

	t.Run("a stub added on one answers on the other", func(t *testing.T) {
		stub := "method: GET\npath: /Integra/resources/api/Shared\nauth: none\nresponse: {body: shared}\n"
		if st, body := call(t, http.MethodPut, a.AdminURL()+"/__admin/stubs/ucontact/shared", "application/yaml", stub); st/100 != 2 {
			t.Fatalf("put stub: %d %s", st, body)
		}
		if st, body := call(t, http.MethodGet, b.URL("ucontact")+"/Integra/resources/api/Shared", "", ""); st != http.StatusOK || body != "shared" {
			t.Fatalf("the stub on b: %d %q", st, body)
		}
	})

	t.Run("a reset through one resets both", func(t *testing.T) {
		call(t, http.MethodPut, admin+"/__admin/scenarios/ucontact-unavailable", "", "")
		if st, body := call(t, http.MethodPost, a.AdminURL()+"/__admin/reset", "application/json", ""); st != http.StatusOK {
			t.Fatalf("reset: %d %s", st, body)
		}
		if off := b.Clock().Offset(); off != 0 {
			t.Fatalf("b's clock after a's reset: %v ahead", off)
		}
		if active := b.Scenarios().ActiveNames(); len(active) != 0 {
			t.Fatalf("b's active scenarios after a's reset: %v", active)
		}
	})
}

// vendorDemo is a vendor's demo logins, as GET /__admin/vendors gives them.
func vendorDemo(t *testing.T, s *simulators.Stack, name string) map[string]string {
	t.Helper()
	vs, err := s.Vendors()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if v.Name == name {
			return v.Demo
		}
	}
	t.Fatalf("no vendor %s", name)
	return nil
}

// crmcomIdle is CRM.COM's fixture with tokens that expire after an idle
// hour (R7–R11).
func crmcomIdle(t *testing.T) vendor.File {
	t.Helper()
	_, data, err := fixtures.Default("crmcom")
	if err != nil {
		t.Fatal(err)
	}
	idle := strings.Replace(string(data), "tokens: hour-from-issue", "tokens: hour-idle", 1)
	if idle == string(data) {
		t.Fatal("crmcom.yaml no longer says tokens: hour-from-issue")
	}
	return vendor.File{Name: "crmcom.yaml", Data: []byte(idle)}
}

// The rest of point 1: every vendor's ends, CRM.COM's last use, a
// per-request selection's budget and an end-sessions fault, shared.
func TestSharedState_EndsUsesAndBudgets(t *testing.T) {
	t.Parallel()
	redis := redistest.Start(t)
	const scenarios = `scenarios:
  second-login-ends-the-first:
    description: the second uContact login of a user ends its other sessions
    rules:
      - match: {vendor: ucontact, endpoint: getUserToken}
        when: {nth: [2]}
        fault: {type: end-sessions}
`
	var stacks []*simulators.Stack
	for i := range 2 {
		stacks = append(stacks, start(t, simulators.Options{State: redis.URL, StatePrefix: "ends:", Replica: fmt.Sprintf("r%d", i),
			Fixtures: map[string]vendor.File{"crmcom": crmcomIdle(t)}, Scenarios: []byte(scenarios), ScenariosName: "test.yaml"}))
	}
	a, b := stacks[0], stacks[1]

	t.Run("CRM.COM: released on one, refused on the other", func(t *testing.T) {
		tok := crmLogin(t, a)
		if st, body := call(t, http.MethodPost, b.URL("crmcom")+"/crmapi/rest/v2/authentication/token/release", "application/json", `{"token":"`+tok+`"}`); st != http.StatusOK || !strings.Contains(body, `"code":"OK"`) {
			t.Fatalf("release on b: %d %s", st, body)
		}
		if code := crmShow(t, a, tok); code != "INVALID_TOKEN" {
			t.Fatalf("a after b released it: %s", code)
		}
	})

	t.Run("CRM.COM: an idle hour counts from the last use on any replica", func(t *testing.T) {
		tok := crmLogin(t, a)
		advance(t, a, "50m")
		if code := crmShow(t, b, tok); code != "OK" {
			t.Fatalf("b, 50 minutes after login: %s", code)
		}
		advance(t, a, "50m") // 100 minutes from login, 50 from b's use
		deadline := time.Now().Add(5 * time.Second)
		for !a.ValidToken("crmcom", tok) {
			if time.Now().After(deadline) {
				t.Fatal("a counts the idle hour from login: b's use never reached it")
			}
			time.Sleep(10 * time.Millisecond)
		}
		if code := crmShow(t, a, tok); code != "OK" {
			t.Fatalf("a, 50 minutes after b's use: %s", code)
		}
	})

	t.Run("AutoAlert: logged off on one in another spelling, refused on the other", func(t *testing.T) {
		_, body := call(t, http.MethodPost, a.URL("autoalert")+"/User/authenticate", "application/json", `{"userName":"demo","password":"demo"}`)
		var got struct{ Token string }
		if err := json.Unmarshal([]byte(body), &got); err != nil || got.Token == "" {
			t.Fatalf("login: %s", body)
		}
		respelt := "{" + strings.ToUpper(got.Token) + "}"
		if st, body := call(t, http.MethodPost, b.URL("autoalert")+"/User/logoff", "application/json", `{"token":"`+respelt+`"}`); st != http.StatusOK {
			t.Fatalf("logoff on b: %d %s", st, body)
		}
		if st, _ := call(t, http.MethodPost, a.URL("autoalert")+"/User/getusers", "application/json", `{"token":"`+got.Token+`"}`); st != http.StatusUnauthorized {
			t.Fatalf("a after b logged it off: %d", st)
		}
	})

	t.Run("a scenario named per request counts across replicas", func(t *testing.T) {
		n := 0
		for i := range 8 {
			s := stacks[i%2]
			st, _ := call(t, http.MethodPost, s.URL("ucontact")+"/Integra/resources/auth/getUserToken", form, "user=demo&password=demo", "X-Mockauth-Scenario", "ucontact-flaky")
			if st == http.StatusServiceUnavailable {
				n++
			}
		}
		if n != 2 {
			t.Fatalf("%d of 8 logins faulted; want 2", n)
		}
	})

	t.Run("an end-sessions fault on one ends the login's tokens on both", func(t *testing.T) {
		if _, err := a.Scenarios().Activate("second-login-ends-the-first", 0); err != nil {
			t.Fatal(err)
		}
		_, first := ucLogin(t, b.URL("ucontact"))
		first = strings.Trim(first, `"`)
		if st, _ := ucLogin(t, a.URL("ucontact")); st != http.StatusOK {
			t.Fatalf("second login: %d", st)
		}
		for _, s := range stacks {
			if st := ucUse(t, s.URL("ucontact"), first); st != http.StatusUnauthorized {
				t.Fatalf("the first session after the second login ended it: %d", st)
			}
		}
	})
}

func advance(t *testing.T, s *simulators.Stack, by string) {
	t.Helper()
	if st, body := call(t, http.MethodPost, s.AdminURL()+"/__admin/clock", "application/json", `{"advance":"`+by+`"}`); st != http.StatusOK {
		t.Fatalf("advance %s: %d %s", by, st, body)
	}
}

func crmLogin(t *testing.T, s *simulators.Stack) string {
	t.Helper()
	_, body := call(t, http.MethodPost, s.URL("crmcom")+"/crmapi/rest/v2/authentication/token", "application/json", `{"username":"mpadministrator","password":"1234","organisation":"CRMDEMO"}`)
	var got struct{ Data struct{ Token string } }
	if err := json.Unmarshal([]byte(body), &got); err != nil || got.Data.Token == "" {
		t.Fatalf("CRM.COM login: %s", body)
	}
	return got.Data.Token
}

// crmShow is the status code of a CRM.COM call with the token.
func crmShow(t *testing.T, s *simulators.Stack, tok string) string {
	t.Helper()
	_, body := call(t, http.MethodGet, s.URL("crmcom")+"/crmapi/rest/v2/contact_information/show?contact_information_identifier=id%3D8A2C3E4F5061728394A5B6C7D8E9F001&token="+tok, "", "")
	var got struct{ Status struct{ Code string } }
	_ = json.Unmarshal([]byte(body), &got)
	return got.Status.Code
}

// The store lost while serving, and back: health is not ready (but
// alive), changes are refused with 503 and the reason, the vendors keep
// the state last read, and the replica reads the store again when it
// returns.
func TestSharedState_StoreLostAndBack(t *testing.T) {
	t.Parallel()
	redis := redistest.Start(t)
	log := &lockedbuf.Buffer{}
	s := start(t, simulators.Options{State: redis.URL, Replica: "lonely", Logger: slog.New(slog.NewTextHandler(log, nil))})
	if _, err := s.Scenarios().Activate("ucontact-unavailable", 0); err != nil {
		t.Fatal(err)
	}
	redis.Kill()

	waitFor(t, "health to say the store is lost", func() bool {
		st, _ := call(t, http.MethodGet, s.AdminURL()+"/__admin/health", "", "")
		return st == http.StatusServiceUnavailable
	})
	st, body := call(t, http.MethodGet, s.AdminURL()+"/__admin/health", "", "")
	if !strings.Contains(body, "shared state redis://127.0.0.1:") || !strings.Contains(body, "changes are refused") {
		t.Fatalf("health while lost: %d %s", st, body)
	}
	st, body = call(t, http.MethodGet, s.AdminURL()+"/__admin/health/live", "", "")
	var live struct{ State struct{ Connected *bool } }
	if err := json.Unmarshal([]byte(body), &live); st != http.StatusOK || err != nil || live.State.Connected == nil || *live.State.Connected {
		t.Fatalf("liveness while lost: %d %s", st, body)
	}
	if st, body := call(t, http.MethodPut, s.AdminURL()+"/__admin/scenarios/ucontact-slow", "", ""); st != http.StatusServiceUnavailable || !strings.Contains(body, "shared state unavailable") {
		t.Fatalf("a change while lost: %d %s", st, body)
	}
	if st, _ := ucLogin(t, s.URL("ucontact")); st != http.StatusServiceUnavailable {
		t.Fatalf("the vendor forgot the active scenario while the store was lost: %d", st)
	}
	if !strings.Contains(log.String(), "shared state lost") {
		t.Fatalf("the log does not say the store was lost:\n%s", log)
	}

	redis.Restart() // empty: the replica follows what the store holds now
	waitFor(t, "health to be ready again", func() bool {
		st, _ := call(t, http.MethodGet, s.AdminURL()+"/__admin/health", "", "")
		return st == http.StatusOK
	})
	waitFor(t, "the replica to read the store again", func() bool { return len(s.Scenarios().ActiveNames()) == 0 })
	if st, body := call(t, http.MethodPut, s.AdminURL()+"/__admin/scenarios/ucontact-slow", "", ""); st != http.StatusOK {
		t.Fatalf("a change after the store came back: %d %s", st, body)
	}
	if !strings.Contains(log.String(), "stale_for=") {
		t.Fatalf("the log does not say how stale the replica was:\n%s", log)
	}
}

// A store that does not answer at start stops the start, naming it.
func TestSharedState_UnreachableAtStart(t *testing.T) {
	t.Parallel()
	_, err := simulators.Start(simulators.Options{State: "redis://:secret-pw@127.0.0.1:1/0"})
	if err == nil || !strings.Contains(err.Error(), "redis://:xxxxx@127.0.0.1:1/0") || strings.Contains(err.Error(), "secret-pw") {
		t.Fatalf("start with an unreachable store: %v", err)
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 15s for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A store that requires a password: the password from a file works, a
// wrong one stops the start naming the store, never the password.
func TestSharedState_Password(t *testing.T) {
	t.Parallel()
	redis := redistest.StartWithPassword(t, "a-password-from-a-random-source-4711")
	dir := t.TempDir()
	file := func(pw string) string {
		p := dir + "/" + fmt.Sprint(len(pw))
		if err := os.WriteFile(p, []byte(pw+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	s := start(t, simulators.Options{State: redis.URL, StatePasswordFile: file(redis.Password)})
	if h, ok := s.StateHealth(); !ok || !h.Connected {
		t.Fatalf("with the password: %+v", h)
	}
	_, err := simulators.Start(simulators.Options{State: redis.URL, StatePasswordFile: file("wrong-password")})
	if err == nil || !strings.Contains(err.Error(), redis.URL) || strings.Contains(err.Error(), "wrong-password") {
		t.Fatalf("with a wrong password: %v", err)
	}
	withURL := strings.Replace(redis.URL, "redis://", "redis://:"+redis.Password+"@", 1)
	if _, err := simulators.Start(simulators.Options{State: strings.Replace(withURL, redis.Password, "nope-nope", 1)}); err == nil || strings.Contains(err.Error(), "nope-nope") {
		t.Fatalf("a wrong password in the URL: %v (it must not be shown)", err)
	}
	s2 := start(t, simulators.Options{State: withURL})
	if h, _ := s2.StateHealth(); strings.Contains(h.URL, redis.Password) {
		t.Fatalf("health shows the password: %s", h.URL)
	}
}
