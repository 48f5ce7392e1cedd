package pipeline

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/mockauth/mockauth/contracts"
	"github.com/mockauth/mockauth/simulators/clock"
	"github.com/mockauth/mockauth/simulators/journal"
	"github.com/mockauth/mockauth/simulators/redact"
	"github.com/mockauth/mockauth/simulators/scenario"
	"github.com/mockauth/mockauth/simulators/stub"
	"github.com/mockauth/mockauth/simulators/tokens"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// Shared is what the pipelines of one stack share: the journal, clock,
// scenario engine and logger they were given, and what they bound
// together (the contract checker, the heavy gate, the log's sampling, the
// listeners still running).
type Shared struct {
	clock       *clock.Simulated
	journal     *journal.Journal
	engine      *scenario.Engine
	log         *slog.Logger
	strict      bool
	bodyTimeout time.Duration
	done        <-chan struct{} // closed when the stack stops: faults that wait give up
	cut         <-chan struct{} // closed after the drain window: proxied calls still waiting end
	advance     func(time.Duration) error
	restart     func(vendor string)

	checker  *checker            // contract checks off the hot path
	gate     heavyGate           // a place for each request with a large body
	reading  *semaphore.Weighted // room for the large bodies being read (heavy.go)
	lines    lineSampler
	settling settling     // exchanges answered whose listeners still run
	inFlight atomic.Int64 // requests being served
	first    firstSignal  // told of the stack's first request
	lastDate atomic.Pointer[dateText]
}

// SharedConfig is what a stack gives its pipelines.
type SharedConfig struct {
	Clock   *clock.Simulated
	Journal *journal.Journal
	Engine  *scenario.Engine
	Log     *slog.Logger
	// Strict refuses, before answering, a request that breaks its contract.
	Strict bool
	// BodyTimeout bounds reading a body (the server's ReadTimeout sets it;
	// the pipeline shortens it for a large body and lifts it for a fault
	// that waits or a real service's answer).
	BodyTimeout time.Duration
	Done, Cut   <-chan struct{}
	// Advance and Restart, when set, are how a fault moves the clock and
	// restarts a vendor (the stack's shared state: every replica); nil:
	// Clock.Advance and the vendor's own Reset.
	Advance func(time.Duration) error
	Restart func(vendor string)
}

// NewShared makes what a stack's pipelines share; Start runs its checker.
func NewShared(c SharedConfig) *Shared {
	sh := &Shared{clock: c.Clock, journal: c.Journal, engine: c.Engine, log: c.Log, strict: c.Strict,
		bodyTimeout: c.BodyTimeout, done: c.Done, cut: c.Cut, gate: newHeavyGate(), advance: c.Advance, restart: c.Restart}
	sh.first.ch = make(chan struct{})
	sh.lines.limit.Store(requestLinesPerSecond)
	sh.reading = newReadingRoom(sh.gate)
	sh.checker = newChecker(c.Journal, sh.gate)
	sh.settling.init()
	return sh
}

// Start runs the contract checker.
func (sh *Shared) Start() { sh.checker.start() }

// Stop runs the checks still queued, ends the checker and logs the
// request lines the last second left out.
func (sh *Shared) Stop() {
	sh.settling.wait()
	sh.checker.stop()
	sh.lines.report(context.Background(), sh.log, sh.lines.second.Load())
}

// Sync waits until every exchange answered so far is in the journal with
// its contract check: a reader that sent requests sees each of them.
func (sh *Shared) Sync() {
	sh.settling.wait()
	sh.checker.sync()
}

// Forget drops the remembered contract verdicts (a reset).
func (sh *Shared) Forget() { sh.checker.reset() }

// Shed is how many contract checks were left undone under load.
func (sh *Shared) Shed() int64 { return sh.checker.shed.Load() }

// InFlight is how many vendor requests are being served.
func (sh *Shared) InFlight() int { return int(sh.inFlight.Load()) }

// Requested is closed by the first request of any of the pipelines.
func (sh *Shared) Requested() <-chan struct{} { return sh.first.ch }

// SetLineLimit sets how many plain request lines a second the log gets
// at info (tests set 0).
func (sh *Shared) SetLineLimit(n int64) { sh.lines.limit.Store(n) }

// Config is one vendor's pipeline.
type Config struct {
	Spec      vendor.Spec
	Validator *contracts.Validator
	Sim       vendor.Simulator
	// Fixtures is the fixture file Sim was built from, FixturesFrom where
	// it came from; FixtureStubs the stubs it declares.
	Fixtures     vendor.File
	FixturesFrom string
	FixtureStubs []*stub.Stub
	// Proxy, when set, puts the vendor in front of its real service.
	Proxy *Proxy
	// Listeners are told of each finished exchange after the built-in
	// ones (journal, contract checker, upstream, log line).
	Listeners []Listener
}

// Pipeline serves one vendor's port: the stages of doc.go, in turn.
type Pipeline struct {
	sh         *Shared
	spec       vendor.Spec
	validator  *contracts.Validator
	respRedact redact.Policy               // the usual secrets: a vendor's request field may be an ordinary answer field
	cur        atomic.Pointer[vendorState] // swapped whole when fixtures or stubs change
	stubs      stubRegistry                // the stubs added at run time
	responder  responder                   // who answers a documented or unmatched call: the simulator or the real service
	proxy      *upstreamResponder          // proxy mode; nil otherwise
	listeners  []Listener                  // told of each finished exchange, in order
}

// New builds a vendor's pipeline.
func New(sh *Shared, c Config) (*Pipeline, error) {
	p := &Pipeline{sh: sh, spec: c.Spec, validator: c.Validator, respRedact: redact.NewPolicy(), responder: simulated{}}
	fixtureStubs := c.FixtureStubs
	if c.Proxy != nil {
		// The real service answers what the fixture's stubs would; stubs
		// added at run time still answer (a deliberate override).
		fixtureStubs = nil
		p.proxy = newUpstreamResponder(c.Spec, c.Proxy)
		p.responder = p.proxy
	}
	table, err := newStubTable(c.Spec.Name, c.Validator, fixtureStubs, nil)
	if err != nil {
		return nil, err
	}
	vs := newVendorState(c.Spec, c.Sim, fixtureStubs, table)
	vs.fixturesFrom, vs.fixtures = c.FixturesFrom, c.Fixtures.Data
	p.cur.Store(vs)
	p.listeners = []Listener{journalListener{sh.journal}, checkListener{sh.checker}}
	if p.proxy != nil {
		p.listeners = append(p.listeners, upstreamListener{p})
	}
	p.listeners = append(append(p.listeners, logListener{sh}), c.Listeners...)
	return p, nil
}

// Sim is the vendor's current simulator.
func (p *Pipeline) Sim() vendor.Simulator { return p.cur.Load().sim }

// FixturesFrom names where the loaded fixtures came from.
func (p *Pipeline) FixturesFrom() string { return p.cur.Load().fixturesFrom }

// Proxied reports whether the real service answers.
func (p *Pipeline) Proxied() bool { return p.proxy != nil }

// Validator is the vendor's contract.
func (p *Pipeline) Validator() *contracts.Validator { return p.validator }

// vendorState is a simulator with what the pipeline derives from it; a
// request uses one state from start to end.
type vendorState struct {
	spec          vendor.Spec
	spelling      journal.Spelling // the header names the vendor writes otherwise than Go does
	sim           vendor.Simulator
	userScenarios map[string]string // fixture login -> scenario
	reqRedact     redact.Policy     // the usual secrets and the vendor's own request fields
	fixtureStubs  []*stub.Stub      // the stubs the fixture file declares
	stubs         *stubTable        // those and the run-time ones, ready to match
	endpointAuth  map[string]string // built-in endpoint -> the vendor's check of its token
	fixturesFrom  string            // the fixture file's name: a user's file, or the embedded one's
	fixtures      []byte            // and what it held: a reload that finds it unchanged keeps the vendor as it is
}

func newVendorState(spec vendor.Spec, sim vendor.Simulator, fixtureStubs []*stub.Stub, stubs *stubTable) *vendorState {
	vs := &vendorState{spec: spec, sim: sim, userScenarios: sim.UserScenarios(), reqRedact: redact.NewPolicy(spec.SecretFields...),
		fixtureStubs: fixtureStubs, stubs: stubs, endpointAuth: map[string]string{}}
	for _, e := range spec.Endpoints {
		if e.Auth != "" {
			vs.endpointAuth[e.Name] = e.Auth
		}
	}
	vs.spelling = journal.NewSpelling(spec.HeaderSpelling)
	return vs
}

// exchange is one request on its way through the stages.
type exchange struct {
	p     *Pipeline
	vs    *vendorState
	start time.Time
	r     *http.Request // as it came
	vr    *http.Request // as the vendor sees it (admit): the token tracker in its context; nil before
	body  []byte
	call  vendor.Call

	// route
	responder  responder            // who answers
	stubbed    stubbed              // when a stub answers (responder points here)
	validator  *contracts.Validator // the contract the exchange is checked against; nil: none
	stub       *stub.Stub           // the stub the request is for, if any
	auth       string               // the vendor's check of its credential: "ok" or why it refused
	noContract bool                 // a stub without a contract
	unmatched  bool                 // no documented operation matches
	diagnosis  string               // when unmatched: the closest operations

	// admit
	checkable  bool                // read whole and matched: its contract check is due
	check      *contracts.Exchange // --strict: the request's check, for its answers
	violations []string
	decision   *scenario.Decision
	tracked    tokens.Tracker  // tokens minted while answering (once admitted: vr set), never journaled
	ctx        exchangeContext // vr's context

	// answer
	fx      faultExchange // the vendor's answers as faults (and the pipeline) ask for them
	answers []answered    // the vendor's answers, for the contract check
	real    realAnswer    // proxy mode: what the real service answered
	note    string        // what the fault did
	outcome journal.Outcome

	// read: what the exchange holds until it is finished
	heavy   bool   // the body is larger than heavyBody
	holds   bool   // a place at the heavy gate
	room    int64  // room for reading a large body
	release func() // proxy mode: the real answer's share of the budget

	fin Finished // what the listeners are given (here: no allocation of its own)

	// Room within the exchange for what a usual one needs once: no
	// allocation of their own.
	bodyReader   bodyReader
	vendorWriter vendorWriter
	vendorBuf    buffered
	answersRoom  [2]answered
	jobRoom      checkJob
}

// done gives back what the exchange held, and the exchange itself: it is
// emptied (so it keeps nothing of the request alive) and used again by a
// later request. Nothing keeps a reference into it past ServeHTTP: the
// journal, the checker and the recorder get copies.
func (x *exchange) done() {
	x.p.leaveHeavy(x)
	if x.room > 0 {
		x.p.sh.reading.Release(x.room)
	}
	if x.release != nil {
		x.release()
	}
	*x = exchange{}
	exchanges.Put(x)
}

// exchanges are the exchanges not in use: one is about 1.4 KiB, and a
// load test at 50 connections made 35,000 a second for the collector.
var exchanges = sync.Pool{New: func() any { return new(exchange) }}

// ServeHTTP takes one request through the stages; each ends the exchange
// with an answer of its own or hands it on.
func (p *Pipeline) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.sh.first.arrived()
	p.sh.inFlight.Add(1)
	defer p.sh.inFlight.Add(-1)
	x := exchanges.Get().(*exchange)
	*x = exchange{p: p, start: time.Now(), r: r, vs: p.cur.Load()}
	defer x.done()
	w, ans := p.read(w, x)
	if ans == nil {
		ans = p.route(x)
	}
	if ans == nil {
		ans = p.admit(x)
	}
	if ans == nil && x.decision != nil {
		p.fault(w, x)
		return
	}
	if ans == nil {
		ans = p.answer(x)
	}
	p.send(w, x, ans)
}

// settle is the pipeline's own answer ending an exchange: a refusal
// (413, 414, 400 …), with what it meant for the journal.
func (x *exchange) settle(status int, msg string, outcome journal.Outcome) *buffered {
	x.outcome = outcome
	return plain(status, msg)
}

// upstreamAnswered reports whether a real service answered x.
func (x *exchange) upstreamAnswered() bool { return x.real.answer != nil }

// firstSignal is closed by a stack's first vendor request.
type firstSignal struct {
	seen atomic.Bool
	ch   chan struct{}
}

// arrived notes a request: the first one closes the channel. After it, a
// request costs one atomic load.
func (f *firstSignal) arrived() {
	if !f.seen.Load() && f.seen.CompareAndSwap(false, true) {
		close(f.ch)
	}
}
