package main

import (
	"testing"
	"time"
)

// wrk's own output, as wrk 4.2 prints it with --latency.
const wrkOutput = `Running 1s test @ http://127.0.0.1:19992/Integra/resources/auth/getUserToken
  2 threads and 5 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   509.37us    1.12ms  13.06ms   90.19%
    Req/Sec    11.98k     1.48k   15.48k    72.73%
  Latency Distribution
     50%  109.00us
     75%  237.00us
     90%    1.60ms
     99%    5.26ms
  26202 requests in 1.10s, 4.35MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:  23814.46
Transfer/sec:      3.95MB
`

func TestParseWrk(t *testing.T) {
	r, err := parseWrk(wrkOutput)
	if err != nil {
		t.Fatal(err)
	}
	want := wrkResult{rps: 23814.46, p50: 109 * time.Microsecond, p99: 5260 * time.Microsecond, requests: 26202, errors: 7}
	if r != want {
		t.Errorf("parseWrk = %+v, want %+v", r, want)
	}
	if _, err := parseWrk("wrk: command not found"); err == nil {
		t.Error("an output without Requests/sec was accepted")
	}
}
