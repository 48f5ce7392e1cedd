package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"
)

// wantIdle is the figure: the admin API answers while this many
// idle keep-alive connections are open (issue 21, B3).
const wantIdle = 10_000

// idleBudget is how many connections this process may open: the figure,
// or fewer where the machine's descriptor limit (raised to its hard
// limit) leaves no room, which the test says.
func idleBudget(t *testing.T) int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
		_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	n := min(wantIdle, int(lim.Cur)-512)
	if n < wantIdle {
		t.Logf("descriptor limit %d: %d idle connections instead of %d", lim.Cur, n, wantIdle)
	}
	return n
}

// keepAlive opens a connection, asks for health once and leaves the
// connection open, idle.
func keepAlive(addr string) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := fmt.Fprintf(c, "GET /__admin/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"); err != nil {
		c.Close()
		return nil, err
	}
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	res.Body.Close()
	return c, nil
}

func TestServe_HealthAnswersAmongIdleConnections(t *testing.T) {
	n := idleBudget(t)
	s := startServer(t)
	defer s.stop(t, syscall.SIGTERM)
	addr := s.url(0, "http")[len("http://"):]
	conns := make([]net.Conn, n)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < n; i += 8 {
				c, err := keepAlive(addr)
				if err != nil {
					errs <- fmt.Errorf("connection %d: %w", i, err)
					return
				}
				conns[i] = c
			}
		})
	}
	wg.Wait()
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	res, err := (&http.Client{Timeout: 5 * time.Second}).Get(s.url(0, "http") + "/__admin/health")
	if err != nil {
		t.Fatalf("health with %d idle connections open: %v", n, err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("health with %d idle connections open: %d", n, res.StatusCode)
	}
}
