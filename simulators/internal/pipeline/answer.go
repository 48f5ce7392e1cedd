package pipeline

import (
	"errors"
	"net/http"
	"time"

	"github.com/mockauth/mockauth/simulators/journal"
	"github.com/mockauth/mockauth/simulators/scenario"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// answer is the fourth stage when no fault answers: the responder's
// answer, buffered, with what it meant (a login that minted a token, a
// success, the vendor's error).
func (p *Pipeline) answer(x *exchange) *buffered {
	ans := x.fx.vendorAnswer()
	x.outcome = x.vendorOutcome(ans)
	return ans
}

// fault is the fourth stage when a fault answers: it writes its own
// answer (delays it, mangles the vendor's, or breaks the connection),
// and the exchange is finished when it is done. (phase: after: the
// vendor answers first.)
func (p *Pipeline) fault(w http.ResponseWriter, x *exchange) {
	dec := x.decision
	x.outcome = journal.OutcomeFault
	if p.proxy == nil {
		_ = http.NewResponseController(w).SetReadDeadline(time.Time{}) // a fault may wait past the body's deadline
	}
	if dec.After {
		x.fx.vendorAnswer() // the vendor acts; the fault then loses or mangles its answer
	}
	cw := &captureWriter{ResponseWriter: w}
	p.leaveHeavy(x) // a fault may wait: the vendor's answer takes its place again
	x.note = dec.Fault.Serve(cw, x.vr, &x.fx)
	if dec.PassesAnswer() && x.fx.answer != nil {
		x.outcome = x.vendorOutcome(x.fx.answer)
	}
	p.finish(p.journal(x, cw.status, cw.Header(), cw.body.Bytes(), false))
}

// vendorOutcome says what the vendor's own answer meant: a login that
// minted a token, a success, or the vendor's error (by status, or in the
// body for vendors whose errors come with HTTP 200).
func (x *exchange) vendorOutcome(ans *buffered) journal.Outcome {
	if x.vr != nil && x.tracked.Count() > 0 {
		return journal.OutcomeLoginOK
	}
	if x.vs.spec.IsError(x.call.Endpoint, ans.status, ans.body.Bytes()) {
		return journal.OutcomeVendorError
	}
	return journal.OutcomeOK
}

// vendorAnswered notes an answer of the vendor for the contract check:
// at once under --strict, later otherwise.
func (x *exchange) vendorAnswered(ans *buffered) {
	a := answered{status: ans.status, header: ans.header, body: ans.body.Bytes()}
	if x.answers == nil {
		x.answers = x.answersRoom[:0]
	}
	if x.check != nil {
		x.violations = append(x.violations, x.check.Response(a.status, a.header, a.body)...)
		if x.real.answer == ans {
			x.violations = append(x.violations, x.check.ResponseOrder(a.status, a.header, a.body)...)
		}
		return
	}
	x.answers = append(x.answers, a)
}

// faultExchange gives a fault the vendor's answers, each run at most once
// and checked against the contract like any other answer.
type faultExchange struct {
	x      *exchange
	answer *buffered
}

var _ scenario.Exchange = (*faultExchange)(nil)

// vendorAnswer is the responder's answer, run once.
func (f *faultExchange) vendorAnswer() *buffered {
	x := f.x
	if f.answer == nil {
		if x.heavy && !x.holds && x.p.proxy == nil {
			if !x.p.enterHeavy(x) {
				return plain(http.StatusServiceUnavailable, scenario.MsgShuttingDown)
			}
			defer x.p.leaveHeavy(x)
		}
		ans := x.responder.respond(x, x.vr)
		x.vendorAnswered(ans)
		f.answer = ans
	}
	return f.answer
}

func (f *faultExchange) Answer() scenario.Answer { return f.vendorAnswer().answer() }

func (f *faultExchange) VendorError() scenario.Answer {
	ans := f.x.responder.refuse(f.x, f.x.vr)
	f.x.vendorAnswered(ans)
	return ans.answer()
}

func (f *faultExchange) Done() <-chan struct{} { return f.x.p.sh.done }

func (f *faultExchange) Rand() *scenario.Rand { return f.x.decision.Rand }

func (f *faultExchange) AdvanceClock(d time.Duration) error {
	if adv := f.x.p.sh.advance; adv != nil {
		return adv(d)
	}
	return f.x.p.sh.clock.Advance(d)
}

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

func (f *faultExchange) RestartVendor() {
	if restart := f.x.p.sh.restart; restart != nil {
		restart(f.x.p.spec.Name)
		return
	}
	f.x.vs.sim.Reset()
}
