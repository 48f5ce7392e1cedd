package simulators_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mockauth/mockauth/simulators"
)

// Scenarios the soak switches underneath the load: every fault answers,
// none breaks a connection, so any transport error is the stack's own.
const soakScenarios = `scenarios:
  unavailable:
    rules:
      - when: {every: 3}
        fault: {type: status, status: 503, headers: {Retry-After: "1"}}
  vendor-error:
    rules:
      - when: {probability: 0.5, seed: 1}
        fault: {type: vendor-error}
  slow:
    rules:
      - fault: {type: delay, duration: 2ms}
  expired:
    rules:
      - fault: {type: token-expired}
`

// soakDuration is MOCKAUTH_SOAK (make soak sets 60s), else a short run.
func soakDuration(t *testing.T) time.Duration {
	if v := os.Getenv("MOCKAUTH_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("MOCKAUTH_SOAK=%q: %v", v, err)
		}
		return d
	}
	return 3 * time.Second
}

type soakCall struct{ vendor, method, path, contentType, body string }

var soakCalls = []soakCall{
	{"ucontact", "POST", "/Integra/resources/auth/getUserToken", formCT, "user=demo&password=demo"},
	{"ucontact", "POST", "/Integra/resources/auth/AgentLogin", formCT, "agent=1997&password=1997"},
	{"crmcom", "POST", "/crmapi/rest/v2/authentication/token", "application/json", `{"username":"mpadministrator","password":"1234","organisation":"CRMDEMO"}`},
	{"autoalert", "POST", "/User/authenticate", "application/json", `{"userName":"demo","password":"demo"}`},
	{"autoalert", "POST", "/user/authenticate", "application/xml", `<AuthenticateRequest xmlns="http://schemas.datacontract.org/2004/07/AutoAlert.API.Models.User"><password>demo</password><userName>demo</userName></AuthenticateRequest>`},
	{"exotel", "GET", "/.well-known/jwks.json", "", ""},
	{"exotel", "POST", "/login", formCT, "username=demo.admin&password=demo-admin-pass"},
}

// TestSoak puts mixed load on every vendor while scenarios switch on and
// off: no transport error, no status beyond the scripted ones, no leaked
// goroutine, no heap growth once the bounded stores are full.
func TestSoak(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	d := soakDuration(t)
	s, err := simulators.Start(simulators.Options{Scenarios: []byte(soakScenarios), JournalSize: 200, MaxTokens: 500})
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	defer client.CloseIdleConnections()

	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var sent, transport atomic.Int64
	unexpected := sync.Map{}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := w; ctx.Err() == nil; i++ {
				c := soakCalls[i%len(soakCalls)]
				req, _ := http.NewRequestWithContext(ctx, c.method, s.URL(c.vendor)+c.path, strings.NewReader(c.body))
				if c.contentType != "" {
					req.Header.Set("Content-Type", c.contentType)
				}
				res, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						transport.Add(1)
						unexpected.Store("transport: "+err.Error(), true)
					}
					continue
				}
				res.Body.Close()
				sent.Add(1)
				switch res.StatusCode {
				case 200, 401, 503: // answers, the vendors' errors, the scripted 503
				default:
					unexpected.Store(fmt.Sprintf("%s %s %s: %d", c.vendor, c.method, c.path, res.StatusCode), true)
				}
			}
		})
	}
	wg.Go(func() { // scenarios switching underneath
		names := []string{"unavailable", "vendor-error", "slow", "expired"}
		for i := 0; ctx.Err() == nil; i++ {
			_, _ = s.Scenarios().Activate(names[i%len(names)], 0)
			if i%3 == 0 {
				s.Scenarios().DeactivateAll()
			}
			select {
			case <-ctx.Done():
			case <-time.After(50 * time.Millisecond):
			}
		}
	})

	// The heap after GC, once the stores have filled, and at the end.
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	select {
	case <-time.After(d / 3):
	case <-ctx.Done():
	}
	warm := heap()
	wg.Wait()
	end := heap()

	unexpected.Range(func(k, _ any) bool { t.Errorf("unscripted: %v", k); return true })
	if transport.Load() > 0 {
		t.Errorf("%d transport errors", transport.Load())
	}
	if sent.Load() < 100 {
		t.Fatalf("only %d requests answered in %v", sent.Load(), d)
	}
	if end > warm+warm/2+4<<20 {
		t.Errorf("heap grew from %d KB to %d KB after GC", warm>>10, end>>10)
	}
	http.DefaultClient.CloseIdleConnections()
	var health struct{ Status string }
	_ = json.Unmarshal([]byte(send(t, http.DefaultClient, "GET", s.AdminURL()+"/__admin/health", "", "").body), &health)
	if health.Status != "ok" {
		t.Errorf("health after the soak: %q", health.Status)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	http.DefaultClient.CloseIdleConnections()
	t.Logf("soak: %d requests in %v, heap after GC %d KB -> %d KB", sent.Load(), d, warm>>10, end>>10)
}
