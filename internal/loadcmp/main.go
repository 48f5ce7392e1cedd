// Command loadcmp measures mockauth serve against a bare net/http handler
// answering the same bytes, with the same load generator (vegeta) over
// loopback in one run, and prints requests/s, p50/p99 and their ratio; the
// start time to a first 200; errors at 200 concurrent connections; and the
// RSS of mockauth serve as requests accumulate. `make bench` runs it.
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
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
	flag.Parse()
	if *bare != "" {
		serveBare(*bare)
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
		time.Sleep(time.Millisecond)
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

func (p *proc) rssMB() float64 {
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
const starts = 5

// startTimes starts each binary n times, alternating, from exec to its
// first 200, and returns the medians: mockauth serve's and the bare one's.
func startTimes(n int, bin, self string) (mock, bare time.Duration, err error) {
	var mocks, bares []time.Duration
	for range n {
		base, err := freeports.Base(5)
		if err != nil {
			return 0, 0, err
		}
		p, err := startProc("http://127.0.0.1:"+strconv.Itoa(base+1), bin, "serve", "--port-base", strconv.Itoa(base), "--log-level", "error")
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

func run(d time.Duration, workers uint64, soak int) error {
	dir, err := os.MkdirTemp("", "loadcmp")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "mockauth")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/mockauth").CombinedOutput(); err != nil {
		return fmt.Errorf("building mockauth: %v\n%s", err, out)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	base, err := freeports.Base(5)
	if err != nil {
		return err
	}
	bareBase, err := freeports.Base(1)
	if err != nil {
		return err
	}
	bareURL := "http://127.0.0.1:" + strconv.Itoa(bareBase)
	bareProc, err := startProc(bareURL, self, "-serve-bare", "127.0.0.1:"+strconv.Itoa(bareBase))
	if err != nil {
		return err
	}
	defer bareProc.stop()
	mockURL := "http://127.0.0.1:" + strconv.Itoa(base+1)
	mock, err := startProc(mockURL, bin, "serve", "--port-base", strconv.Itoa(base), "--log-level", "error")
	if err != nil {
		return err
	}
	defer mock.stop()

	if _, err := exec.LookPath("wrk"); err == nil {
		strictBase, err := freeports.Base(5)
		if err != nil {
			return err
		}
		strictURL := "http://127.0.0.1:" + strconv.Itoa(strictBase+1)
		strict, err := startProc(strictURL, bin, "serve", "--port-base", strconv.Itoa(strictBase), "--log-level", "error", "--strict")
		if err != nil {
			return err
		}
		// Warm all three up (mockauth's token stores fill to their bound).
		for _, u := range []string{bareURL, mockURL, strictURL} {
			if _, err := runWrk(dir, u, 50, 2*time.Second); err != nil {
				return err
			}
		}
		err = wrkCompare(dir, d, 3, bareURL, mockURL, strictURL)
		strict.stop()
		if err != nil {
			return err
		}
	} else {
		fmt.Println("wrk is not installed (apt-get install wrk): the load below is vegeta's only, which hides part of mockauth's cost")
	}

	fmt.Printf("load: vegeta, %d workers, keep-alive, %v per run, POST getUserToken, loopback, GOMAXPROCS of this machine\n", workers, d)
	fmt.Printf("mockauth serve: journal on, contract checks on (off the hot path), no scenario active\n\n")
	// Warm both up (mockauth's token stores fill to their bound), then
	// alternate so neither gets the quieter machine.
	attack(bareURL, 2*time.Second, workers, int(workers))
	attack(mockURL, 3*time.Second, workers, int(workers))
	var bareM, mockM []vegeta.Metrics
	for range 2 {
		bareM = append(bareM, attack(bareURL, d, workers, int(workers)))
		mockM = append(mockM, attack(mockURL, d, workers, int(workers)))
	}
	best := func(ms []vegeta.Metrics) vegeta.Metrics {
		b := ms[0]
		for _, m := range ms[1:] {
			if m.Throughput > b.Throughput {
				b = m
			}
		}
		return b
	}
	b, m := best(bareM), best(mockM)
	fmt.Println(line("bare net/http", b))
	fmt.Println(line("mockauth serve", m))
	ratio := m.Throughput / b.Throughput
	verdict := "met"
	if ratio < 0.7 {
		verdict = "NOT met"
	}
	fmt.Printf("ratio mockauth/bare: %.2f (target >= 0.70: %s)\n\n", ratio, verdict)

	c := attack(mockURL, 3*time.Second, 200, 200)
	fmt.Println(line("200 connections", c))
	fmt.Printf("errors at 200 concurrent connections: %d (target 0)\n", len(c.Errors))
	mockStart, bareStart, err := startTimes(starts, bin, self)
	if err != nil {
		return err
	}
	fmt.Printf("start to first 200, median of %d starts each: mockauth %v, bare %v (ratio %.2f)\n\n",
		starts, mockStart.Round(time.Millisecond), bareStart.Round(time.Millisecond), float64(mockStart)/float64(bareStart))

	step := max(soak/5, 1)
	fmt.Printf("RSS of mockauth serve: %.1f MB before the soak\n", mock.rssMB())
	for sent := 0; sent < soak; sent += step {
		r := attackN(mockURL, step, workers)
		fmt.Printf("RSS after %7d more requests: %.1f MB (%s)\n", step, mock.rssMB(), strings.TrimSpace(line("", r)))
	}
	return nil
}
