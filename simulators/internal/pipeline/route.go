package pipeline

import (
	"net/http"
	"strings"

	"github.com/mockauth/mockauth/contracts"
	"github.com/mockauth/mockauth/simulators/journal"
	"github.com/mockauth/mockauth/simulators/stub"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// route is the second stage: who answers the call. A stub the request
// is for (its check of the credential run once, its verdict journaled);
// else a documented operation, answered by the simulator (or the real
// service); else none: the vendor's own 404 or 405 answers at once, the
// near misses in X-Mockauth-Diagnosis (not on a real service's answer),
// the journal and the log, never in the vendor's body.
func (p *Pipeline) route(x *exchange) *buffered {
	x.responder, x.validator = p.responder, p.validator
	if st, params, check := x.vs.stubs.lookup(x.r, x.body); st != nil {
		p.routeToStub(x, st, params, check)
	} else if !p.validator.Matches(x.r, x.call.Path) {
		x.unmatched = true
		var also []contracts.Operation
		if x.vs.stubs != nil {
			also = x.vs.stubs.also
		}
		x.diagnosis = p.validator.DiagnosisWith(x.r.Method, x.r.URL.Path, also)
		if x.vs.stubs != nil && p.proxy == nil {
			if allow := x.vs.stubs.set.Methods(x.r.URL.Path); len(allow) > 0 {
				// A stub's path is the application's: another method
				// there is the framework's 405 (or OPTIONS), as on its own.
				x.r = x.r.WithContext(vendor.WithAllowed(x.r.Context(), allow))
			}
		}
		ans := x.responder.respond(x, x.r)
		if p.proxy == nil {
			// A real service's answer goes back byte for byte: its
			// diagnosis is in the journal and the log only.
			ans.header.Set(HeaderDiagnosis, x.diagnosis)
		}
		x.outcome = journal.OutcomeUnmatched
		return ans
	} else if scheme := x.vs.endpointAuth[x.call.Endpoint]; scheme != "" && p.proxy == nil {
		// A built-in endpoint that takes a token: the vendor's check, for
		// the journal only (the simulator answers as it always does).
		if g, ok := x.vs.sim.(vendor.Guard); ok {
			login, refusal := g.Authenticate(scheme, x.r, x.body)
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
	return nil
}

// routeToStub readies an exchange for a stub: the vendor's check of its
// credential (run once, its verdict journaled), the contract it is
// checked against, and the stub's responder (the vendor's refusal, or
// the stub's rendered answer).
func (p *Pipeline) routeToStub(x *exchange, st *stub.Stub, params map[string]string, check *stubCheck) {
	x.stub = st
	x.validator, x.noContract = nil, true
	if check != nil {
		x.validator, x.noContract = check.v, false
		if !strings.Contains(st.Path, "{") {
			x.call.Path = check.path
		}
	}
	named := x.call.User // the login a login request names (Describe)
	x.call = vendor.Call{Endpoint: st.Name}
	guard, _ := x.vs.sim.(vendor.Guard)
	c := stub.Authorize(st, params, guard, x.r, x.body)
	x.auth, x.call.User = c.Verdict(), c.Login.User
	if x.call.User == "" {
		x.call.User = named
	}
	c.User = x.call.User
	if m, ok := x.vs.sim.(vendor.Minter); ok {
		c.Mint = m.Mint
	}
	x.stubbed = stubbed{handler: c.Handler(x.vs.spec.Name, x.body, p.sh.clock.Now), refusal: func(w http.ResponseWriter, r *http.Request) {
		if !stub.Refuse(st, guard, w, r) {
			x.vs.sim.VendorError(w, r, "")
		}
	}}
	x.responder = &x.stubbed
}
