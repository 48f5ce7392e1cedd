package vendor

import "errors"

// Conformance is how the conformance runner tests a client of the vendor:
// the endpoints that have cases, each with the reference client's flow,
// the credentials a case's client is given, and the vendor's own cases
// beyond the vendor-neutral set.
type Conformance struct {
	Endpoints []ConformanceEndpoint
	// Creds maps the demo logins of the case's stack (Simulator.Demo) to
	// what the client is given: user, password and, as the vendor needs
	// them, agent, organisation, unit, code, format, bearer. role is the
	// case's login: "" for the main one, else the <role> of <role>User.
	Creds func(endpoint, role string, demo map[string]string) map[string]string
}

// ConformanceEndpoint is one endpoint that has conformance cases.
type ConformanceEndpoint struct {
	Name string
	// Checking: a token-checking endpoint; the client logs in, then proves
	// the token there, logging in again when it is refused.
	Checking bool
	// Protected: a call after login (a stub of the default catalogue, or
	// a data method) judged over a whole flow: the client logs in at
	// LoginEndpoint, makes its calls here (logging in again once when one
	// is refused, backing off when refusals repeat), and ends its session
	// at EndEndpoint ("" for a vendor without one) with Flow.End.
	Protected     bool
	LoginEndpoint string
	EndEndpoint   string
	// Flow is the reference client's use of the endpoint.
	Flow Flow
	// Skip names vendor-neutral cases that do not apply here.
	Skip []string
	// Cases are the vendor's own cases of this endpoint.
	Cases []Case
}

// Case is one vendor-specific conformance case.
type Case struct {
	Name      string
	Scenario  string            // "" for none
	Role      string            // whose demo login: "" the main one, or a role
	Creds     map[string]string // overrides of the credentials
	Drop      []string          // credentials left out
	WantError bool              // the login must fail (else a token is due)
	// Fixtures, when set, is the vendor's fixture file for the case's
	// stack: another known variant of the vendor (its demo logins are the
	// client's credentials).
	Fixtures File
}

// Flow is how a careful client of the vendor uses one endpoint: its login
// and, for a token-checking endpoint, the call that proves a token (for a
// protected one, the call after login, and the call that ends the session).
type Flow struct {
	Login func(base string, creds map[string]string) ClientCall
	Check func(base string, creds map[string]string, token string) ClientCall // nil for a login endpoint
	End   func(base string, creds map[string]string, token string) ClientCall // ends the session; nil: none
}

// ClientCall is one request of the reference client and how it reads the answer.
type ClientCall struct {
	Method, URL string
	Request     Request
	// Parse reads an answer other than a 429 or a 5xx (which the client
	// retries): the token (or "" for a call that hands none), ErrRejected
	// when the vendor refused (final), ErrStale when a checking call
	// refused the token, or ErrGarbled for an answer that does not parse
	// (retried). do sends a follow-up call (an Exotel 409 asks whoami).
	Parse func(status int, body []byte, do func(ClientCall) (int, []byte, error)) (string, error)
}

// Errors a ClientCall's Parse returns.
var (
	ErrRejected = errors.New("login refused by the vendor")
	ErrStale    = errors.New("token refused")
	ErrGarbled  = errors.New("garbled answer")
)
