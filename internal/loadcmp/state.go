package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/mockauth/mockauth/internal/freeports"
)

// stateCompare measures the cost of --state on the hot path (issue 33):
// mockauth serve with its state shared through a local redis-server
// against the same binary without, c=50, best of runs, alternating.
func stateCompare(dir, bin string, d time.Duration, runs int, mockURL string) error {
	redisBin, err := exec.LookPath("redis-server")
	if err != nil {
		fmt.Println("--state: redis-server is not installed (apt-get install redis-server): its cost is not measured")
		return nil
	}
	port, err := freeports.Base(1)
	if err != nil {
		return err
	}
	redis := exec.Command(redisBin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := redis.Start(); err != nil {
		return err
	}
	defer func() { _ = redis.Process.Kill(); _ = redis.Wait() }()
	for begin := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port)); err == nil {
			_ = c.Close()
			break
		}
		if time.Since(begin) > 10*time.Second {
			return fmt.Errorf("redis-server did not listen within 10s")
		}
	}
	shared, err := startMock(bin, "--state", "redis://127.0.0.1:"+strconv.Itoa(port)+"/0")
	if err != nil {
		return err
	}
	defer shared.stop()
	if _, err := runWrk(dir, shared.url, 50, 2*time.Second); err != nil {
		return err
	}
	var local, remote wrkResult
	for range runs {
		for _, t := range []struct {
			url  string
			best *wrkResult
		}{{mockURL, &local}, {shared.url, &remote}} {
			r, err := runWrk(dir, t.url, 50, d)
			if err != nil {
				return err
			}
			if r.rps > t.best.rps {
				*t.best = r
			}
		}
	}
	ratio := remote.rps / local.rps
	fmt.Printf("c=50 mockauth serve            %9.0f req/s  p99 %8s\n", local.rps, local.p99.Round(time.Microsecond))
	fmt.Printf("c=50 mockauth serve --state    %9.0f req/s  p99 %8s  (redis-server on loopback)\n", remote.rps, remote.p99.Round(time.Microsecond))
	fmt.Printf("--state on the hot path: %.2f× the same binary without it (target ≥ 0.90: %s)\n\n", ratio, verdict(ratio >= 0.9))
	return nil
}

// runState is stateCompare alone (loadcmp -state-only).
func runState(d time.Duration) error {
	dir, bin, err := buildMockauth()
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	mock, err := startMock(bin)
	if err != nil {
		return err
	}
	defer mock.stop()
	if _, err := runWrk(dir, mock.url, 50, 2*time.Second); err != nil {
		return err
	}
	return stateCompare(dir, bin, d, 3, mock.url)
}
