// Command loadcmp measures mockauth serve (as a user starts it, and with
// --strict) against a bare net/http handler answering the same bytes, in
// one run over loopback: requests/s and p50/p99 at 50 connections and at
// one, with wrk (a C load generator: a Go one takes as much CPU as the
// server and hides its cost), each ratio against issue 23's targets; the
// start to a first answer of both binaries; errors at 200 connections
// (vegeta); and the RSS of mockauth serve after a million requests.
// `make bench` runs it.
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/mockauth/mockauth/internal/freeports"
)

const (
	loginPath = "/Integra/resources/auth/getUserToken"
	loginBody = "user=demo&password=demo"
)

func main() {
	bare := flag.String("serve-bare", "", "internal: serve the bare handler on this address")
	duration := flag.Duration("duration", 5*time.Second, "length of each measured attack")
	workers := flag.Uint64("workers", 32, "concurrent workers of the throughput attacks")
	soak := flag.Int("requests", 200_000, "requests sent to mockauth serve while its RSS is sampled")
	stateOnly := flag.Bool("state-only", false, "measure only --state against the same binary without it")
	flag.Parse()
	if *bare != "" {
		serveBare(*bare)
		return
	}
	if *stateOnly {
		if err := runState(*duration); err != nil {
			fmt.Fprintln(os.Stderr, "loadcmp:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*duration, *workers, *soak); err != nil {
		fmt.Fprintln(os.Stderr, "loadcmp:", err)
		os.Exit(1)
	}
}

// serveBare answers every request as getUserToken's success does, bytes
// and all, with nothing else in the way.
func serveBare(addr string) {
	body := []byte(`"ZGVtbzo0OTExZWM4OS00OTQ2LTQwYzctYTMzNC1iNzMwNjk3MjNmODE="`)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
		_, _ = w.Write(body)
	})
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintln(os.Stderr, srv.ListenAndServe())
}

type proc struct {
	cmd     *exec.Cmd
	url     string
	started time.Duration // from exec to the first 200
}

// startProc runs a server and waits for its first 200 to a login.
func startProc(url string, name string, args ...string) (*proc, error) {
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = nil, nil
	begin := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	for time.Since(begin) < 10*time.Second {
		res, err := http.Post(url+loginPath, "application/x-www-form-urlencoded", strings.NewReader(loginBody))
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return &proc{cmd: cmd, url: url, started: time.Since(begin)}, nil
			}
		}
		time.Sleep(200 * time.Microsecond)
	}
	_ = cmd.Process.Kill()
	return nil, fmt.Errorf("%s: no 200 within 10s", name)
}

func (p *proc) stop() {
	_ = p.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
	}
}

func (p *proc) rssMiB() float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			kb, _ := strconv.Atoi(strings.Fields(line)[1])
			return float64(kb) / 1024
		}
	}
	return -1
}

// attack sends logins at the highest rate workers allow.
func attack(url string, d time.Duration, workers uint64, conns int) vegeta.Metrics {
	targeter := vegeta.NewStaticTargeter(vegeta.Target{
		Method: "POST", URL: url + loginPath, Body: []byte(loginBody),
		Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
	})
	a := vegeta.NewAttacker(vegeta.Workers(workers), vegeta.MaxWorkers(workers), vegeta.Connections(conns),
		vegeta.MaxConnections(conns), vegeta.KeepAlive(true), vegeta.Timeout(10*time.Second))
	var m vegeta.Metrics
	for res := range a.Attack(targeter, vegeta.Rate{Freq: 0}, d, "load") {
		m.Add(res)
	}
	m.Close()
	return m
}

// attackN sends n logins (and stops the attack once they are answered).
func attackN(url string, n int, workers uint64) vegeta.Metrics {
	targeter := vegeta.NewStaticTargeter(vegeta.Target{
		Method: "POST", URL: url + loginPath, Body: []byte(loginBody),
		Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
	})
	a := vegeta.NewAttacker(vegeta.Workers(workers), vegeta.MaxWorkers(workers), vegeta.KeepAlive(true))
	var m vegeta.Metrics
	count := 0
	for res := range a.Attack(targeter, vegeta.Rate{Freq: 0}, 10*time.Minute, "soak") {
		m.Add(res)
		if count++; count >= n {
			a.Stop()
		}
	}
	m.Close()
	return m
}

func line(name string, m vegeta.Metrics) string {
	return fmt.Sprintf("%-22s %9.0f req/s  p50 %7s  p99 %7s  success %6.2f%%  errors %d",
		name, m.Throughput, m.Latencies.P50.Round(time.Microsecond), m.Latencies.P99.Round(time.Microsecond), m.Success*100, len(m.Errors))
}

// starts is how many times each binary is started to time its start.
const starts = 9

// startTimes starts each binary n times, alternating, from exec to its
// first 200, and returns the medians: mockauth serve's and the bare one's.
func startTimes(n int, bin, self string) (mock, bare time.Duration, err error) {
	var mocks, bares []time.Duration
	for range n {
		base, err := freeports.Base(5)
		if err != nil {
			return 0, 0, err
		}
		p, err := startProc("http://127.0.0.1:"+strconv.Itoa(base+1), bin, "serve", "--port-base", strconv.Itoa(base))
		if err != nil {
			return 0, 0, err
		}
		p.stop()
		mocks = append(mocks, p.started)
		port, err := freeports.Base(1)
		if err != nil {
			return 0, 0, err
		}
		addr := "127.0.0.1:" + strconv.Itoa(port)
		p, err = startProc("http://"+addr, self, "-serve-bare", addr)
		if err != nil {
			return 0, 0, err
		}
		p.stop()
		bares = append(bares, p.started)
	}
	return median(mocks), median(bares), nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// buildMockauth builds the binary under test into a fresh directory (the
// caller removes it).
func buildMockauth() (dir, bin string, err error) {
	dir, err = os.MkdirTemp("", "loadcmp")
	if err != nil {
		return "", "", err
	}
	bin = filepath.Join(dir, "mockauth")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/mockauth").CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return "", "", fmt.Errorf("building mockauth: %v\n%s", err, out)
	}
	return dir, bin, nil
}

func run(d time.Duration, workers uint64, soak int) error {
	dir, bin, err := buildMockauth()
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	self, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Printf("loadcmp %s, %d cores, GOMAXPROCS of the servers: the machine's; loopback\n", time.Now().UTC().Format("2006-01-02 15:04 MST"), runtime.NumCPU())
	fmt.Printf("mockauth serve as a user starts it (no flags: journal, redaction and contract checks on, log at info), and with --strict\n\n")
	bareURL, stopBare, err := startBare(self)
	if err != nil {
		return err
	}
	defer stopBare()
	mock, err := startMock(bin)
	if err != nil {
		return err
	}
	defer mock.stop()

	if _, err := exec.LookPath("wrk"); err == nil {
		strict, err := startMock(bin, "--strict")
		if err != nil {
			return err
		}
		// Warm all three up (mockauth's token stores fill to their bound).
		for _, u := range []string{bareURL, mock.url, strict.url} {
			if _, err := runWrk(dir, u, 50, 2*time.Second); err != nil {
				return err
			}
		}
		err = wrkCompare(dir, d, 3, bareURL, mock.url, strict.url)
		strict.stop()
		if err != nil {
			return err
		}
		if err := stateCompare(dir, bin, d, 3, mock.url); err != nil {
			return err
		}
	} else {
		fmt.Println("wrk is not installed (apt-get install wrk): the load below is vegeta's only, which hides part of mockauth's cost (it takes as much CPU as the server)")
		bareM, mockM := attack(bareURL, d, workers, int(workers)), attack(mock.url, d, workers, int(workers))
		fmt.Println(line("bare net/http", bareM))
		fmt.Println(line("mockauth serve", mockM))
		fmt.Printf("ratio mockauth/bare (vegeta): %.2f\n\n", mockM.Throughput/bareM.Throughput)
	}

	c := attack(mock.url, 3*time.Second, 200, 200)
	fmt.Println(line("vegeta, 200 connections", c))
	fmt.Printf("errors at 200 concurrent connections: %d (target 0)\n\n", len(c.Errors))

	mockStart, bareStart, err := startTimes(starts, bin, self)
	if err != nil {
		return err
	}
	ratio := float64(mockStart) / float64(bareStart)
	fmt.Printf("start to first 200 (exec to a login's answer), median of %d starts each, alternating: mockauth %v, bare %v: %.2f× (target ≤ 1.5: %s)\n\n",
		starts, mockStart.Round(100*time.Microsecond), bareStart.Round(100*time.Microsecond), ratio, verdict(ratio <= 1.5))

	fmt.Printf("RSS of mockauth serve: %.1f MiB before the soak\n", mock.rssMiB())
	sent, err := soakRequests(dir, mock.url, soak, vegetaSoak(mock.url, workers))
	if err != nil {
		return err
	}
	rss := mock.rssMiB()
	fmt.Printf("RSS after %d more requests: %.1f MiB (target < 40: %s)\n", sent, rss, verdict(rss < 40))
	return nil
}

// startBare runs the bare handler on a free port.
func startBare(self string) (url string, stop func(), err error) {
	port, err := freeports.Base(1)
	if err != nil {
		return "", nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	p, err := startProc("http://"+addr, self, "-serve-bare", addr)
	if err != nil {
		return "", nil, err
	}
	return p.url, p.stop, nil
}

// startMock runs mockauth serve with args on free ports; its url is the
// uContact simulator's.
func startMock(bin string, args ...string) (*proc, error) {
	base, err := freeports.Base(5)
	if err != nil {
		return nil, err
	}
	return startProc("http://127.0.0.1:"+strconv.Itoa(base+1), bin, append([]string{"serve", "--port-base", strconv.Itoa(base)}, args...)...)
}

// vegetaSoak sends n logins with vegeta: the soak's load when wrk is missing.
func vegetaSoak(url string, workers uint64) func(n int) (int, error) {
	return func(n int) (int, error) {
		m := attackN(url, n, workers)
		return int(m.Requests), nil
	}
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}
