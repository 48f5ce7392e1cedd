package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// wrk is a C load generator: on the same cores as the servers it takes far
// less CPU than a Go one (vegeta), which hid much of mockauth's own cost
// (issue 23). loadcmp uses it when it is on the PATH.

// wrkResult is one wrk run.
type wrkResult struct {
	rps      float64
	p50, p99 time.Duration
	requests int
	errors   int // socket errors and non-2xx answers
}

// wrkScript posts the login wrk sends.
const wrkScript = `wrk.method = "POST"
wrk.body   = "` + loginBody + `"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
`

var (
	wrkRPS      = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkCount    = regexp.MustCompile(`(\d+) requests in`)
	wrkPct      = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s)\s*$`)
	wrkNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses:\s+(\d+)`)
	wrkSocket   = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	wrkDuration = map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}
)

// runWrk loads url's login with conns keep-alive connections for d.
func runWrk(dir, url string, conns int, d time.Duration) (wrkResult, error) {
	script := filepath.Join(dir, "login.lua")
	if err := os.WriteFile(script, []byte(wrkScript), 0o600); err != nil {
		return wrkResult{}, err
	}
	threads := min(2, conns)
	out, err := exec.Command("wrk", "-t"+strconv.Itoa(threads), "-c"+strconv.Itoa(conns), "-d"+d.String(),
		"-s", script, "--latency", url+loginPath).CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk: %v\n%s", err, out)
	}
	return parseWrk(string(out))
}

func parseWrk(out string) (wrkResult, error) {
	var r wrkResult
	m := wrkRPS.FindStringSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("wrk printed no Requests/sec:\n%s", out)
	}
	r.rps, _ = strconv.ParseFloat(m[1], 64)
	if m := wrkCount.FindStringSubmatch(out); m != nil {
		r.requests, _ = strconv.Atoi(m[1])
	}
	for _, p := range wrkPct.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(p[2], 64)
		d := time.Duration(v * float64(wrkDuration[p[3]]))
		if p[1] == "50" {
			r.p50 = d
		} else {
			r.p99 = d
		}
	}
	if m := wrkNon2xx.FindStringSubmatch(out); m != nil {
		n, _ := strconv.Atoi(m[1])
		r.errors += n
	}
	if m := wrkSocket.FindStringSubmatch(out); m != nil {
		for _, s := range m[1:] {
			n, _ := strconv.Atoi(s)
			r.errors += n
		}
	}
	return r, nil
}

// wrkCompare measures the bare handler, mockauth serve and mockauth serve
// --strict at 50 connections and at 1, alternating runs so none gets the
// quieter machine, and prints each with its ratio to the bare handler's
// figure against issue 23's targets. Best of runs for each.
func wrkCompare(dir string, d time.Duration, runs int, bareURL, mockURL, strictURL string) error {
	fmt.Printf("load: wrk (C), keep-alive, %v per run, best of %d, POST getUserToken, loopback\n", d, runs)
	type target struct {
		name, url string
		best      map[int]wrkResult
	}
	targets := []*target{{"bare net/http", bareURL, map[int]wrkResult{}}, {"mockauth serve", mockURL, map[int]wrkResult{}}, {"mockauth serve --strict", strictURL, map[int]wrkResult{}}}
	for _, conns := range []int{50, 1} {
		for range runs {
			for _, t := range targets {
				r, err := runWrk(dir, t.url, conns, d)
				if err != nil {
					return err
				}
				if r.rps > t.best[conns].rps {
					t.best[conns] = r
				}
			}
		}
	}
	for _, conns := range []int{50, 1} {
		bare := targets[0].best[conns]
		for _, t := range targets {
			r := t.best[conns]
			fmt.Printf("c=%-2d %-24s %9.0f req/s  p50 %8s  p99 %8s  errors %d  ×bare %.2f\n", conns, t.name, r.rps,
				r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond), r.errors, r.rps/bare.rps)
		}
	}
	b50, m50, s50 := targets[0].best[50], targets[1].best[50], targets[2].best[50]
	m1 := targets[1].best[1].rps / targets[0].best[1].rps
	var lines []string
	lines = append(lines,
		fmt.Sprintf("default c=50 %.2f× (target ≥ 0.80: %s)", m50.rps/b50.rps, verdict(m50.rps >= 0.8*b50.rps)),
		fmt.Sprintf("default c=1 %.2f× (target ≥ 0.90: %s)", m1, verdict(m1 >= 0.9)),
		fmt.Sprintf("--strict c=50 %.2f× (target ≥ 0.70: %s)", s50.rps/b50.rps, verdict(s50.rps >= 0.7*b50.rps)),
		fmt.Sprintf("p99 c=50 %.2f× the bare one's (target ≤ 1.5: %s)", float64(m50.p99)/float64(b50.p99), verdict(float64(m50.p99) <= 1.5*float64(b50.p99))))
	fmt.Println("targets (issue 23): " + strings.Join(lines, "; "))
	fmt.Println()
	return nil
}

// soakRequests sends at least n logins to url with wrk (50 connections,
// in runs of 10 s), or with fallback when wrk is missing; it returns how
// many were sent.
func soakRequests(dir, url string, n int, fallback func(int) (int, error)) (int, error) {
	if _, err := exec.LookPath("wrk"); err != nil {
		return fallback(n)
	}
	sent := 0
	for sent < n {
		r, err := runWrk(dir, url, 50, 10*time.Second)
		if err != nil {
			return sent, err
		}
		if r.requests == 0 {
			return sent, fmt.Errorf("wrk sent no request to %s", url)
		}
		sent += r.requests
	}
	return sent, nil
}
