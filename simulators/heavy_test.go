package simulators

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mockauth/mockauth/simulators/autoalert"
	"github.com/mockauth/mockauth/simulators/crmcom"
	"github.com/mockauth/mockauth/simulators/internal/pipeline"
)

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
	// pipeline.HeavyReadTimeout at most.
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
	for s.InFlight() != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the trickler and the proxied request are not both in flight (%d)", s.InFlight())
		}
		time.Sleep(time.Millisecond)
	}
	c := &http.Client{Timeout: pipeline.HeavyReadTimeout + 5*time.Second} // it waited 58 s
	res, err := c.Post(s.URL(autoalert.Name)+autoalert.PathAuthenticate, "application/json", strings.NewReader(large(100<<10)))
	if err != nil {
		t.Fatalf("another client's large login while one trickles and one waits on the upstream: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("another client's large login: %d", res.StatusCode)
	}
}
