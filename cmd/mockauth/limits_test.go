package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mockauth/mockauth/simulators"
)

// wantIdle is the figure: the admin API answers, and the server
// stays within the deployment's memory limit, while this many idle
// keep-alive connections are open on the vendor ports (issue 21, B3;
// issue 31, N5).
const wantIdle = 6_000

// deployLimit is the memory limit of deploy/deployment.yaml.
const deployLimit = 128 << 20

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

// procBytes reads a size of a process's /proc status: VmRSS (resident
// now) or VmHWM (its peak).
func procBytes(t *testing.T, pid int, field string) int {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			var kb int
			fmt.Sscanf(strings.TrimSpace(rest), "%d", &kb)
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

func TestServe_HealthAnswersAmongIdleConnections(t *testing.T) {
	n := idleBudget(t)
	s := startServer(t)
	defer s.stop(t, syscall.SIGTERM)
	// Every connection sends one request; those a port holds open (up to
	// its bound) are answered and stay, idle, kept alive; the rest wait
	// in the accept queue.
	conns := make([]net.Conn, n)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	var wg sync.WaitGroup
	var mu sync.Mutex
	answered, dialErrs := 0, 0
	for w := range 16 {
		wg.Go(func() {
			for i := w; i < n; i += 16 {
				addr := s.url(1+i%4, "http")[len("http://"):]
				c, err := net.DialTimeout("tcp", addr, 5*time.Second)
				if err != nil {
					mu.Lock()
					dialErrs++
					mu.Unlock()
					continue
				}
				conns[i] = c
				_, _ = fmt.Fprintf(c, "GET /nothing HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
			}
		})
	}
	wg.Wait()
	for _, c := range conns {
		if c == nil {
			continue
		}
		wg.Go(func() {
			_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
			if res, err := http.ReadResponse(bufio.NewReader(c), nil); err == nil {
				res.Body.Close()
				mu.Lock()
				answered++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	t.Logf("%d connections to the vendor ports (%d refused): %d answered and held open (bound %d a port), the rest waiting", n, dialErrs, answered, simulators.DefaultMaxConns)
	if answered > 4*simulators.DefaultMaxConns {
		t.Errorf("%d connections held open: the vendor ports' bound is 4 × %d", answered, simulators.DefaultMaxConns)
	}
	res, err := (&http.Client{Timeout: 5 * time.Second}).Get(s.url(0, "http") + "/__admin/health")
	if err != nil {
		t.Fatalf("health with %d idle connections open: %v", n, err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("health with %d idle connections open: %d", n, res.StatusCode)
	}
	if got := procBytes(t, s.cmd.Process.Pid, "VmRSS"); got > deployLimit {
		t.Errorf("RSS %d MiB with %d idle connections: the deployment's limit is %d MiB", got>>20, n, deployLimit>>20)
	} else {
		t.Logf("RSS %.1f MiB with %d idle connections", float64(got)/(1<<20), n)
	}
}

// Issue 31, N4: 64 concurrent 8 MiB answers of a real service, through
// the proxy, keep the server under 256 MiB at its peak (it reached 1 GiB):
// each is passed whole, or answered 503 with Retry-After at once when the
// stack holds as many answers as it may.
func TestServe_ProxyHoldsBoundedAnswers(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), (8<<20)/16)
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write(big)
	}))
	defer fake.Close()
	s := startServer(t, "--upstream", "ucontact="+fake.URL, "--log-level", "error")
	defer s.stop(t, syscall.SIGTERM)
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	client := &http.Client{Timeout: time.Minute}
	for range 64 {
		wg.Go(func() {
			res, err := client.Get(s.url(1, "http") + "/Integra/resources/big")
			if err != nil {
				t.Error(err)
				return
			}
			n, _ := io.Copy(io.Discard, res.Body)
			res.Body.Close()
			mu.Lock()
			defer mu.Unlock()
			switch {
			case res.StatusCode == 200 && n == int64(len(big)):
			case res.StatusCode == 503 && res.Header.Get("Retry-After") == "1":
			default:
				t.Errorf("an answer of %d bytes with status %d", n, res.StatusCode)
			}
			statuses[res.StatusCode]++
		})
	}
	wg.Wait()
	peak := procBytes(t, s.cmd.Process.Pid, "VmHWM")
	t.Logf("64 concurrent 8 MiB answers: %v by status; peak RSS %.1f MiB", statuses, float64(peak)/(1<<20))
	if statuses[200] == 0 {
		t.Error("no answer passed whole")
	}
	if peak > 256<<20 {
		t.Errorf("peak RSS %d MiB: want under 256", peak>>20)
	}
}
