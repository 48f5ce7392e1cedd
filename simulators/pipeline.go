package simulators

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/mockauth/mockauth/contracts"
	"github.com/mockauth/mockauth/simulators/admin"
	"github.com/mockauth/mockauth/simulators/clock"
	"github.com/mockauth/mockauth/simulators/journal"
	"github.com/mockauth/mockauth/simulators/redact"
	"github.com/mockauth/mockauth/simulators/scenario"
	"github.com/mockauth/mockauth/simulators/stub"
	"github.com/mockauth/mockauth/simulators/tokens"
	"github.com/mockauth/mockauth/simulators/upstream"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// MaxBodyBytes caps a request body; a larger one is answered 413.
const MaxBodyBytes = 1 << 20

// maxJournaledBody caps what the journal keeps of one body.
const maxJournaledBody = 64 << 10

// HeaderScenario selects a scenario for one request.
const HeaderScenario = "X-Mockauth-Scenario"

// HeaderDiagnosis says, on an answer to a request that matches no
// documented operation, which operations are closest and what differs.
const HeaderDiagnosis = "X-Mockauth-Diagnosis"

// MaxRequestURI bounds a request's URI on the vendor ports (a reading: the
// vendors' servers refuse far shorter ones; Tomcat's whole request head
// defaults to 8 KB).
const MaxRequestURI = 8 << 10

// Messages of the answers the pipeline gives itself, exact so tests and
// users can match them.
const (
	MsgBodyTooLarge = "mockauth: request body larger than 1 MiB\n"
	MsgHeavyBusy    = "mockauth: too many large bodies at once; try again\n"
	MsgURITooLong   = "mockauth: request URI longer than 8 KiB\n"
	// MsgForeignHost refuses, in proxy mode, a Host that is not this
	// machine's: a DNS-rebinding page would read, through the
	// developer's mockauth, a real service only that machine reaches.
	MsgForeignHost       = "mockauth: in proxy mode the vendor ports answer this machine's names only (loopback, the bind address, --allow-host)\n"
	MsgBodyUnread        = "mockauth: could not read the request body\n"
	MsgStrictPrefix      = "mockauth --strict: request refused by its contract:\n"
	MsgBadScenarioHeader = "mockauth: " + HeaderScenario + ": "
	MsgBadUserScenario   = "mockauth: "
)

// pipeline serves one vendor: it reads the request, checks it against the
// contract, asks the scenario engine whether a fault answers, lets the
// vendor answer into a buffer, sends the answer (or the fault's), and
// journals the exchange with its secrets redacted.
type pipeline struct {
	clock       clock.Clock                 // the Date header follows it
	advance     func(time.Duration) error   // moves the clock (the advance-clock fault)
	cur         atomic.Pointer[vendorState] // swapped whole when fixtures reload
	validator   *contracts.Validator
	journal     *journal.Journal
	engine      *scenario.Engine
	respRedact  redact.Policy // the usual secrets: a vendor's request field may be an ordinary answer field
	strict      bool
	done        <-chan struct{}     // closed when the stack stops: faults that wait give up
	inFlight    *atomic.Int64       // requests being served, stack-wide
	hosts       []string            // proxy mode: the Host names answered beyond loopback ones
	first       *firstSignal        // told of the stack's first request
	cut         <-chan struct{}     // closed at shutdown after the drain window: proxied calls still waiting end
	checker     *checker            // contract checks off the hot path
	heavy       heavyGate           // a place for each request with a large body
	reading     *semaphore.Weighted // room for the large bodies being read (heavy.go)
	log         *slog.Logger
	stubs       *stubRegistry // the stubs added at run time
	upstream    *proxied      // proxy mode: the real service answers; nil otherwise
	bodyTimeout time.Duration // reading a body takes at most this long
	lastDate    atomic.Pointer[dateText]
	lines       *lineSampler // stack-wide
}

// vendorState is a simulator with what the pipeline derives from it; a
// request uses one state from start to end.
type vendorState struct {
	spec          vendor.Spec
	spelling      map[string]string // canonical header name -> as the vendor writes it
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
	for _, name := range spec.HeaderSpelling {
		if vs.spelling == nil {
			vs.spelling = map[string]string{}
		}
		vs.spelling[http.CanonicalHeaderKey(name)] = name
	}
	return vs
}

// respell renames, in place, the headers the vendor spells its own way.
func respell(h http.Header, spelling map[string]string) {
	for canonical, raw := range spelling {
		if v, ok := h[canonical]; ok && canonical != raw {
			delete(h, canonical)
			h[raw] = v
		}
	}
}

// vendorWriter sends what the pipeline and the faults write with the
// vendor's header spelling.
type vendorWriter struct {
	http.ResponseWriter
	spelling map[string]string
	wrote    bool
}

func (w *vendorWriter) WriteHeader(status int) {
	if !w.wrote {
		w.wrote = true
		respell(w.Header(), w.spelling)
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *vendorWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *vendorWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// exchange is one request on its way through the pipeline.
type exchange struct {
	vs         *vendorState
	start      time.Time
	r          *http.Request
	body       []byte
	call       vendor.Call
	tracker    *tokens.Tracker // tokens minted while answering, never journaled
	violations []string
	decision   *scenario.Decision
	note       string              // what the fault did
	outcome    journal.Outcome     // what the answer meant
	unmatched  bool                // no documented operation matches
	diagnosis  string              // when unmatched: the closest operations
	checkable  bool                // read whole and matched: its contract check is due
	check      *contracts.Exchange // --strict: the request's check, for its answers
	answers    []answered          // the vendor's answers, for the contract check

	handler        http.Handler                             // who answers: the simulator, or a stub
	vendorErr      func(http.ResponseWriter, *http.Request) // a stub's refusal; nil: the vendor's error for the endpoint
	validator      *contracts.Validator                     // the contract the exchange is checked against; nil: none
	stub           *stub.Stub                               // the stub the request is for, if any
	auth           string                                   // a stub's check: "ok" or why it refused
	noContract     bool                                     // a stub without a contract
	upstreamAnswer *recorder                                // proxy mode: what the real service answered
	upstreamTokens []string                                 // and the tokens it handed out in it
	upstreamEchoes []string                                 // and the request's own secrets, masked where it repeats them
	fx             faultExchange                            // the vendor's answers as faults (and the pipeline) ask for them
	heavy          bool                                     // the body is larger than heavyBody
	holds          bool                                     // the exchange holds a place at the heavy gate
}

// vendorAnswered notes an answer of the vendor for the contract check:
// at once under --strict, later otherwise.
func (x *exchange) vendorAnswered(rec *recorder) {
	a := answered{status: rec.status, header: rec.header, body: rec.body.Bytes()}
	if x.check != nil {
		x.violations = append(x.violations, x.check.Response(a.status, a.header, a.body)...)
		if x.upstreamAnswer == rec {
			x.violations = append(x.violations, x.check.ResponseOrder(a.status, a.header, a.body)...)
		}
		return
	}
	x.answers = append(x.answers, a)
}

func (p *pipeline) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.first.arrived()
	p.inFlight.Add(1)
	defer p.inFlight.Add(-1)
	x := &exchange{start: time.Now(), r: r, vs: p.cur.Load()}
	if len(r.RequestURI) > MaxRequestURI {
		// No vendor takes one: refused before any work on it (a 60 KB
		// path's near-miss diagnosis, and a vendor's 404 that echoes it,
		// cost every other request; issue 31, N15).
		x.outcome = journal.OutcomeRefused
		p.answer(w, x, plain(http.StatusRequestURITooLong, MsgURITooLong))
		return
	}
	if p.upstream != nil && !admin.LocalHost(r.Host, p.hosts) {
		x.outcome = journal.OutcomeRefused
		w.Header().Set("Connection", "close")
		p.answer(w, x, plain(http.StatusForbidden, MsgForeignHost))
		return
	}
	rc := http.NewResponseController(w)
	if p.bodyTimeout > 0 {
		_ = rc.SetReadDeadline(x.start.Add(p.bodyTimeout)) // not supported in memory: no limit there
	}
	// A body that says its length within the cap is held to that length by
	// the server already; only one of unknown or larger length needs the cap.
	limited := r.Body
	if r.ContentLength < 0 || r.ContentLength > MaxBodyBytes {
		limited = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	}
	body, err := readBody(limited, r.ContentLength)
	if err == nil && len(body) > heavyBody {
		// A large body: the rest is read with room reserved for it, then
		// the work done with a place at the heavy gate (heavy.go). A
		// client that trickles its body holds no place meanwhile; in proxy
		// mode no place is held across the real service's answer.
		x.heavy = true
		n, ok := reserveReading(p.reading, r.Context(), p.done, r.ContentLength)
		if !ok {
			p.refuseAtGate(w, x)
			return
		}
		defer p.reading.Release(n)
		if p.bodyTimeout > 0 {
			_ = rc.SetReadDeadline(time.Now().Add(min(p.bodyTimeout, heavyReadTimeout)))
		}
		body, err = readRest(body, limited, r.ContentLength)
		if err == nil && p.upstream == nil {
			if !p.enterHeavy(x) {
				p.refuseAtGate(w, x)
				return
			}
			defer p.leaveHeavy(x)
		}
	}
	if err != nil {
		// The rest of the body is not read: the connection closes after
		// the answer (the server would otherwise wait to discard it).
		w.Header().Set("Connection", "close")
	} else if p.bodyTimeout > 0 && p.upstream != nil {
		// The real service may take long: the body's deadline must not
		// cut the connection (and cancel the request) meanwhile. A
		// simulated answer takes microseconds, long before it; a fault
		// that waits lifts it (below); the server sets the next one
		// before reading the next request.
		_ = rc.SetReadDeadline(time.Time{})
	}
	// Date on the simulated clock: a client that reads expiry against Date
	// sees one consistent time.
	w.Header()["Date"] = []string{p.date()}
	if x.vs.spelling != nil {
		w = &vendorWriter{ResponseWriter: w, spelling: x.vs.spelling}
	}
	x.body = body
	x.call = x.vs.sim.Describe(r, body)
	x.handler, x.validator = x.vs.sim, p.validator
	if p.upstream != nil {
		x.handler = p.upstream.handler
		// The real answer is held until the exchange ends: its share of
		// the stack's budget too.
		hold := p.upstream.budget.NewHold()
		defer hold.Release()
		// A call still waiting on the real service when the stack shuts
		// down (past the drain window) is answered 503 with Connection:
		// close, never cut off without an answer (issue 31, N13).
		ctx, cancel := context.WithCancelCause(upstream.WithHold(r.Context(), hold))
		defer cancel(nil)
		go func() {
			select {
			case <-p.cut:
				cancel(upstream.ErrShuttingDown)
			case <-ctx.Done():
			}
		}()
		r = r.WithContext(ctx)
		x.r = r
	}
	if err != nil {
		var tooLarge *http.MaxBytesError
		x.outcome = journal.OutcomeRefused
		if errors.As(err, &tooLarge) {
			p.answer(w, x, plain(http.StatusRequestEntityTooLarge, MsgBodyTooLarge))
			return
		}
		p.answer(w, x, plain(http.StatusBadRequest, MsgBodyUnread))
		return
	}

	if st, params, check := x.vs.stubs.lookup(r, body); st != nil {
		p.prepareStub(x, st, params, check)
	} else if !p.validator.Matches(r, x.call.Path) {
		// No documented operation: the vendor's server answers (its own 404
		// or 405); which operations are close, and what differs, goes in a
		// header, the journal and the log, never in the vendor's body.
		x.unmatched, x.outcome = true, journal.OutcomeUnmatched
		var also []contracts.Operation
		if x.vs.stubs != nil {
			also = x.vs.stubs.also
		}
		x.diagnosis = p.validator.DiagnosisWith(r.Method, r.URL.Path, also)
		rec := newRecorder()
		r.Body = io.NopCloser(bytes.NewReader(body))
		x.handler.ServeHTTP(rec, r)
		p.fromUpstream(x, r, rec)
		rec.header.Set(HeaderDiagnosis, x.diagnosis)
		p.answer(w, x, rec)
		return
	}
	if scheme := x.vs.endpointAuth[x.call.Endpoint]; scheme != "" && x.stub == nil && !x.unmatched && p.upstream == nil {
		// A built-in endpoint that takes a token: the vendor's check, for
		// the journal only (the simulator answers as it always does).
		if g, ok := x.vs.sim.(vendor.Guard); ok {
			login, refusal := g.Authenticate(scheme, r, body)
			x.auth = "ok"
			if refusal != nil {
				x.auth = refusal.Reason
			}
			if x.call.User == "" {
				x.call.User = login.User // whose token it is: scenarios match on it
			}
		}
	}
	x.checkable = x.validator != nil
	if p.strict && x.checkable {
		// Only --strict checks before answering; otherwise the check runs
		// off the hot path (checker.go) and its violations reach the journal.
		// A request checked before, byte for byte, has its verdict
		// remembered; its answers then take the default's way (their
		// verdicts remembered too, or checked off the hot path). A real
		// service's answers are checked in line always: drift is
		// reported at once.
		job := checkJob{v: x.validator, r: r, path: x.call.Path, body: body}
		key := requestKeyOf(&job)
		violations, known := p.checker.cached(key)
		if !known || p.upstream != nil {
			var check *contracts.Exchange
			check, violations = x.validator.Request(r, x.call.Path, body)
			p.checker.remember(key, violations)
			x.check = check
		}
		if len(violations) > 0 {
			x.violations, x.checkable, x.outcome, x.check = violations, false, journal.OutcomeRefused, nil
			p.answer(w, x, plain(http.StatusBadRequest, MsgStrictPrefix+"- "+strings.Join(violations, "\n- ")+"\n"))
			return
		}
	}

	dec, err := p.engine.Decide(scenario.Query{
		Vendor: x.vs.spec.Name, Endpoint: x.call.Endpoint, Method: r.Method, User: x.call.User,
		Header: r.Header.Get(HeaderScenario), UserScenario: x.vs.userScenarios[x.call.User],
	})
	if err != nil {
		prefix := MsgBadScenarioHeader
		var userErr *scenario.UserScenarioError
		if errors.As(err, &userErr) {
			prefix = MsgBadUserScenario
		}
		x.outcome = journal.OutcomeRefused
		p.answer(w, x, plain(http.StatusBadRequest, prefix+err.Error()+"\n"))
		return
	}
	x.decision = dec

	ctx, tracker := tokens.Track(r.Context(), dec.MintsExpired())
	x.tracker = tracker
	if x.call.Decoded != nil {
		ctx = vendor.WithDecoded(ctx, x.call.Decoded)
	}
	vr := r.WithContext(ctx)
	x.fx = faultExchange{p: p, x: x, r: vr}
	fx := &x.fx // within x: no allocation of its own
	if dec == nil {
		rec := fx.vendorAnswer()
		x.outcome = x.vendorOutcome(rec)
		p.answer(w, x, rec)
		return
	}
	x.outcome = journal.OutcomeFault
	if p.bodyTimeout > 0 && p.upstream == nil {
		_ = rc.SetReadDeadline(time.Time{}) // a fault may wait past the body's deadline
	}
	if dec.After {
		fx.vendorAnswer() // the vendor acts; the fault then loses or mangles its answer
	}
	cw := &captureWriter{ResponseWriter: w}
	p.leaveHeavy(x) // a fault may wait: the vendor's answer takes its place again
	x.note = dec.Fault.Serve(cw, vr, fx)
	if dec.PassesAnswer() && fx.answer != nil {
		x.outcome = x.vendorOutcome(fx.answer)
	}
	p.record(x, cw.status, cw.Header(), cw.body.Bytes(), false)
}

// readBody reads up to heavyBody+1 bytes of a body, in one allocation
// when the request says its length.
func readBody(body io.Reader, length int64) ([]byte, error) {
	if length <= 0 || length > heavyBody {
		return io.ReadAll(io.LimitReader(body, heavyBody+1))
	}
	// Longer than it said (a server checks that; a test's request may
	// not): at most heavyBody+1 in all.
	return fill(make([]byte, 0, length+1), body, heavyBody+1)
}

// readRest reads the rest of a large body after its first part, into one
// buffer of the declared length when there is one: 1 MiB bodies read at
// once, each grown by doubling and copied again, cost the collector what
// other clients then waited for. body is capped by its reader.
func readRest(first []byte, body io.Reader, length int64) ([]byte, error) {
	if length <= int64(len(first)) || length > MaxBodyBytes {
		rest, err := io.ReadAll(body)
		return append(first, rest...), err
	}
	buf := make([]byte, len(first), length+1)
	copy(buf, first)
	return fill(buf, body, MaxBodyBytes+1)
}

// fill reads body into buf's spare room (one more byte than the declared
// length: io.ReadAll's way of seeing the end without growing), then, if a
// body is longer than it said, the rest as it comes, up to limit bytes in
// all.
func fill(buf []byte, body io.Reader, limit int64) ([]byte, error) {
	for {
		n, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
		if len(buf) == cap(buf) {
			rest, err := io.ReadAll(io.LimitReader(body, limit-int64(len(buf))))
			return append(buf, rest...), err
		}
	}
}

// date is the Date header's value for the simulated clock's now,
// formatted once a second.
func (p *pipeline) date() string {
	now := p.clock.Now()
	if d := p.lastDate.Load(); d != nil && d.unix == now.Unix() {
		return d.text
	}
	d := &dateText{unix: now.Unix(), text: now.UTC().Format(http.TimeFormat)}
	p.lastDate.Store(d)
	return d.text
}

// dateText is a Date header's value and the second it names.
type dateText struct {
	unix int64
	text string
}

// enterHeavy takes a place at the heavy gate for x; false when the
// client went away or the stack stops first.
func (p *pipeline) enterHeavy(x *exchange) bool {
	x.holds = p.heavy.enter(x.r.Context(), p.done, gateWait)
	return x.holds
}

func (p *pipeline) leaveHeavy(x *exchange) {
	if x.holds {
		x.holds = false
		p.heavy.leave()
	}
}

// refuseAtGate answers a request that waited at the heavy gate until the
// stack stopped (or its client left), or past gateWait: 503, and the
// connection closes.
func (p *pipeline) refuseAtGate(w http.ResponseWriter, x *exchange) {
	w.Header().Set("Connection", "close")
	x.outcome = journal.OutcomeRefused
	select {
	case <-p.done:
		p.answer(w, x, plain(http.StatusServiceUnavailable, scenario.MsgShuttingDown))
	default:
		w.Header().Set("Retry-After", "1")
		p.answer(w, x, plain(http.StatusServiceUnavailable, MsgHeavyBusy))
	}
}

// vendorOutcome says what the vendor's own answer meant: a login that
// minted a token, a success, or the vendor's error (by status, or in the
// body for vendors whose errors come with HTTP 200).
func (x *exchange) vendorOutcome(rec *recorder) journal.Outcome {
	if x.tracker != nil && x.tracker.Count() > 0 {
		return journal.OutcomeLoginOK
	}
	if x.vs.spec.IsError(x.call.Endpoint, rec.status, rec.body.Bytes()) {
		return journal.OutcomeVendorError
	}
	return journal.OutcomeOK
}

// faultExchange gives a fault the vendor's answers, each run at most once
// and checked against the contract like any other answer.
type faultExchange struct {
	p      *pipeline
	x      *exchange
	r      *http.Request // the request as the vendor sees it
	answer *recorder
}

func (f *faultExchange) vendorAnswer() *recorder {
	if f.answer == nil {
		if f.x.heavy && !f.x.holds && f.p.upstream == nil {
			if !f.p.enterHeavy(f.x) {
				return plain(http.StatusServiceUnavailable, scenario.MsgShuttingDown)
			}
			defer f.p.leaveHeavy(f.x)
		}
		rec := newRecorder()
		f.r.Body = io.NopCloser(bytes.NewReader(f.x.body))
		f.x.handler.ServeHTTP(rec, f.r)
		f.p.fromUpstream(f.x, f.r, rec)
		f.x.vendorAnswered(rec)
		f.answer = rec
	}
	return f.answer
}

func (f *faultExchange) Answer() scenario.Answer { return f.vendorAnswer().answer() }

func (f *faultExchange) VendorError() scenario.Answer {
	rec := newRecorder()
	if f.x.vendorErr != nil {
		f.x.vendorErr(rec, f.r)
	} else {
		f.x.vs.sim.VendorError(rec, f.r, f.x.call.Endpoint)
	}
	f.x.vendorAnswered(rec)
	return rec.answer()
}

func (f *faultExchange) Done() <-chan struct{} { return f.p.done }

func (f *faultExchange) Rand() *scenario.Rand { return f.x.decision.Rand }

func (f *faultExchange) AdvanceClock(d time.Duration) error { return f.p.advance(d) }

func (f *faultExchange) EndSessions() (int, error) {
	e, ok := f.x.vs.sim.(vendor.SessionEnder)
	if !ok {
		return 0, scenario.ErrNoSessions
	}
	if f.x.call.User == "" {
		return 0, errors.New("the request names no login")
	}
	return e.EndSessions(f.x.call.User), nil
}

func (f *faultExchange) RestartVendor() { f.x.vs.sim.Reset() }

// answer sends a buffered answer and journals the exchange.
func (p *pipeline) answer(w http.ResponseWriter, x *exchange, rec *recorder) {
	h := w.Header()
	for k, v := range rec.header {
		h[k] = v
	}
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.body.Bytes())
	p.record(x, rec.status, rec.header, rec.body.Bytes(), true)
}

// record journals and logs one exchange; nothing secret leaves here in
// clear. owned: the pipeline owns respHeader and respBody (a buffered
// answer), so the journal may keep them until the entry is read.
func (p *pipeline) record(x *exchange, status int, respHeader http.Header, respBody []byte, owned bool) {
	r := x.r
	path := r.URL.Path
	if r.URL.RawQuery != "" {
		path += "?" + x.vs.reqRedact.Query(r.URL.RawQuery)
	}
	var minted []string
	if x.tracker != nil {
		minted = x.tracker.Minted()
	}
	if x.upstreamAnswer != nil && x.tracker == nil {
		minted = x.upstreamTokens // a request that went by no tracker (unmatched)
	}
	var job *checkJob
	violations := x.violations
	if x.checkable && x.check == nil {
		job = &checkJob{v: x.validator, r: r, path: x.call.Path, body: x.body, answers: x.answers, minted: minted, real: x.upstreamAnswer != nil}
		job.key = keyOf(job)
		if job.real {
			// A real service's answer is checked here, before its journal
			// entry and log line, which count its drift: proxy mode waits
			// on the network anyway, and nothing of it is shed.
			violations, job = append(slices.Clip(violations), p.checker.cachedCheck(*job)...), nil
		} else if v, ok := p.checker.cached(job.key); ok {
			// Checked before, byte for byte: the verdict goes in at once.
			violations, job = append(slices.Clip(violations), v...), nil
		}
	}
	if x.upstreamAnswer != nil {
		// A real answer's violations are the kinds of its drift, each
		// rule once (contracts.DriftKinds), in the journal, the log line
		// and the drift report alike.
		violations = contracts.DriftKinds(violations)
	}
	end := time.Now()
	dur := end.Sub(x.start)
	e := journal.Entry{
		Time:       x.start,
		Vendor:     x.vs.spec.Name,
		Endpoint:   x.call.Endpoint,
		User:       capped(x.call.User, maxJournaledName),
		Method:     r.Method,
		Path:       capped(path, maxJournaledPath),
		Status:     status,
		Outcome:    x.outcome,
		DurationMS: float64(dur.Microseconds()) / 1000,
		Unmatched:  x.unmatched,
		Diagnosis:  x.diagnosis,
		Violations: violations,
		Auth:       x.auth,
		NoContract: x.noContract,
		Upstream:   x.upstreamAnswer != nil,
	}
	if x.stub != nil {
		e.Stub = x.stub.Origin
	}
	if d := x.decision; d != nil {
		e.Scenario, e.Rule, e.Fault = d.Scenario, d.Rule, x.note
	}
	parts := &journalParts{req: x.vs.reqRedact, resp: p.respRedact, reqHeader: r.Header, reqBody: x.body,
		respHeader: respHeader, respBody: respBody, minted: minted, echoes: x.upstreamEchoes, spelling: x.vs.spelling}
	if owned && parts.small() && x.upstreamAnswer == nil {
		// Redacted when first read: most entries of a load are never read.
		e = p.journal.AddPending(e, parts)
	} else {
		parts.Complete(&e)
		e = p.journal.Add(e)
	}
	if x.upstreamAnswer != nil {
		drift := &driftNote{drift: p.upstream.drift, vendor: e.Vendor, endpoint: e.Endpoint, answer: x.upstreamAnswer,
			redact: p.respRedact, minted: minted, echoes: x.upstreamEchoes, example: upstream.Example{Entry: e.ID, Method: e.Method, Path: e.Path,
				Status: x.upstreamAnswer.status, ContentType: x.upstreamAnswer.header.Get("Content-Type")}}
		p.upstream.record(p, x)
		drift.add(p.journal, violations, time.Now())
	}
	if job != nil {
		job.id = e.ID
		p.checker.submit(*job)
	}
	ctx := r.Context()
	if !p.log.Enabled(ctx, slog.LevelInfo) {
		return
	}
	// A plain exchange: documented, answered by the vendor or a stub as
	// asked, nothing refused, broken or faulted. Only those are sampled.
	plain := e.Diagnosis == "" && e.Scenario == "" && len(e.Violations) == 0 && (e.Auth == "" || e.Auth == "ok") &&
		e.Outcome != journal.OutcomeRefused && status < 500
	if plain && !p.lines.allow(ctx, p.log, end) {
		return
	}
	var room [12]slog.Attr
	attrs := append(room[:0],
		slog.String("vendor", e.Vendor), slog.String("method", e.Method), slog.String("path", r.URL.Path),
		slog.String("endpoint", e.Endpoint), slog.Int("status", status), slog.Duration("duration", dur),
		slog.Int("violations", len(e.Violations)),
	)
	if e.Diagnosis != "" {
		attrs = append(attrs, slog.String("diagnosis", e.Diagnosis))
	}
	if e.Auth != "" {
		attrs = append(attrs, slog.String("auth", e.Auth))
	}
	if e.Scenario != "" {
		attrs = append(attrs, slog.String("scenario", e.Scenario), slog.Int("rule", e.Rule), slog.String("fault", e.Fault))
	}
	// A record made here, not by Logger.Info: that one also walks the
	// stack for a source position no handler of ours prints.
	rec := slog.NewRecord(end, slog.LevelInfo, "request", 0)
	rec.AddAttrs(attrs...)
	_ = p.log.Handler().Handle(ctx, rec)
}

// journalParts are an exchange's headers and bodies as the pipeline holds
// them; the journal gets them redacted (Complete) when it first hands the
// entry out. The request's header map and the bodies are read only, never
// changed, after the exchange is recorded.
type journalParts struct {
	req, resp             redact.Policy
	reqHeader, respHeader http.Header
	reqBody, respBody     []byte
	minted                []string
	echoes                []string // proxy mode: the request's secrets, masked where the real answer repeats them
	spelling              map[string]string
	reqHeaderBytes        int // headerBytes(reqHeader), measured once
}

// maxPendingHeaders bounds the request header bytes an entry keeps
// unredacted: beyond, the entry is redacted at once (its values capped).
const maxPendingHeaders = 8 << 10

// small reports whether the parts may wait in the journal as they are: the
// bodies within what the journal keeps of them, the headers small.
func (j *journalParts) small() bool {
	if len(j.reqBody) > maxJournaledBody || len(j.respBody) > maxJournaledBody {
		return false
	}
	j.reqHeaderBytes = headerBytes(j.reqHeader)
	return j.reqHeaderBytes <= maxPendingHeaders
}

// Size implements journal.Pending (for parts that were small).
func (j *journalParts) Size() int {
	return len(j.reqBody) + len(j.respBody) + j.reqHeaderBytes + headerBytes(j.respHeader)
}

// Complete implements journal.Pending: the redacted headers and bodies.
func (j *journalParts) Complete(e *journal.Entry) {
	e.RequestHeaders = cappedHeaders(j.req.Headers(j.reqHeader))
	e.RequestBody = journaled(j.req, j.reqHeader.Get("Content-Type"), j.reqBody, j.minted)
	e.ResponseHeaders = spelled(valuesMasked(j.resp.Headers(j.respHeader), j.minted, j.echoes), j.spelling)
	e.ResponseBody = redact.Echoed(journaled(j.resp, j.respHeader.Get("Content-Type"), j.respBody, j.minted), j.echoes)
}

// headerBytes is about the bytes h holds.
func headerBytes(h http.Header) int {
	n := 0
	for k, vs := range h {
		n += len(k)
		for _, v := range vs {
			n += len(v)
		}
	}
	return n
}

// valuesMasked masks, in place, the minted tokens in h's values (a copy the
// caller owns): a real service may hand one out in a header of any name.
func valuesMasked(h http.Header, minted, echoes []string) http.Header {
	if len(minted) == 0 && len(echoes) == 0 {
		return h
	}
	for _, vs := range h {
		for i, v := range vs {
			vs[i] = redact.Echoed(redact.Values(v, minted), echoes)
		}
	}
	return h
}

// spelled is h (a copy the caller owns) with the vendor's spelling.
func spelled(h http.Header, spelling map[string]string) http.Header {
	respell(h, spelling)
	return h
}

// Bounds of what the journal keeps of a request's names: a login name or
// a path can be as long as the request, and the journal keeps a thousand.
const (
	maxJournaledName = 256
	maxJournaledPath = 2 << 10
)

// maxJournaledHeader bounds a request header value in the journal.
const maxJournaledHeader = 1 << 10

// cappedHeaders caps, in place, every value of h (a copy the caller owns).
func cappedHeaders(h http.Header) http.Header {
	for _, vs := range h {
		for i, v := range vs {
			if len(v) > maxJournaledHeader {
				vs[i] = capped(v, maxJournaledHeader)
			}
		}
	}
	return h
}

// capped is a copy of s (never a slice that keeps a whole body alive), at
// most n bytes of it.
func capped(s string, n int) string {
	if len(s) <= n {
		return strings.Clone(s)
	}
	return strings.Clone(s[:n]) + "…"
}

// journaled is what the journal keeps of a body: its first
// maxJournaledBody bytes, redacted. Only those are read, so a large body
// costs no more than a small one (a 1 MiB XML body took 0.07–0.8 s to
// redact whole); a minted token the cut would split is left out whole.
func journaled(p redact.Policy, contentType string, body []byte, minted []string) string {
	if len(body) <= maxJournaledBody {
		return redact.Values(p.Body(contentType, body), minted)
	}
	n := maxJournaledBody
	for _, v := range minted {
		from := max(0, n-len(v)+1)
		if i := bytes.Index(body[from:min(len(body), n+len(v)-1)], []byte(v)); i >= 0 {
			n = from + i
		}
	}
	return redact.Values(p.BodyPrefix(contentType, body, n), minted) + fmt.Sprintf("…[%d bytes more]", len(body)-n)
}

// recorder buffers a vendor's answer so the pipeline can check it against
// the contract (and, for faults, change it) before anything is sent.
type recorder struct {
	status int
	header http.Header
	body   bytes.Buffer
	wrote  bool
}

func newRecorder() *recorder { return &recorder{status: http.StatusOK, header: http.Header{}} }

func plain(status int, msg string) *recorder {
	rec := newRecorder()
	rec.header.Set("Content-Type", "text/plain; charset=utf-8")
	rec.WriteHeader(status)
	rec.body.WriteString(msg)
	return rec
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.body.Write(b)
}

func (r *recorder) answer() scenario.Answer {
	return scenario.Answer{Status: r.status, Header: r.header.Clone(), Body: bytes.Clone(r.body.Bytes())}
}

// captureWriter passes a fault's answer through while keeping a copy for
// the journal; Unwrap lets faults reach the connection (Hijack, Flush).
type captureWriter struct {
	http.ResponseWriter
	status int // 0 until a status is written: a hijacked connection has none
	body   bytes.Buffer
}

func (c *captureWriter) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
	c.ResponseWriter.WriteHeader(status)
}

func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	if c.body.Len() < maxJournaledBody {
		c.body.Write(b[:min(len(b), maxJournaledBody-c.body.Len())])
	}
	return c.ResponseWriter.Write(b)
}

func (c *captureWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// firstSignal is closed by a stack's first vendor request (Stack.Requested).
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
