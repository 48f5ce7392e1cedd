package clienttests

import (
	_ "embed"
	"fmt"
	"slices"
	"time"
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
	Role     string            // whose demo login: RoleMain, RoleAgent, RoleCode
	Creds    map[string]string // overrides of the demo credentials
	Drop     []string          // demo credentials left out
	Want     Outcome
	Deadline time.Duration
}

// Endpoints lists, per vendor, the endpoints that have cases. Login
// endpoints take a plain login; the token-checking ones (AgentLogoff,
// show, getusers) take a login whose token the client then proves on that
// endpoint, logging in again when it is refused.
var Endpoints = map[string][]string{
	"ucontact":  {"getUserToken", "AgentLogin", "UserLogin", "AgentLogoff"},
	"crmcom":    {"token", "show"},
	"autoalert": {"authenticate", "getusers"},
	"exotel":    {"basicauth"},
}

// checking names the token-checking endpoints.
var checking = []string{"AgentLogoff", "show", "getusers"}

// IsChecking reports whether an endpoint is a token-checking flow.
func IsChecking(endpoint string) bool { return slices.Contains(checking, endpoint) }

// Roles of a case's login, as the demo logins name them (<role>User,
// <role>Password): the main login, a uContact agent, an AutoAlert user who
// needs a security code.
const (
	RoleMain  = ""
	RoleAgent = "agent"
	RoleCode  = "code"
)

// DemoCredentials are the logins a case starts from, taken from the demo
// logins of the case's stack (its loaded fixtures), by field: user,
// password, and as the vendor needs them agent, organisation, unit, code,
// format, bearer.
func DemoCredentials(vendor, endpoint, role string, demo map[string]string) map[string]string {
	if endpoint == "AgentLogin" {
		role = RoleAgent
	}
	out := map[string]string{"user": demo[role+"User"], "password": demo[role+"Password"]}
	if role == RoleMain {
		out["user"], out["password"] = demo["user"], demo["password"]
	}
	switch vendor {
	case "ucontact":
		out["agent"] = demo["agentUser"] // AgentLogoff names the agent
	case "crmcom":
		out["organisation"], out["unit"] = demo["organisation"], demo["unit"]
	case "autoalert":
		out["format"] = "json"
		if role == RoleCode {
			out["code"] = demo["code"]
		}
	case "exotel":
		// The client registers the page's example credential with the
		// demo admin's bearer.
		out = map[string]string{"user": "customer_manager", "password": "customer_manager@123", "bearer": demo["adminToken"]}
	}
	return out
}

// Cases returns the cases of one vendor endpoint.
func Cases(vendor, endpoint string) ([]Case, error) {
	if !slices.Contains(Endpoints[vendor], endpoint) {
		return nil, fmt.Errorf("clienttests: no cases for %s %s (endpoints: %v)", vendor, endpoint, Endpoints[vendor])
	}
	c := func(name, scenario string, want Outcome, creds map[string]string) Case {
		return Case{Name: name, Vendor: vendor, Endpoint: endpoint, Scenario: scenario, Creds: creds, Want: want, Deadline: DefaultDeadline}
	}
	sc := func(s string) string { return "cf-" + vendor + "-" + s }
	if IsChecking(endpoint) {
		return []Case{
			c("demo login, token proven", "", WantToken, nil),
			c("wrong password", "", WantError, map[string]string{"password": "wrong-password"}),
			c("token already expired: log in again", sc("token-expired"), WantToken, nil),
			c("503 then recovery", sc("flaky"), WantTokenOrError, nil),
		}, nil
	}
	cases := []Case{
		c("demo login", "", WantToken, nil),
		c("wrong password", "", WantError, map[string]string{"password": "wrong-password"}),
		c("unknown user", "", WantError, map[string]string{"user": "nobody-here"}),
		c("missing password", "", WantError, map[string]string{"password": ""}),
		c("the vendor's own error", sc("vendor-error"), WantError, nil),
		c("503 twice then recovery", sc("flaky"), WantTokenOrError, nil),
		c("429 with Retry-After", sc("rate-limited"), WantTokenOrError, nil),
		c("delay under the deadline", sc("slow"), WantToken, nil),
		c("dribbled answer", sc("dribble"), WantToken, nil),
		c("connection reset", sc("reset"), WantTokenOrError, nil),
		c("empty response", sc("empty"), WantTokenOrError, nil),
		c("malformed body", sc("malformed"), WantTokenOrError, nil),
		c("no answer (timeout)", sc("timeout"), WantTokenOrError, nil),
	}
	switch {
	case vendor == "ucontact" && endpoint == "getUserToken":
		cases = append(cases, c(`bare 0 error (uContact's wiki spelling)`, "cf-ucontact-bare-zero", WantError, nil))
	case vendor == "crmcom":
		cases = append(cases,
			c("no organisation", "", WantError, map[string]string{"organisation": ""}),
			c("wrong unit", "", WantError, map[string]string{"unit": "0F1E2D3C4B5A69788796A5B4C3D2E1F0"}))
	case vendor == "autoalert":
		cases = append(cases,
			c("demo login in XML", "", WantToken, map[string]string{"format": "xml"}),
			c("wrong password in XML", "", WantError, map[string]string{"format": "xml", "password": "wrong-password"}),
			withRole(c("security code", "", WantToken, nil), RoleCode),
			Case{Name: "security code missing", Vendor: vendor, Endpoint: endpoint, Role: RoleCode, Drop: []string{"code"}, Want: WantError, Deadline: DefaultDeadline})
	case vendor == "exotel":
		// Registration takes any username and password: what can be wrong
		// is the admin's bearer. (Drop the two credential cases.)
		cases = slices.DeleteFunc(cases, func(x Case) bool { return x.Name == "wrong password" || x.Name == "unknown user" })
		cases = append(cases, c("bad bearer", "", WantError, map[string]string{"bearer": "not-a-jwt"}))
	}
	return cases, nil
}

func withRole(c Case, role string) Case { c.Role = role; return c }

// Credentials of a case: the demo ones of its stack with the case's
// overrides, less what it drops.
func (c Case) Credentials(demo map[string]string) map[string]string {
	out := DemoCredentials(c.Vendor, c.Endpoint, c.Role, demo)
	for k, v := range c.Creds {
		out[k] = v
	}
	for _, k := range c.Drop {
		delete(out, k)
	}
	return out
}
