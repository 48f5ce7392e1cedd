package pipeline

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/mockauth/mockauth/contracts"
	"github.com/mockauth/mockauth/simulators/journal"
	"github.com/mockauth/mockauth/simulators/scenario"
	"github.com/mockauth/mockauth/simulators/tokens"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// admit is the third stage: whether the request is answered as asked.
// Under --strict a request that breaks its contract is refused (400);
// then the scenario engine decides whether a fault answers
// (X-Mockauth-Scenario, the login's scenario, the active scenarios; an
// unknown name is refused, 400).
func (p *Pipeline) admit(x *exchange) *buffered {
	if p.sh.strict && x.checkable {
		if violations := p.checkRequest(x); len(violations) > 0 {
			x.violations, x.checkable, x.check = violations, false, nil
			return x.settle(http.StatusBadRequest, MsgStrictPrefix+"- "+strings.Join(violations, "\n- ")+"\n", journal.OutcomeRefused)
		}
	}
	dec, err := p.sh.engine.Decide(scenario.Query{
		Vendor: x.vs.spec.Name, Endpoint: x.call.Endpoint, Method: x.r.Method, User: x.call.User,
		Header: x.r.Header.Get(HeaderScenario), UserScenario: x.vs.userScenarios[x.call.User],
	})
	if err != nil {
		prefix := MsgBadScenarioHeader
		var userErr *scenario.UserScenarioError
		if errors.As(err, &userErr) {
			prefix = MsgBadUserScenario
		}
		return x.settle(http.StatusBadRequest, prefix+err.Error()+"\n", journal.OutcomeRefused)
	}
	x.decision = dec
	x.tracked.Reset(dec.MintsExpired())
	x.ctx = exchangeContext{Context: x.r.Context(), x: x}
	x.vr = x.r.WithContext(&x.ctx)
	x.fx = faultExchange{x: x}
	return nil
}

// exchangeContext is the request's context as the vendor sees it: the
// exchange's token tracker and what Describe decoded, in one value of the
// exchange's own (two context.WithValue cost two allocations a request).
type exchangeContext struct {
	context.Context
	x *exchange
}

func (c *exchangeContext) Value(key any) any {
	switch key {
	case tokens.TrackerKey:
		return &c.x.tracked
	case vendor.DecodedKey:
		if d := c.x.call.Decoded; d != nil {
			return d
		}
	}
	return c.Context.Value(key)
}

// checkRequest is --strict's check of the request before it is answered.
// A request checked before, byte for byte, has its verdict remembered;
// its answers then take the default's way (their verdicts remembered
// too, or checked off the hot path). A real service's answers are checked
// in line always: drift is reported at once.
func (p *Pipeline) checkRequest(x *exchange) []string {
	job := checkJob{v: x.validator, r: x.r, path: x.call.Path, body: x.body}
	key := requestKeyOf(&job)
	violations, known := p.sh.checker.cached(key)
	if !known || p.proxy != nil {
		var check *contracts.Exchange
		check, violations = x.validator.Request(x.r, x.call.Path, x.body)
		p.sh.checker.remember(key, violations)
		x.check = check
	}
	return violations
}
