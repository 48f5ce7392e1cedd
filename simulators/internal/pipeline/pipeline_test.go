package pipeline

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mockauth/mockauth/simulators/autoalert"
	"github.com/mockauth/mockauth/simulators/journal"
	"github.com/mockauth/mockauth/simulators/scenario"
	"github.com/mockauth/mockauth/simulators/ucontact"
	"github.com/mockauth/mockauth/simulators/upstream"
)

const form = "application/x-www-form-urlencoded"

// blockingListener holds every exchange until released: what the client
// has by then was sent before the listeners ran.
type blockingListener struct {
	release chan struct{}
	seen    chan journal.Entry
}

func (l blockingListener) Finished(f *Finished) {
	l.seen <- f.Entry
	<-l.release
}

// The answer is written and flushed before any listener runs: a client
// reads it whole while a listener still holds the exchange, and a reader
// of the journal (Sync) waits for that listener.
func TestPipeline_AnswerBeforeListeners(t *testing.T) {
	t.Parallel()
	l := blockingListener{release: make(chan struct{}), seen: make(chan journal.Entry, 1)}
	r := newRig(t, ucontact.Spec, func(_ *SharedConfig, c *Config) { c.Listeners = []Listener{l} })
	res, body := r.post(t, ucontact.PathGetUserToken, form, "user=demo&password=demo") // returns while the listener holds
	if res.StatusCode != 200 || !strings.HasPrefix(body, `"`) || res.ContentLength != int64(len(body)) {
		t.Fatalf("login: %d %q (Content-Length %d)", res.StatusCode, body, res.ContentLength)
	}
	e := <-l.seen
	if e.ID == 0 || e.Endpoint != "getUserToken" || e.Outcome != journal.OutcomeLoginOK {
		t.Fatalf("the listener was given %+v", e)
	}
	synced := make(chan struct{})
	go func() { r.sh.Sync(); close(synced) }()
	select {
	case <-synced:
		t.Fatal("Sync returned while a listener of an answered exchange still ran")
	case <-time.After(20 * time.Millisecond):
	}
	close(l.release)
	<-synced
}

// Every exchange a client was answered is in the journal when it then
// asks, however many were answered at once.
func TestPipeline_SyncSeesEveryAnsweredExchange(t *testing.T) {
	t.Parallel()
	r := newRig(t, ucontact.Spec, nil)
	const n = 64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range n / 8 {
				r.post(t, ucontact.PathGetUserToken, form, "user=demo&password=demo")
			}
		})
	}
	wg.Wait()
	entries := r.entries()
	if len(entries) != n {
		t.Fatalf("journal: %d entries, want %d", len(entries), n)
	}
	for _, e := range entries {
		if strings.Contains(e.RequestBody, "password=demo") || e.Status != 200 {
			t.Fatalf("entry %+v", e)
		}
	}
}

// The two generations of settling: a wait covers what began before it,
// not what begins after.
func TestSettling(t *testing.T) {
	t.Parallel()
	var s settling
	s.init()
	before := s.begin()
	waited := make(chan struct{})
	go func() { s.wait(); close(waited) }()
	deadline := time.Now().Add(10 * time.Second)
	for s.gen.Load() == before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond) // until the wait has swapped generations
	}
	after := s.begin() // begun after the wait started: not waited for
	select {
	case <-waited:
		t.Fatal("the wait ended before an exchange begun earlier")
	case <-time.After(20 * time.Millisecond):
	}
	s.end(before)
	select {
	case <-waited:
	case <-time.After(10 * time.Second):
		t.Fatal("the wait did not end when the earlier exchange did")
	}
	s.end(after)
	s.wait()
}

// A fault answers the same whoever would have answered: the simulator, a
// stub, or the real service (proxy mode).
func TestResponders_FaultsAlike(t *testing.T) {
	t.Parallel()
	real := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
		fmt.Fprint(w, `"cmVhbDo0OTExZWM4OS00OTQ2LTQwYzctYTMzNC1iNzMwNjk3MjNmODE="`)
	})
	modes := map[string]func(*SharedConfig, *Config){
		"simulated": nil,
		"stubbed":   nil, // a stub put below
		"upstream": func(_ *SharedConfig, c *Config) {
			c.Proxy = &Proxy{Handler: real, Drift: upstream.NewDrift(slog.New(slog.NewTextHandler(io.Discard, nil))),
				Budget: upstream.NewBudget(upstream.DefaultBudget)}
		},
	}
	for mode, change := range modes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, ucontact.Spec, change)
			path, body := ucontact.PathGetUserToken, "user=demo&password=demo"
			if mode == "stubbed" {
				path, body = "/Integra/resources/extra/ping", ""
				if _, _, err := r.p.PutStub("ping", []byte("method: POST\npath: "+path+"\nauth: none\nresponse: {status: 200, body: pong}\n")); err != nil {
					t.Fatal(err)
				}
			}
			res, got := r.post(t, path, form, body)
			if e := r.entries()[0]; res.StatusCode != 200 || e.Upstream != (mode == "upstream") || (e.Stub != "") != (mode == "stubbed") {
				t.Fatalf("without a fault: %d %q, journaled %+v", res.StatusCode, got, e)
			}
			res, got = r.post(t, path, form, body, HeaderScenario, "down")
			if res.StatusCode != 503 || got != "down\n" {
				t.Fatalf("fault down: %d %q", res.StatusCode, got)
			}
			e := r.entries()[0]
			if e.Outcome != journal.OutcomeFault || e.Scenario != "down" || e.Status != 503 || (e.Stub != "") != (mode == "stubbed") {
				t.Fatalf("journal of the fault: %+v", e)
			}
		})
	}
}

// With every place at the heavy gate taken, a small login is answered at
// once, a large one waits, and the shutdown answers the waiting one 503
// with Connection: close (never an empty answer).
func TestHeavyGate_SmallPassLargeWaitUntilShutdown(t *testing.T) {
	t.Parallel()
	r := newRig(t, autoalert.Spec, nil)
	for range cap(r.sh.gate) {
		r.sh.gate <- struct{}{}
	}
	if res, _ := r.post(t, autoalert.PathAuthenticate, "application/json", `{"userName":"demo","password":"demo"}`); res.StatusCode != 200 {
		t.Fatalf("small login with the gate full: %d", res.StatusCode)
	}
	type result struct {
		status int
		closed bool
		body   string
	}
	got := make(chan result, 1)
	go func() {
		res, body := r.post(t, autoalert.PathAuthenticate, "application/json", `{"userName":"demo","password":"demo","pad":"`+strings.Repeat("x", heavyBody)+`"}`)
		got <- result{res.StatusCode, res.Close, body}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for r.sh.InFlight() != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the large login never reached the gate")
		}
		time.Sleep(time.Millisecond)
	}
	select {
	case res := <-got:
		t.Fatalf("the large login was answered with the gate full: %+v", res)
	case <-time.After(50 * time.Millisecond):
	}
	close(r.done) // the stack stops
	r.done = make(chan struct{})
	if res := <-got; res.status != http.StatusServiceUnavailable || !res.closed || res.body != scenario.MsgShuttingDown {
		t.Fatalf("large login at shutdown: %+v", res)
	}
}

// In proxy mode a request no documented operation takes gets the real
// service's answer as it came: its near misses go in the journal, not in
// a header of that answer.
func TestUpstream_NearMissNotAddedToTheRealAnswer(t *testing.T) {
	t.Parallel()
	real := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"real":true}`)
	})
	r := newRig(t, ucontact.Spec, func(_ *SharedConfig, c *Config) {
		c.Proxy = &Proxy{Handler: real, Drift: upstream.NewDrift(slog.New(slog.NewTextHandler(io.Discard, nil))),
			Budget: upstream.NewBudget(upstream.DefaultBudget)}
	})
	res, body := r.post(t, "/Integra/resources/nope", form, "")
	if res.StatusCode != 200 || body != `{"real":true}` || res.Header.Get(HeaderDiagnosis) != "" {
		t.Fatalf("the real answer: %d %q, diagnosis header %q", res.StatusCode, body, res.Header.Get(HeaderDiagnosis))
	}
	if e := r.entries()[0]; !e.Unmatched || e.Diagnosis == "" || !e.Upstream {
		t.Fatalf("journal: %+v", e)
	}
}
