package vendor

import (
	"errors"
	"net/http"
	"strings"

	"github.com/mockauth/mockauth/simulators/tokens"
)

// AuthScheme is one of a vendor's own checks of the credential that a
// call after login carries: user-declared endpoints (stubs) name it in
// their auth: setting, and get the vendor's answer to a stale token.
type AuthScheme struct {
	Name string `json:"name"`
	Doc  string `json:"doc"`
	// Sample is the credential part of a request of method that carries
	// the demo login's token (kept, by a sample's Keep name): what the
	// Postman export puts in a stub's request.
	Sample func(method string, demo, kept map[string]string) Request `json:"-"`
}

// AuthNone is the auth: of a stub that takes no credential.
const AuthNone = "none"

// Login is who a credential belongs to, as the vendor's check found it:
// the login name and what else the vendor knows of it, by field name
// (organisation, unit, contextId, ...), for stub templates.
type Login struct {
	User   string
	Fields map[string]string
}

// Reasons a check refuses a credential; the journal records them, and the
// conformance judge reads them (a client that sent "0" as its token).
const (
	RefusedMissing = "missing" // no credential at all
	RefusedZero    = "zero"    // "0" or 0: a login's error answer kept as a token
	RefusedUnknown = "unknown" // never issued (or forgotten by a restart)
	RefusedExpired = "expired" // past its lifetime on the simulated clock
	RefusedEnded   = "ended"   // ended by EndSession, release, logoff
	RefusedWrong   = "wrong"   // a known login with the wrong secret
)

// Refusal is a check's verdict against a request: why, and the answer the
// vendor gives it.
type Refusal struct {
	Reason string
	Answer http.Handler
}

// Guard is a simulator that checks, as the vendor does, the credential of
// a call after login. scheme is one of the Spec's Auth names (never
// AuthNone); body is the request's body, already read.
type Guard interface {
	Authenticate(scheme string, r *http.Request, body []byte) (Login, *Refusal)
	// Stale is the vendor's answer to a token it never issued, expired or
	// ended (the vendor-error fault's answer on a stub).
	Stale(scheme string) http.Handler
}

// TokenReason names why a store refused a token value (err from
// tokens.Store.Check; ended from tokens.Store.Ended).
func TokenReason(value string, err error, ended bool) string {
	v := strings.TrimSpace(value)
	switch {
	case v == "":
		return RefusedMissing
	case isZero(v):
		return RefusedZero
	case ended:
		return RefusedEnded
	case errors.Is(err, tokens.ErrExpired):
		return RefusedExpired
	}
	return RefusedUnknown
}

// isZero reports a credential that is a login's "0" error answer kept as
// a token, however a client quoted it: 0, "0", or a wallboard's PHP that
// pastes a stray quote after it (Basic 0').
func isZero(v string) bool {
	return strings.Trim(v, `"' `) == "0"
}
