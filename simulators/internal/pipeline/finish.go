package pipeline

import (
	"net/http"
	"slices"
	"time"

	"github.com/mockauth/mockauth/contracts"
	"github.com/mockauth/mockauth/simulators/journal"
)

// Finished is one exchange, answered, as the listeners are given it.
type Finished struct {
	// Entry is the journal entry, already in the journal with its ID
	// (journal), nothing in it secret.
	Entry journal.Entry
	// Parts are the exchange's headers and bodies, redacted when the
	// entry is first read (or at once, Whole).
	Parts journal.Parts
	// Whole: the entry's redacted parts are to be worked out now (by the
	// journal listener): they are large, or not the pipeline's to keep.
	Whole bool

	x      *exchange
	minted []string  // tokens the answer handed out
	job    *checkJob // a contract check still to run, off the hot path
	end    time.Time
}

// A Listener is told of each finished exchange, in the pipeline's order,
// after its answer has been written and flushed (for a fault's answer,
// when the fault is done with the connection).
type Listener interface {
	Finished(f *Finished)
}

// finish is the last stage: the finished exchange is handed to the
// listeners, in order, after its answer has been flushed.
func (p *Pipeline) finish(f *Finished) {
	for _, l := range p.listeners {
		l.Finished(f)
	}
}

// journal makes the exchange one journal entry and puts it in the
// journal before the answer is flushed: the journal's order is the order
// clients were answered (a client that sends again at once finds its
// first exchange before the second). Its headers and bodies wait there
// unredacted, worked out when first read (most entries of a load never
// are), or by the journal listener when they are large.
// owned: the pipeline owns respHeader and respBody (a buffered answer).
func (p *Pipeline) journal(x *exchange, status int, respHeader http.Header, respBody []byte, owned bool) *Finished {
	f := &x.fin
	*f = Finished{x: x, end: time.Now(), minted: x.minted()}
	violations := p.verdict(x, f)
	r := x.r
	path := r.URL.Path
	if r.URL.RawQuery != "" {
		path += "?" + x.vs.reqRedact.Query(r.URL.RawQuery)
	}
	f.Entry = journal.Entry{
		Time:       x.start,
		Vendor:     x.vs.spec.Name,
		Endpoint:   x.call.Endpoint,
		User:       journal.Capped(x.call.User, journal.MaxName),
		Method:     r.Method,
		Path:       journaledPath(path),
		Status:     status,
		Outcome:    x.outcome,
		DurationMS: float64(f.end.Sub(x.start).Microseconds()) / 1000,
		Unmatched:  x.unmatched,
		Diagnosis:  x.diagnosis,
		Violations: violations,
		Auth:       x.auth,
		NoContract: x.noContract,
		Upstream:   x.upstreamAnswered(),
	}
	if x.stub != nil {
		f.Entry.Stub = x.stub.Origin
	}
	if d := x.decision; d != nil {
		f.Entry.Scenario, f.Entry.Rule, f.Entry.Fault = d.Scenario, d.Rule, x.note
	}
	f.Parts = journal.Parts{Request: x.vs.reqRedact, Response: p.respRedact, RequestHeader: r.Header, RequestBody: x.body,
		ResponseHeader: respHeader, ResponseBody: respBody, Minted: f.minted, Echoes: x.real.echoes, Spelling: x.vs.spelling}
	f.Whole = !owned || !f.Parts.Small() || x.upstreamAnswered()
	parts := new(journal.Parts) // of its own: the exchange is not kept with it
	*parts = f.Parts
	f.Entry = p.sh.journal.AddPending(f.Entry, parts)
	return f
}

// journaledPath is what the journal keeps of a path: the request line's
// own string (bounded by MaxRequestURI, so it holds nothing larger), or
// a capped copy of a longer one.
func journaledPath(path string) string {
	if len(path) > journal.MaxPath {
		return journal.Capped(path, journal.MaxPath)
	}
	return path
}

// minted are the tokens the exchange's answers handed out.
func (x *exchange) minted() []string {
	if x.vr != nil {
		return x.tracked.Minted()
	}
	return x.real.tokens // a request that went by no tracker (unmatched)
}

// verdict is what the exchange's contract check says, when it is known
// now: --strict's, a verdict remembered for the same bytes, or a real
// service's answer (checked here, before its journal entry and log line,
// which count its drift: proxy mode waits on the network anyway, and
// nothing of it is shed). Otherwise f.job is the check to run off the
// hot path.
func (p *Pipeline) verdict(x *exchange, f *Finished) []string {
	violations := x.violations
	if x.checkable && x.check == nil {
		job := &x.jobRoom
		*job = checkJob{v: x.validator, r: x.r, path: x.call.Path, body: x.body, answers: x.answers, minted: f.minted, real: x.upstreamAnswered()}
		job.key = keyOf(job)
		if job.real {
			violations = append(slices.Clip(violations), p.sh.checker.cachedCheck(*job)...)
		} else if v, ok := p.sh.checker.cached(job.key); ok {
			violations = append(slices.Clip(violations), v...)
		} else {
			f.job = job
		}
	}
	if x.upstreamAnswered() {
		// A real answer's violations are the kinds of its drift, each
		// rule once, in the journal, the log line and the drift report.
		violations = contracts.DriftKinds(violations)
	}
	return violations
}
