package simulators

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mockauth/mockauth/simulators/autoalert"
	"github.com/mockauth/mockauth/simulators/scenario"
)

// With every place at the heavy gate taken, a small login is answered at
// once, a large one waits, and the stack's shutdown answers the waiting
// one 503 with Connection: close (never an empty answer).
func TestHeavyGate_SmallPassLargeWaitUntilShutdown(t *testing.T) {
	s, err := Start(Options{Vendors: []string{autoalert.Name}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	for range cap(s.heavy) {
		s.heavy <- struct{}{}
	}
	c := s.Client()
	url := s.URL(autoalert.Name) + autoalert.PathAuthenticate
	res, err := c.Post(url, "application/json", strings.NewReader(`{"userName":"demo","password":"demo"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("small login with the gate full: %d", res.StatusCode)
	}

	type result struct {
		status int
		closed bool // Connection: close
		body   string
		err    error
	}
	got := make(chan result, 1)
	large := `{"userName":"demo","password":"demo","pad":"` + strings.Repeat("x", heavyBody) + `"}`
	go func() {
		res, err := c.Post(url, "application/json", strings.NewReader(large))
		if err != nil {
			got <- result{err: err}
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		got <- result{status: res.StatusCode, closed: res.Close, body: string(b)}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for s.inFlight.Load() != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the large login never reached the gate")
		}
		time.Sleep(time.Millisecond)
	}
	select {
	case r := <-got:
		t.Fatalf("the large login was answered with the gate full: %+v", r)
	case <-time.After(50 * time.Millisecond):
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	r := <-got
	if r.err != nil || r.status != http.StatusServiceUnavailable || !r.closed || r.body != scenario.MsgShuttingDown {
		t.Fatalf("large login at shutdown: %+v", r)
	}
}
