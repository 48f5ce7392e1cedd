package simulators_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mockauth/mockauth/simulators"
	"github.com/mockauth/mockauth/simulators/autoalert"
	"github.com/mockauth/mockauth/simulators/crmcom"
	"github.com/mockauth/mockauth/simulators/journal"
	"github.com/mockauth/mockauth/simulators/ucontact"
)

// The hostile-traffic suite (issue 21): each test replays a finding with a
// bounded count on loopback and asserts its bound. A few take the issue's
// full figures only under `make soak` (MOCKAUTH_SOAK set): in the gate they
// run a count that still tells a leak from none.

// fatLogins is how many 1 MiB logins TestHostile_FatLoginsDoNotStay sends.
func fatLogins() int {
	if os.Getenv("MOCKAUTH_SOAK") != "" {
		return 2_000
	}
	return 60
}

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// B1: logins with 1 MiB bodies, half good (their token's login name once
// kept the whole body alive), half with the padding in the login name (the
// journal's user field kept it): after them the live heap stays bounded.
func TestHostile_FatLoginsDoNotStay(t *testing.T) {
	n := fatLogins()
	s := start(t, simulators.Options{Vendors: []string{ucontact.Name}})
	c := s.Client()
	pad := strings.Repeat("x", 1<<20-64)
	before := heapInUse()
	for i := range n {
		form := url.Values{"user": {"demo"}, "password": {"demo"}, "pad": {pad}}
		if i%2 == 1 {
			form = url.Values{"user": {pad}, "password": {"demo"}}
		}
		res, err := c.Post(s.URL(ucontact.Name)+ucontact.PathGetUserToken, formCT, strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("login %d: %d", i, res.StatusCode)
		}
	}
	s.Sync()
	after := heapInUse()
	// Kept bodies would grow the heap by about n MiB; the journal's clipped
	// copies (64 KiB of each) and the tokens are far less.
	const bound = 100 << 20
	t.Logf("%d logins of 1 MiB: live heap %d MiB -> %d MiB", n, before>>20, after>>20)
	if after > before+uint64(n)<<20/3 || after > bound {
		t.Fatalf("%d logins of 1 MiB left the live heap at %d MiB (from %d MiB): request bodies are kept", n, after>>20, before>>20)
	}
}

// B4: with a token secret, an ended token stays ended in every spelling of
// its signed id (upper-case, braced, without dashes, a urn, another user's
// prefix), on the replica that ended it.
func TestHostile_EndedTokenReSpelt(t *testing.T) {
	t.Parallel()
	s := start(t, simulators.Options{Vendors: []string{ucontact.Name, crmcom.Name}, TokenSecret: strings.Repeat("s", 40)})
	c := s.Client()
	// uContact: base64(user:uuid).
	tok := strings.Trim(login(t, s, "demo", "demo").body, `"`)
	raw, err := base64.StdEncoding.DecodeString(tok)
	if err != nil {
		t.Fatal(err)
	}
	_, id, _ := strings.Cut(string(raw), ":")
	call := func(tok string) int {
		return send(t, c, http.MethodPost, s.URL(ucontact.Name)+"/Integra/resources/Supervisor/campaignstatus", formCT, "queue=", "Authorization", "Basic "+tok).status
	}
	if got := call(tok); got != 200 {
		t.Fatalf("a fresh token: %d", got)
	}
	send(t, c, http.MethodPost, s.URL(ucontact.Name)+ucontact.PathEndSession, formCT, url.Values{"user": {"demo"}, "token": {tok}}.Encode())
	for _, spelt := range []string{"demo:" + id, "demo:" + strings.ToUpper(id), "demo:{" + id + "}", "demo:" + strings.ReplaceAll(id, "-", ""), "demo:urn:uuid:" + id, "flaky:" + id} {
		if got := call(base64.StdEncoding.EncodeToString([]byte(spelt))); got != 401 {
			t.Errorf("ended uContact token spelt %q: %d, want 401", spelt, got)
		}
	}
	// CRM.COM: 32 upper-case hex digits; lower-case is the same id.
	r := send(t, c, http.MethodPost, s.URL(crmcom.Name)+crmcom.PathToken, "application/json", `{"username":"mpadministrator","password":"1234","organisation":"CRMDEMO"}`)
	var env struct{ Data struct{ Token string } }
	if err := json.Unmarshal([]byte(r.body), &env); err != nil {
		t.Fatal(err)
	}
	send(t, c, http.MethodPost, s.URL(crmcom.Name)+crmcom.PathRelease, "application/json", `{"token":"`+env.Data.Token+`"}`)
	for _, spelt := range []string{env.Data.Token, strings.ToLower(env.Data.Token)} {
		got := send(t, c, http.MethodGet, s.URL(crmcom.Name)+"/crmapi/rest/v2/accounts_receivable/list?token="+spelt, "", "")
		if !strings.Contains(got.body, `"code":"INVALID_TOKEN"`) {
			t.Errorf("released CRM.COM token spelt %q: %s", spelt, got.body)
		}
	}
}

// crmLoginP99 is the p99 of 400 CRM.COM logins in a row: the other
// vendor whose answers a flood must not slow.
func crmLoginP99(t *testing.T, s *simulators.Stack) time.Duration {
	t.Helper()
	c := s.Client()
	var ds []time.Duration
	for range 400 {
		start := time.Now()
		r := send(t, c, http.MethodPost, s.URL(crmcom.Name)+crmcom.PathToken, "application/json", `{"username":"mpadministrator","password":"1234","organisation":"CRMDEMO"}`)
		ds = append(ds, time.Since(start))
		if r.status != 200 {
			t.Fatalf("crmcom login: %d", r.status)
		}
	}
	slices.Sort(ds)
	return ds[len(ds)*99/100]
}

// p99Rounds measures crmcom's login p99 idle and under the load start
// starts, in three rounds one after the other, and returns the median of
// each: one round's p99 rests on its four slowest logins, and a
// collection that falls in it moved a single measure by 4x either way.
func p99Rounds(t *testing.T, s *simulators.Stack, start func() (stop func())) (idle, loaded time.Duration) {
	t.Helper()
	var idles, loads []time.Duration
	for range 3 {
		idles = append(idles, crmLoginP99(t, s))
		stop := start()
		loads = append(loads, crmLoginP99(t, s))
		stop()
	}
	slices.Sort(idles)
	slices.Sort(loads)
	t.Logf("crmcom login p99, three rounds: idle %v, loaded %v", idles, loads)
	return idles[1], loads[1]
}

// flood runs send in each of clients goroutines until the returned stop is
// called (which waits for them).
func flood(clients int, send func(i int)) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				send(c*1_000_000 + i)
			}
		})
	}
	return func() { close(done); wg.Wait() }
}

// withinTwiceIdle checks a p99 measured under a flood against the idle one
// of the same run.
func withinTwiceIdle(t *testing.T, what string, idle, flooded time.Duration) {
	t.Helper()
	t.Logf("crmcom login p99: idle %v, under %s %v (%.2fx)", idle, what, flooded, float64(flooded)/float64(idle))
	if flooded > 2*idle+time.Millisecond {
		t.Errorf("p99 under %s %v is more than twice the idle %v", what, flooded, idle)
	}
}

// B2: a flood of long unknown X-Mockauth-Scenario headers on one vendor
// (eight clients at 7 requests a second, 60 KB each, the load) does
// not slow another vendor: its p99 stays within twice its idle p99,
// measured in the same run. A timing figure, so it runs under `make soak`
// only (MOCKAUTH_SOAK), never in the gate.
func TestHostile_ScenarioHeaderFlood(t *testing.T) {
	if os.Getenv("MOCKAUTH_SOAK") == "" || raceEnabled {
		t.Skip("a timing figure: make soak runs it, without the race detector")
	}
	s := start(t, simulators.Options{Vendors: []string{ucontact.Name, crmcom.Name}})
	c := s.Client()
	name := strings.Repeat("no-such-scenario-", 60_000/17)
	idle, flooded := p99Rounds(t, s, func() (stop func()) {
		return flood(8, func(int) {
			time.Sleep(time.Second / 7)
			req, _ := http.NewRequest(http.MethodPost, s.URL(ucontact.Name)+ucontact.PathGetUserToken, strings.NewReader("user=demo&password=demo"))
			req.Header.Set("Content-Type", formCT)
			req.Header.Set(simulators.HeaderScenario, name)
			if res, err := c.Do(req); err == nil {
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
		})
	})
	withinTwiceIdle(t, "the header flood", idle, flooded)
}

// largeXMLLogin is an AutoAlert login of about 1 MiB: many small elements
// with attributes (the costliest for encoding/xml), unique by n so that no
// verdict is remembered, and the password in clear where the journal's
// cut keeps it.
func largeXMLLogin(n int) string {
	return largeXMLHead + strconv.Itoa(n) + largeXMLTail
}

var largeXMLHead, largeXMLTail = func() (string, string) {
	head := `<AuthenticateRequest xmlns="http://schemas.datacontract.org/2004/07/AutoAlert.API.Models.User" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">` +
		`<password>demo</password><pad n="`
	tail := `"/>` + strings.Repeat(`<x a="1">pad</x>`, (simulators.MaxBodyBytes-400)/16) + `<userName>demo</userName></AuthenticateRequest>`
	return head, tail
}()

// B10: four clients sending 1 MiB XML logins back to back (each body
// unique) do not slow another vendor: its p99 stays within twice idle.
// Large bodies take turns at the heavy gate; the redaction reads only the
// part the journal keeps. A timing figure: make soak only.
func TestHostile_LargeXMLBodies(t *testing.T) {
	if os.Getenv("MOCKAUTH_SOAK") == "" || raceEnabled {
		t.Skip("a timing figure: make soak runs it, without the race detector")
	}
	s := start(t, simulators.Options{Vendors: []string{autoalert.Name, crmcom.Name}})
	c := s.Client()
	var answered atomic.Int64
	var round atomic.Int64
	idle, flooded := p99Rounds(t, s, func() (stop func()) {
		r := round.Add(1)
		return flood(4, func(i int) {
			res, err := c.Post(s.URL(autoalert.Name)+autoalert.PathAuthenticate, "application/xml", strings.NewReader(largeXMLLogin(int(r)<<20+i)))
			if err == nil {
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode == http.StatusOK {
					answered.Add(1)
				}
			}
		})
	})
	if answered.Load() == 0 {
		t.Fatal("no large login was answered 200")
	}
	t.Logf("%d large XML logins answered", answered.Load())
	withinTwiceIdle(t, "four clients of 1 MiB XML logins", idle, flooded)
}

// B10 in the gate: a 1 MiB XML login is answered as any other (one read of
// its body serves Describe and the simulator), and the journal keeps the
// first 64 KiB of it, its password masked, with how much more there was.
func TestHostile_LargeXMLLoginAnsweredAndJournaled(t *testing.T) {
	s := start(t, simulators.Options{Vendors: []string{autoalert.Name}})
	body := largeXMLLogin(7)
	r := send(t, s.Client(), http.MethodPost, s.URL(autoalert.Name)+autoalert.PathAuthenticate, "application/xml", body, "Accept", "application/json")
	var a struct{ Token string }
	if err := json.Unmarshal([]byte(r.body), &a); r.status != 200 || err != nil || a.Token == "" {
		t.Fatalf("1 MiB XML login: %d %q", r.status, r.body)
	}
	s.Sync()
	es := s.Requests(journal.Filter{Vendor: autoalert.Name}, 0)
	if len(es) != 1 {
		t.Fatalf("journal: %d entries", len(es))
	}
	e := es[0]
	if e.User != "demo" || e.Endpoint != autoalert.Authenticate {
		t.Errorf("journaled as %q by %q", e.Endpoint, e.User)
	}
	if !strings.Contains(e.RequestBody, "<password>[redacted]</password>") || strings.Contains(e.RequestBody, "<password>demo") {
		t.Errorf("password in the journal: %.200q", e.RequestBody)
	}
	more := fmt.Sprintf("…[%d bytes more]", len(body)-64<<10)
	if !strings.HasSuffix(e.RequestBody, more) || len(e.RequestBody) > 64<<10+len("[redacted]")+len(more) {
		t.Errorf("journaled body of %d bytes ends %q, want %q", len(e.RequestBody), e.RequestBody[max(0, len(e.RequestBody)-40):], more)
	}
}

// B8: keep-alive clients posting logins back to back while the stack shuts
// down lose no request: each is answered, or refused at dial (never sent).
// Without the drain window, a POST sent on an idle connection as shutdown
// closed it, or dialled into the listener's backlog as it closed, was lost:
// 24 of about 33,800 in the issue; 49 in 20 runs of this test; 104 of
// 118,000 in 15 runs of mockauth serve --drain-window 0.
func TestHostile_KeepAlivePostsAtShutdown(t *testing.T) {
	s, err := simulators.Start(simulators.Options{Vendors: []string{ucontact.Name}, DrainWindow: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var answered, lost atomic.Int64
	var errs sync.Map
	started := make(chan struct{}, 4)
	var clients [4]*http.Client // one keep-alive connection each
	for i := range clients {
		tr := &http.Transport{}
		clients[i] = &http.Client{Transport: tr}
		defer tr.CloseIdleConnections()
	}
	stop := flood(4, func(i int) {
		c := clients[i/1_000_000]
		res, err := c.Post(s.URL(ucontact.Name)+ucontact.PathGetUserToken, formCT, strings.NewReader("user=demo&password=demo"))
		var op *net.OpError
		switch {
		case err != nil && errors.As(err, &op) && op.Op == "dial":
			time.Sleep(time.Millisecond) // refused: the listener has closed
		case err != nil:
			lost.Add(1)
			errs.Store(err.Error(), true)
		default:
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				lost.Add(1)
			} else if answered.Add(1) <= 4 {
				started <- struct{}{}
			}
		}
	})
	for range 4 {
		<-started
	}
	time.Sleep(200 * time.Millisecond) // requests in flight on every connection
	if err := s.Close(); err != nil {
		t.Error(err)
	}
	stop()
	t.Logf("%d logins answered, %d lost", answered.Load(), lost.Load())
	if lost.Load() > 0 {
		errs.Range(func(k, _ any) bool { t.Errorf("lost: %v", k); return true })
	}
}

// secondPassFlood is how many logins the N2 tests send: past one login's
// bound (1,000) in the gate, the figures under make soak.
func secondPassFlood(full int) int {
	if os.Getenv("MOCKAUTH_SOAK") != "" && !raceEnabled {
		return full
	}
	return 1500
}

// Issue 31, N2: one user's flood of logins (20,000 in 5.4 s used to log
// every other user out) ends none of another user's tokens: the flooder
// forgets its own oldest.
func TestHostile_OneUsersFloodLogsNoOneElseOut(t *testing.T) {
	t.Parallel()
	s := start(t, simulators.Options{Vendors: []string{ucontact.Name}})
	victim := strings.Trim(login(t, s, "demo", "demo").body, `"`)
	n := secondPassFlood(25_000)
	var first string
	for i := range n {
		tok := strings.Trim(login(t, s, "supervisor", "supervisor-2024").body, `"`)
		if i == 0 {
			first = tok
		}
	}
	if len(first) < 16 || len(victim) < 16 {
		t.Fatalf("logins: %q, %q", first, victim)
	}
	if !s.ValidToken(ucontact.Name, victim) {
		t.Fatalf("another user's token after %d logins of one user", n)
	}
	if s.ValidToken(ucontact.Name, first) {
		t.Errorf("the flooder's first token outlived %d of its logins (its bound is 1,000)", n)
	}
}

// Issue 31, N2: with signed tokens an ended token used to come back once
// 20,000 later ones were ended; now it stays ended, however many follow.
func TestHostile_EndedTokensNeverComeBack(t *testing.T) {
	t.Parallel()
	s := start(t, simulators.Options{Vendors: []string{ucontact.Name}, TokenSecret: strings.Repeat("s", 40)})
	c := s.Client()
	end := func(tok string) {
		send(t, c, http.MethodPost, s.URL(ucontact.Name)+ucontact.PathEndSession, formCT, url.Values{"user": {"demo"}, "token": {tok}}.Encode())
	}
	first := strings.Trim(login(t, s, "demo", "demo").body, `"`)
	if len(first) < 16 {
		t.Fatalf("login: %q", first)
	}
	end(first)
	n := secondPassFlood(20_001)
	for range n {
		end(strings.Trim(login(t, s, "demo", "demo").body, `"`))
	}
	got := send(t, c, http.MethodPost, s.URL(ucontact.Name)+"/Integra/resources/Supervisor/campaignstatus", formCT, "queue=", "Authorization", "Basic "+first).status
	if got != http.StatusUnauthorized {
		t.Fatalf("the first ended token after %d more were ended: %d, want 401", n, got)
	}
}
