package pipeline

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mockauth/mockauth/simulators/clock"
	"github.com/mockauth/mockauth/simulators/journal"
	"github.com/mockauth/mockauth/simulators/scenario"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// rig is one vendor's pipeline with what it shares, on a loopback server
// of its own: no Stack.
type rig struct {
	sh      *Shared
	p       *Pipeline
	journal *journal.Journal
	engine  *scenario.Engine
	done    chan struct{}
	srv     *httptest.Server
}

// rigScenarios are the scenarios every rig knows.
const rigScenarios = `
scenarios:
  down:
    rules:
      - fault: {type: status, status: 503, body: "down\n"}
  refused:
    rules:
      - fault: {type: vendor-error}
`

// newRig serves spec's simulator on its default fixtures; change may set
// more of either config before the pipeline is built.
func newRig(t testing.TB, spec vendor.Spec, change func(*SharedConfig, *Config)) *rig {
	t.Helper()
	clk := clock.NewSimulated()
	names := make([]string, len(spec.Endpoints))
	for i, e := range spec.Endpoints {
		names[i] = e.Name
	}
	cat, err := scenario.Load("rig", []byte(rigScenarios), scenario.Vocabulary{spec.Name: names})
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{journal: journal.New(0), engine: scenario.NewEngine(cat), done: make(chan struct{})}
	sc := SharedConfig{Clock: clk, Journal: r.journal, Engine: r.engine, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		BodyTimeout: time.Minute, Done: r.done, Cut: r.done}
	sim, err := spec.Build(spec.Fixtures, vendor.Env{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	v, err := ValidatorFor(spec)
	if err != nil {
		t.Fatal(err)
	}
	stubs, err := FixtureStubs(spec, v, spec.Fixtures)
	if err != nil {
		t.Fatal(err)
	}
	c := Config{Spec: spec, Validator: v, Sim: sim, Fixtures: spec.Fixtures, FixturesFrom: "embedded", FixtureStubs: stubs}
	if change != nil {
		change(&sc, &c)
	}
	r.sh = NewShared(sc)
	if r.p, err = New(r.sh, c); err != nil {
		t.Fatal(err)
	}
	r.sh.Start()
	r.srv = httptest.NewUnstartedServer(r.p)
	r.srv.Config.ReadTimeout = sc.BodyTimeout
	r.srv.Start()
	t.Cleanup(func() {
		close(r.done)
		r.srv.Close()
		r.sh.Stop()
	})
	return r
}

// post sends one request and reads its answer whole.
func (r *rig) post(t testing.TB, path, contentType, body string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("POST", r.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	c := &http.Client{Timeout: 10 * time.Second}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

// entries are the journal's, once every listener has run.
func (r *rig) entries() []journal.Entry {
	r.sh.Sync()
	return r.journal.List(journal.Filter{}, 0)
}
