package simulators

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mockauth/mockauth/simulators/autoalert"
	"github.com/mockauth/mockauth/simulators/crmcom"
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

// Issue 31, N6: a client that trickles a large body, or a large request
// proxied to a real service that hangs, holds no place at the heavy gate:
// another client's large login is answered meanwhile (it waited 58 s and
// 118 s).
func TestHostile_HeavyGateNotHeldByATricklerOrAnUpstream(t *testing.T) {
	hang := make(chan struct{})
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-hang
	}))
	t.Cleanup(fake.Close)
	target, _ := url.Parse(fake.URL)
	s, err := Start(Options{Vendors: []string{autoalert.Name, crmcom.Name}, Upstreams: map[string]*url.URL{crmcom.Name: target}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	t.Cleanup(func() { close(hang) }) // first: the proxied request ends, and the stack closes at once
	large := func(n int) string {
		return `{"userName":"demo","password":"demo","pad":"` + strings.Repeat("x", n) + `"}`
	}
	// The trickler: declares a whole 1 MiB (all the room there is to read
	// large bodies on 2 cores), sends 70 KB, then waits; it keeps the room
	// heavyReadTimeout at most.
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL(autoalert.Name), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	body := large(MaxBodyBytes - 100)
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", autoalert.PathAuthenticate, len(body), body[:70<<10])
	// The hanging upstream: a large request to the proxied vendor.
	go func() {
		res, err := s.Client().Post(s.URL(crmcom.Name)+"/crmapi/rest/v2/authentication/token", "application/json", strings.NewReader(large(100<<10)))
		if err == nil {
			res.Body.Close()
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for s.inFlight.Load() != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the trickler and the proxied request are not both in flight (%d)", s.inFlight.Load())
		}
		time.Sleep(time.Millisecond)
	}
	c := &http.Client{Timeout: heavyReadTimeout + 5*time.Second} // it waited 58 s
	res, err := c.Post(s.URL(autoalert.Name)+autoalert.PathAuthenticate, "application/json", strings.NewReader(large(100<<10)))
	if err != nil {
		t.Fatalf("another client's large login while one trickles and one waits on the upstream: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("another client's large login: %d", res.StatusCode)
	}
}
