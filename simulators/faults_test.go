package simulators_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mockauth/mockauth/simulators"
	"github.com/mockauth/mockauth/simulators/journal"
	"github.com/mockauth/mockauth/simulators/scenario"
	"github.com/mockauth/mockauth/simulators/ucontact"
)

// Short durations: the faults that wait take them from the scenario.
const testScenarios = `scenarios:
  vendor-error:
    rules:
      - match: {vendor: ucontact}
        fault: {type: vendor-error}
  status:
    rules:
      - match: {vendor: ucontact, endpoint: getUserToken}
        fault: {type: status, status: 503, headers: {Retry-After: "1"}, body: "down\n"}
  delay:
    rules:
      - fault: {type: delay, duration: 150ms}
  uniform:
    rules:
      - when: {probability: 1, seed: 7}
        fault: {type: delay, distribution: uniform, min: 50ms, max: 120ms}
  lognormal:
    rules:
      - fault: {type: delay, distribution: lognormal, median: 60ms, sigma: 0.3}
  dribble:
    rules:
      - fault: {type: dribble, duration: 1200ms, chunks: 4} # 400 ms apart: a busy reader still sees them apart
  reset:
    rules:
      - fault: {type: connection-reset}
  empty:
    rules:
      - fault: {type: EMPTY_RESPONSE}
  malformed:
    rules:
      - fault: {type: malformed-body}
  garbage:
    rules:
      - fault: {type: malformed-body, mode: garbage}
  random:
    rules:
      - fault: {type: random-data-then-close, bytes: 32}
  timeout:
    rules:
      - fault: {type: timeout, duration: 300ms}
  long-timeout:
    rules:
      - fault: {type: timeout, duration: 10m}
  rate-limit:
    rules:
      - fault: {type: rate-limit, retryAfter: 2}
  token-expired:
    rules:
      - match: {endpoint: getUserToken}
        fault: {type: token-expired}
  end-then-lose:
    rules:
      - match: {endpoint: EndSession}
        fault: {type: empty-response, phase: after}
`

func faultStack(t *testing.T, active ...string) *simulators.Stack {
	t.Helper()
	return start(t, simulators.Options{Vendors: []string{ucontact.Name}, Scenarios: []byte(testScenarios), ScenariosName: "test.yaml", Activate: active})
}

// post sends a demo login over a fresh connection and returns what the
// client observed.
func post(s *simulators.Stack, c *http.Client, path, body string) (*http.Response, []byte, error) {
	req, _ := http.NewRequest(http.MethodPost, s.URL(ucontact.Name)+path, strings.NewReader(body))
	req.Header.Set("Content-Type", formCT)
	res, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	return res, data, err
}

func freshClient() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
}

const demoLogin = "user=demo&password=demo"

func TestFault_Answers(t *testing.T) {
	t.Parallel()
	testCases := []struct {
		scenario   string
		wantStatus int
		wantBody   string // exact; "" to skip
		check      func(t *testing.T, res *http.Response, body []byte)
	}{
		{"vendor-error", 200, `"0"`, nil},
		{"status", 503, "down\n", func(t *testing.T, res *http.Response, _ []byte) {
			if res.Header.Get("Retry-After") != "1" {
				t.Errorf("Retry-After = %q", res.Header.Get("Retry-After"))
			}
		}},
		{"rate-limit", 429, "Too Many Requests\n", func(t *testing.T, res *http.Response, _ []byte) {
			if res.Header.Get("Retry-After") != "2" {
				t.Errorf("Retry-After = %q", res.Header.Get("Retry-After"))
			}
		}},
		{"malformed", 200, "", func(t *testing.T, res *http.Response, body []byte) {
			if json.Valid(body) || len(body) == 0 || body[0] != '"' {
				t.Errorf("body %q still parses, or is not the vendor's cut", body)
			}
		}},
		{"garbage", 200, "", func(t *testing.T, res *http.Response, body []byte) {
			if json.Valid(body) || !strings.HasSuffix(string(body), "\x00\xff}<\"") {
				t.Errorf("body %q", body)
			}
		}},
	}
	for _, tc := range testCases {
		t.Run(tc.scenario, func(t *testing.T) {
			s := faultStack(t, tc.scenario)
			res, body, err := post(s, freshClient(), ucontact.PathGetUserToken, demoLogin)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != tc.wantStatus || (tc.wantBody != "" && string(body) != tc.wantBody) {
				t.Fatalf("got %d %q, want %d %q", res.StatusCode, body, tc.wantStatus, tc.wantBody)
			}
			if tc.check != nil {
				tc.check(t, res, body)
			}
			e := lastEntry(t, s)
			if e.Scenario != tc.scenario || e.Rule != 1 || e.Fault == "" || e.Status != tc.wantStatus {
				t.Fatalf("journal: scenario %q rule %d fault %q status %d", e.Scenario, e.Rule, e.Fault, e.Status)
			}
		})
	}
}

func TestFault_BrokenConnections(t *testing.T) {
	t.Parallel()
	testCases := []struct {
		scenario string
		check    func(error) bool
		want     string
	}{
		{"reset", func(err error) bool { return errors.Is(err, syscall.ECONNRESET) }, "connection reset by peer"},
		{"empty", func(err error) bool { return errors.Is(err, io.EOF) }, "EOF"},
		{"random", func(err error) bool { return strings.Contains(err.Error(), "malformed HTTP") }, "malformed HTTP response"},
	}
	for _, tc := range testCases {
		t.Run(tc.scenario, func(t *testing.T) {
			s := faultStack(t, tc.scenario)
			_, _, err := post(s, freshClient(), ucontact.PathGetUserToken, demoLogin)
			if err == nil || !tc.check(err) {
				t.Fatalf("client saw %v, want %s", err, tc.want)
			}
			e := lastEntry(t, s)
			if e.Status != 0 || e.Scenario != tc.scenario {
				t.Fatalf("journal: status %d scenario %q (a broken connection has no status)", e.Status, e.Scenario)
			}
		})
	}
}

func TestFault_ResetIsARealRST(t *testing.T) {
	t.Parallel()
	s := faultStack(t, "reset")
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL(ucontact.Name), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	_, _ = io.WriteString(conn, "POST "+ucontact.PathGetUserToken+" HTTP/1.1\r\nHost: x\r\nContent-Type: "+formCT+"\r\nContent-Length: 23\r\n\r\n"+demoLogin)
	n, err := conn.Read(make([]byte, 64))
	if n != 0 || !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read %d bytes, err %v; want ECONNRESET and nothing", n, err)
	}
}

func TestFault_Delays(t *testing.T) {
	t.Parallel()
	testCases := []struct {
		scenario string
		min, max time.Duration // max is generous: a bound, not a speed target
	}{
		{"delay", 150 * time.Millisecond, 5 * time.Second},
		{"uniform", 50 * time.Millisecond, 5 * time.Second},
		{"lognormal", 10 * time.Millisecond, 5 * time.Second},
	}
	for _, tc := range testCases {
		t.Run(tc.scenario, func(t *testing.T) {
			s := faultStack(t, tc.scenario)
			begin := time.Now()
			res, body, err := post(s, freshClient(), ucontact.PathGetUserToken, demoLogin)
			took := time.Since(begin)
			if err != nil || res.StatusCode != 200 || string(body) == `"0"` {
				t.Fatalf("delayed login: %v %q", err, body)
			}
			if took < tc.min || took > tc.max {
				t.Fatalf("answer after %v, want between %v and %v", took, tc.min, tc.max)
			}
		})
	}
}

func TestFault_DribbleArrivesInChunks(t *testing.T) {
	t.Parallel()
	s := faultStack(t, "dribble")
	req, _ := http.NewRequest(http.MethodPost, s.URL(ucontact.Name)+ucontact.PathAgentLogin, strings.NewReader("agent=1997&password=1997"))
	req.Header.Set("Content-Type", formCT)
	res, err := freshClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var arrivals []time.Time
	var body []byte
	buf := make([]byte, 4096)
	for {
		n, err := res.Body.Read(buf)
		if n > 0 {
			arrivals = append(arrivals, time.Now())
			body = append(body, buf[:n]...)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(arrivals) < 3 {
		t.Fatalf("body came in %d reads, want the 4 chunks spread out", len(arrivals))
	}
	if spread := arrivals[len(arrivals)-1].Sub(arrivals[0]); spread < 600*time.Millisecond {
		t.Fatalf("chunks spread over %v, want about 900ms", spread)
	}
	if !json.Valid(body) || !strings.Contains(string(body), `"accountcode":"Vcisneros"`) {
		t.Fatalf("dribbled body is not the vendor's answer: %s", body)
	}
}

func TestFault_Timeout(t *testing.T) {
	t.Parallel()
	s := faultStack(t, "timeout")
	c := freshClient()
	c.Timeout = 100 * time.Millisecond
	_, _, err := post(s, c, ucontact.PathGetUserToken, demoLogin)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("client saw %v, want its own timeout", err)
	}
	// A patient client gets no answer either: the connection closes after the fault's duration.
	_, _, err = post(s, freshClient(), ucontact.PathGetUserToken, demoLogin)
	if !errors.Is(err, io.EOF) {
		t.Fatalf("patient client saw %v, want EOF", err)
	}
}

func TestFault_TimeoutDoesNotHoldShutdown(t *testing.T) {
	t.Parallel()
	s, err := simulators.Start(simulators.Options{Vendors: []string{ucontact.Name}, Scenarios: []byte(testScenarios), Activate: []string{"long-timeout"}})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, _, err := post(s, freshClient(), ucontact.PathGetUserToken, demoLogin)
		errc <- err
	}()
	eventually(t, 5*time.Second, func() bool { return s.InFlight() > 0 }, "the request never reached the timeout fault")
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(8 * time.Second):
		t.Fatal("Close waited for a 10-minute timeout fault")
	}
	if err := <-errc; err == nil {
		t.Fatal("the held request got an answer")
	}
}

func TestFault_TokenExpired(t *testing.T) {
	t.Parallel()
	s := faultStack(t, "token-expired")
	_, body, err := post(s, freshClient(), ucontact.PathGetUserToken, demoLogin)
	if err != nil || !strings.HasPrefix(string(body), `"`) || string(body) == `"0"` {
		t.Fatalf("login under token-expired: %v %q (the login itself succeeds)", err, body)
	}
	tok := strings.Trim(string(body), `"`)
	req, _ := http.NewRequest(http.MethodPost, s.URL(ucontact.Name)+ucontact.PathAgentLogoff, strings.NewReader("agent=1997"))
	req.Header.Set("Content-Type", formCT)
	req.Header.Set("Authorization", "Basic "+tok)
	res, err := freshClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Fatalf("AgentLogoff with a token minted under token-expired = %d, want 401", res.StatusCode)
	}
}

func TestFault_PhaseAfterCommitsThenLoses(t *testing.T) {
	t.Parallel()
	s := faultStack(t)
	_, body, _ := post(s, freshClient(), ucontact.PathGetUserToken, demoLogin)
	tok := strings.Trim(string(body), `"`)
	if _, err := s.Scenarios().Activate("end-then-lose", 0); err != nil {
		t.Fatal(err)
	}
	_, _, err := post(s, freshClient(), ucontact.PathEndSession, "user=demo&token="+url.QueryEscape(tok))
	if !errors.Is(err, io.EOF) {
		t.Fatalf("EndSession under phase after: %v, want the answer lost (EOF)", err)
	}
	_, _ = s.Scenarios().Deactivate("end-then-lose")
	res, _, err := post(s, freshClient(), ucontact.PathEndSession, "user=demo&token="+url.QueryEscape(tok))
	if err != nil || res.StatusCode != 401 {
		t.Fatalf("retried EndSession = %v %v, want 401: the first one did end the session", res, err)
	}
}

// lastEntry waits for the journal entry of the last request: after a
// broken connection the client can see the break before the server has
// finished journaling it.
func lastEntry(t *testing.T, s *simulators.Stack) journal.Entry {
	t.Helper()
	eventually(t, 5*time.Second, func() bool { return len(s.Requests(journal.Filter{}, 1)) == 1 }, "no journal entry")
	return s.Requests(journal.Filter{}, 1)[0]
}

// At shutdown a fault that waits answers at once: a delay 503 on a closing
// connection (never an empty 200), a dribble the rest of its body (issue
// 21, B8).
func TestFault_ShutdownLosesNoAnswer(t *testing.T) {
	t.Parallel()
	scenarios := "scenarios:\n  slow:\n    rules:\n      - fault: {type: delay, duration: 5m}\n  dribbled:\n    rules:\n      - fault: {type: dribble, duration: 5m, chunks: 5}\n"
	for _, tc := range []struct{ scenario, want string }{{"slow", "503 " + scenario.MsgShuttingDown}, {"dribbled", `200 "`}} {
		t.Run(tc.scenario, func(t *testing.T) {
			t.Parallel()
			s, err := simulators.Start(simulators.Options{Vendors: []string{"ucontact"}, Scenarios: []byte(scenarios), ScenariosName: "t.yaml", Activate: []string{tc.scenario}})
			if err != nil {
				t.Fatal(err)
			}
			type got struct {
				status int
				close  bool
				body   string
				err    error
			}
			done := make(chan got, 1)
			go func() {
				res, err := freshClient().Post(s.URL("ucontact")+"/Integra/resources/auth/getUserToken", "application/x-www-form-urlencoded", strings.NewReader("user=demo&password=demo"))
				if err != nil {
					done <- got{err: err}
					return
				}
				defer res.Body.Close()
				b, err := io.ReadAll(res.Body)
				done <- got{status: res.StatusCode, close: res.Close, body: string(b), err: err}
			}()
			eventually(t, 10*time.Second, func() bool { return s.InFlight() == 1 }, "the request never reached the fault")
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			g := <-done
			if g.err != nil || !strings.HasPrefix(fmt.Sprintf("%d %s", g.status, g.body), tc.want) {
				t.Fatalf("answer at shutdown: %d %q %v, want %q", g.status, g.body, g.err, tc.want)
			}
			if tc.scenario == "slow" && !g.close {
				t.Error("the 503 at shutdown does not close its connection")
			}
			if tc.scenario == "dribbled" && !regexp.MustCompile(`^"[A-Za-z0-9+/]+={0,2}"$`).MatchString(g.body) {
				t.Errorf("the dribbled answer lost bytes: %q", g.body)
			}
		})
	}
}
