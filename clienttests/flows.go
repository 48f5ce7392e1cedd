package clienttests

import (
	"bytes"
	"fmt"
	"time"

	"github.com/mockauth/mockauth/simulators/journal"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// FlowCalls is how many calls after login a flow case's client makes: the
// token dies after the first, so the second proves the client logged in
// again, and the third that it kept the new token.
const FlowCalls = 3

// maxFlowRequests bounds a flow: every call refused once and retried
// after one login, the first login and the end.
func maxFlowRequests(calls int) int { return 2*calls + 3 }

// flowCases are the cases of a protected endpoint: the token dies between
// two calls (the clock passes its lifetime, another session ends it, the
// vendor restarts), every call is refused, or the login answers the
// vendor's error.
func flowCases(vendorName, endpoint string, ce vendor.ConformanceEndpoint) []Case {
	c := func(name, scenario string, want Outcome) Case {
		return Case{Name: name, Vendor: vendorName, Endpoint: endpoint, Scenario: scenario, Want: want, Deadline: DefaultDeadline, Calls: FlowCalls}
	}
	cases := []Case{
		c("token good on every call", "", WantToken),
		c("the clock passes the token's lifetime between two calls: log in again once", "cf-flow-clock", WantToken),
		c("another session ends the token between two calls: log in again once", "cf-flow-ended", WantToken),
		c("the vendor restarts between two calls: log in again once", "cf-flow-restart", WantToken),
		c("every call refused: log in again once, then give up without a storm of logins", "cf-flow-refused", WantError),
		c("the login answers the vendor's error: never send it as a token", "cf-flow-login-error", WantError),
	}
	for _, vc := range ce.Cases {
		want := WantToken
		if vc.WantError {
			want = WantError
		}
		x := c(vc.Name, vc.Scenario, want)
		x.Role, x.Drop, x.Creds, x.Fixtures = vc.Role, vc.Drop, vc.Creds, vc.Fixtures
		cases = append(cases, x)
	}
	return cases
}

// flowScenarios is conformance.yaml with the flow cases' scenarios, which
// name the vendor's protected endpoint and login (conformance.yaml's only
// key is scenarios:, so they append to it).
func flowScenarios(vendorName, endpoint string) []byte {
	_, ce, err := conformanceEndpoint(vendorName, endpoint)
	if err != nil {
		return scenariosYAML
	}
	var b bytes.Buffer
	b.Write(bytes.TrimRight(scenariosYAML, "\n"))
	fmt.Fprintf(&b, `
  cf-flow-clock:
    description: the first call after login is answered, then the clock moves past every vendor's token lifetime
    rules:
      - match: {vendor: %[1]s, endpoint: %[2]s}
        when: {first: 1}
        fault: {type: advance-clock, duration: 48h}
  cf-flow-ended:
    description: the first call after login is answered, then another session ends the login's tokens
    rules:
      - match: {vendor: %[1]s, endpoint: %[2]s}
        when: {first: 1}
        fault: {type: end-sessions}
  cf-flow-restart:
    description: the first call after login is answered, then the vendor restarts and forgets every token
    rules:
      - match: {vendor: %[1]s, endpoint: %[2]s}
        when: {first: 1}
        fault: {type: vendor-restart}
  cf-flow-refused:
    description: every call after login is refused as the vendor refuses a stale token
    rules:
      - match: {vendor: %[1]s, endpoint: %[2]s}
        fault: {type: vendor-error}
  cf-flow-login-error:
    description: the login answers the vendor's own error
    rules:
      - match: {vendor: %[1]s, endpoint: %[3]s}
        fault: {type: vendor-error}
`, vendorName, endpoint, ce.LoginEndpoint)
	return b.Bytes()
}

// Backoff a client owes repeated refusals: the second re-login in a row
// after a refused call waits at least minBackoff after the refusal, each
// further one twice as long. A client that backs off so cannot make
// stormStreak re-logins in a row within a case's deadline, so that many is
// a storm whatever the timing.
const (
	minBackoff  = 500 * time.Millisecond
	stormStreak = 5
)

const stormMsg = "logged in again after every refused call, without backing off"

// judgeFlow reads a flow's journal: a token of "0" sent, a storm of
// logins on repeated refusals, more than one login between two calls,
// and a session left open.
func judgeFlow(c Case, ce vendor.ConformanceEndpoint, entries []journal.Entry, failed bool) []string {
	var reasons []string
	zero, missing := false, false
	refusedAt := time.Time{} // the last refused call, until a call succeeds
	streak := 0              // logins in a row, each after a refused call
	loginsSinceCall, calls := 0, 0
	storm, extra := "", ""
	for _, e := range entries {
		switch e.Endpoint {
		case ce.Name:
			calls++
			loginsSinceCall = 0
			switch e.Auth {
			case vendor.RefusedZero:
				zero = true
			case vendor.RefusedMissing:
				missing = true
			}
			if e.Auth != "ok" || e.Outcome == journal.OutcomeFault || e.Outcome == journal.OutcomeVendorError {
				refusedAt = e.Time.Add(time.Duration(e.DurationMS * float64(time.Millisecond)))
			} else {
				refusedAt, streak = time.Time{}, 0
			}
		case ce.LoginEndpoint:
			if e.Outcome != journal.OutcomeLoginOK {
				continue // a failed login is the login cases' business
			}
			loginsSinceCall++
			if calls > 0 && loginsSinceCall == 2 && extra == "" {
				extra = "logged in more than once between two calls, where one login was due"
			}
			if refusedAt.IsZero() {
				continue
			}
			streak++
			if storm != "" || streak < 2 {
				continue
			}
			if streak >= stormStreak {
				storm = fmt.Sprintf("%s (%d logins in a row, each after a refused call)", stormMsg, streak)
			} else if need, gap := minBackoff<<(streak-2), e.Time.Sub(refusedAt); gap < need {
				storm = fmt.Sprintf("%s (login %d in a row came %d ms after its refusal; at least %v was due)", stormMsg, streak, gap.Milliseconds(), need)
			}
		}
	}
	if zero {
		reasons = append(reasons, `sent "0" as its token (the login's error answer, kept as a token)`)
	}
	if missing && !zero {
		reasons = append(reasons, "called without a token")
	}
	if storm != "" {
		reasons = append(reasons, storm)
	}
	if extra != "" {
		reasons = append(reasons, extra)
	}
	if c.Want == WantToken && !failed {
		if calls < c.Calls {
			reasons = append(reasons, fmt.Sprintf("made %d calls to %s, where %d were due", calls, ce.Name, c.Calls))
		}
		if ce.EndEndpoint != "" && (len(entries) == 0 || entries[len(entries)-1].Endpoint != ce.EndEndpoint ||
			entries[len(entries)-1].Outcome != journal.OutcomeOK) {
			reasons = append(reasons, fmt.Sprintf("did not end its session (%s) after its last call", ce.EndEndpoint))
		}
	}
	return reasons
}
