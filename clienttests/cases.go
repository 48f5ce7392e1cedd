package clienttests

import (
	_ "embed"
	"fmt"
	"slices"
	"time"

	"github.com/mockauth/mockauth/simulators"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// Outcome is what a client must do in a case.
type Outcome int

const (
	// WantToken: hand back exactly a token the simulator minted, still good.
	WantToken Outcome = iota
	// WantError: report failure and hand back nothing as a token.
	WantError
	// WantTokenOrError: transient faults: a good token after a retry, or a
	// clean failure, but never something else as a token.
	WantTokenOrError
)

func (o Outcome) String() string {
	return [...]string{"token", "error", "token-or-error"}[o]
}

// Limits every case holds a client to.
const (
	MaxRequests     = 5
	DefaultDeadline = 6 * time.Second
	// DefaultStartup is how long a program client has to send its first
	// request, when its deadline starts.
	DefaultStartup = 10 * time.Second
)

//go:embed conformance.yaml
var scenariosYAML []byte

// Case is one conformance case: a client logs in at an endpoint, under a
// scenario, with credentials, and must reach the outcome within the limits.
type Case struct {
	Name     string
	Vendor   string
	Endpoint string
	Scenario string            // "" for none
	Role     string            // whose demo login: "" the main one, or a role (agent, code, ...)
	Creds    map[string]string // overrides of the demo credentials
	Drop     []string          // demo credentials left out
	Want     Outcome
	Deadline time.Duration
	// Startup, for a program client, is how long it has to send its first
	// request (default DefaultStartup); its Deadline counts from there.
	Startup time.Duration
	// FixturesDir overrides the embedded fixtures of the case's stack, as
	// mockauth serve --fixtures does: the client is given its demo logins.
	FixturesDir string
	// Fixtures, when set, is the vendor's fixture file for the case (a
	// variant the vendor describes), before FixturesDir.
	Fixtures vendor.File
	// Calls, for a protected endpoint, is how many calls after login the
	// client makes in the case's flow (Env.Calls).
	Calls int
}

// spec is a registered vendor with conformance cases.
func spec(vendorName string) (vendor.Spec, error) {
	s, ok := simulators.SpecOf(vendorName)
	if !ok || len(s.Conformance.Endpoints) == 0 {
		return vendor.Spec{}, fmt.Errorf("clienttests: no vendor %q with conformance cases (vendors: %v)", vendorName, Vendors())
	}
	return s, nil
}

// Vendors lists the registered vendors that have conformance cases.
func Vendors() []string {
	var out []string
	for _, s := range simulators.Specs() {
		if len(s.Conformance.Endpoints) > 0 {
			out = append(out, s.Name)
		}
	}
	return out
}

// Endpoints lists a vendor's endpoints that have cases, from its
// description. Login endpoints take a plain login; the token-checking
// ones take a login whose token the client then proves on that endpoint,
// logging in again when it is refused.
func Endpoints(vendorName string) []string {
	s, err := spec(vendorName)
	if err != nil {
		return nil
	}
	out := make([]string, len(s.Conformance.Endpoints))
	for i, e := range s.Conformance.Endpoints {
		out[i] = e.Name
	}
	return out
}

// conformanceEndpoint finds an endpoint's conformance description.
func conformanceEndpoint(vendorName, endpoint string) (vendor.Spec, vendor.ConformanceEndpoint, error) {
	s, err := spec(vendorName)
	if err != nil {
		return s, vendor.ConformanceEndpoint{}, err
	}
	i := slices.IndexFunc(s.Conformance.Endpoints, func(e vendor.ConformanceEndpoint) bool { return e.Name == endpoint })
	if i < 0 {
		return s, vendor.ConformanceEndpoint{}, fmt.Errorf("clienttests: no cases for %s %s (endpoints: %v)", vendorName, endpoint, Endpoints(vendorName))
	}
	return s, s.Conformance.Endpoints[i], nil
}

// Cases returns the cases of one vendor endpoint: the vendor-neutral set
// (conformance.yaml's scenarios apply to any vendor), less what the
// vendor skips, and the vendor's own cases.
func Cases(vendorName, endpoint string) ([]Case, error) {
	_, ce, err := conformanceEndpoint(vendorName, endpoint)
	if err != nil {
		return nil, err
	}
	c := func(name, scenario string, want Outcome, creds map[string]string) Case {
		return Case{Name: name, Vendor: vendorName, Endpoint: endpoint, Scenario: scenario, Creds: creds, Want: want, Deadline: DefaultDeadline}
	}
	var cases []Case
	if ce.Protected {
		return flowCases(vendorName, endpoint, ce), nil
	}
	if ce.Checking {
		cases = []Case{
			c("demo login, token proven", "", WantToken, nil),
			c("wrong password", "", WantError, map[string]string{"password": "wrong-password"}),
			c("token already expired: log in again", "cf-token-expired", WantToken, nil),
			c("503 then recovery", "cf-flaky", WantTokenOrError, nil),
		}
	} else {
		cases = []Case{
			c("demo login", "", WantToken, nil),
			c("wrong password", "", WantError, map[string]string{"password": "wrong-password"}),
			c("unknown user", "", WantError, map[string]string{"user": "nobody-here"}),
			c("missing password", "", WantError, map[string]string{"password": ""}),
			c("the vendor's own error", "cf-vendor-error", WantError, nil),
			c("503 twice then recovery", "cf-flaky", WantTokenOrError, nil),
			c("429 with Retry-After", "cf-rate-limited", WantTokenOrError, nil),
			c("delay under the deadline", "cf-slow", WantToken, nil),
			c("dribbled answer", "cf-dribble", WantToken, nil),
			c("connection reset", "cf-reset", WantTokenOrError, nil),
			c("empty response", "cf-empty", WantTokenOrError, nil),
			c("malformed body", "cf-malformed", WantTokenOrError, nil),
			c("no answer (timeout)", "cf-timeout", WantTokenOrError, nil),
		}
	}
	cases = slices.DeleteFunc(cases, func(x Case) bool { return slices.Contains(ce.Skip, x.Name) })
	for _, vc := range ce.Cases {
		want := WantToken
		if vc.WantError {
			want = WantError
		}
		x := c(vc.Name, vc.Scenario, want, vc.Creds)
		x.Role, x.Drop, x.Fixtures = vc.Role, vc.Drop, vc.Fixtures
		cases = append(cases, x)
	}
	return cases, nil
}

// Credentials of a case: the demo logins of its stack as its vendor gives
// them to a client, with the case's overrides, less what it drops.
func (c Case) Credentials(demo map[string]string) map[string]string {
	out := map[string]string{}
	if s, err := spec(c.Vendor); err == nil && s.Conformance.Creds != nil {
		out = s.Conformance.Creds(c.Endpoint, c.Role, demo)
	}
	for k, v := range c.Creds {
		out[k] = v
	}
	for _, k := range c.Drop {
		delete(out, k)
	}
	return out
}
