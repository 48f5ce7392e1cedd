// Package vendor is the small contract between the vendor-neutral request
// pipeline (journal, scenarios, contracts) and each vendor's simulator.
//
// A simulator is an http.Handler that knows its vendor's documented
// endpoints and answers; it never imports the pipeline. What the pipeline
// needs from it beyond ServeHTTP (which endpoint a request is for, who logs
// in, the vendor's documented error) it asks through this interface.
package vendor

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"unicode"

	"github.com/mockauth/mockauth/simulators/clock"
	"github.com/mockauth/mockauth/simulators/tokens"
)

// Endpoint is one documented operation of a vendor.
type Endpoint struct {
	Name   string `json:"name"`   // used by scenarios and conformance cases, e.g. "getUserToken"
	Method string `json:"method"` // HTTP method
	Path   string `json:"path"`   // as documented, served at the root of the vendor's port
	Doc    string `json:"doc"`    // one line on what it does
	// Auth names the vendor's check (Spec.Auth) of the token the endpoint
	// takes, as its stubs take it: the journal records its verdict.
	Auth string `json:"auth,omitempty"`
	// Sample is the documented exchange with the demo logins; nil for
	// an endpoint without one.
	Sample *Sample `json:"-"`
}

// Call is what the pipeline learns of a request before the vendor answers.
type Call struct {
	Endpoint string // documented endpoint name; "" when the request matches none
	Path     string // documented path of Endpoint, for contract routing of loosely matched paths
	User     string // login name the request carries; "" if none
	// Decoded is what Describe read of the body, if anything: the
	// pipeline hands it back with the request (WithDecoded) so the
	// simulator reads a body once.
	Decoded any
}

type decodedKey struct{}

// DecodedKey is the context key of what Describe decoded: a context of
// the caller's own may answer it.
var DecodedKey any = decodedKey{}

type allowedKey struct{}

// WithAllowed returns ctx carrying the methods a request's path takes
// beyond the simulator's own endpoints (the stubs' on that path): the
// vendor's framework answers another method there 405 with them in Allow,
// and OPTIONS with them, as it does for its own resources.
func WithAllowed(ctx context.Context, methods []string) context.Context {
	return context.WithValue(ctx, allowedKey{}, methods)
}

// AlsoAllowed is own, the methods the simulator takes on a path, with
// those WithAllowed put in ctx added once each.
func AlsoAllowed(ctx context.Context, own []string) []string {
	extra, _ := ctx.Value(allowedKey{}).([]string)
	for _, m := range extra {
		if !slices.Contains(own, m) {
			own = append(own, m)
		}
	}
	return own
}

// WithDecoded returns ctx carrying what Describe decoded of the body.
func WithDecoded(ctx context.Context, v any) context.Context {
	return context.WithValue(ctx, decodedKey{}, v)
}

// DecodedFrom returns what Describe decoded of the body of the request
// whose context ctx is, or nil.
func DecodedFrom(ctx context.Context) any { return ctx.Value(decodedKey{}) }

// Simulator is one vendor's fake service, built from fixtures by its
// Spec; what does not depend on the fixtures (name, endpoints, secret
// fields) is in the Spec.
type Simulator interface {
	http.Handler

	// Demo returns the demo logins of the loaded fixtures (those marked
	// demo: true), by field name: user and password for the main login,
	// <role>User and <role>Password for another kind, and what else a
	// login needs under the vendor's field names. An error minting a demo
	// token is an error, never an empty value.
	Demo() (map[string]string, error)
	// Describe names the endpoint and the login of a request whose body
	// has been read into body. It must not consume r.Body.
	Describe(r *http.Request, body []byte) Call
	// VendorError writes the vendor's own documented error answer for the
	// endpoint (uContact's "0", CRM.COM's error envelope, ...).
	VendorError(w http.ResponseWriter, r *http.Request, endpoint string)
	// UserScenarios maps fixture logins to the scenario their requests
	// select (test values that trigger failures, as payment sandboxes do
	// with magic card numbers).
	UserScenarios() map[string]string
	// Reset forgets every token and session.
	Reset()
}

// SessionEnder is a simulator whose login sessions can be ended from
// elsewhere (another session of the same user, an administrator): the
// end-sessions fault asks it to.
type SessionEnder interface {
	EndSessions(user string) int
}

// Minter is a simulator that mints, for a login a stub answers (a login
// recorded from the real vendor and replayed), the token its own login
// would give user: the vendor's shape, in its store, so the calls after
// that login pass the vendor's check. ctx is the request's: the pipeline
// learns of the token through it.
type Minter interface {
	Mint(ctx context.Context, user string) (string, error)
}

// TokenOracle is a simulator that can tell whether a token it handed out is
// still good; conformance judges ask it about what a client handed back.
type TokenOracle interface {
	ValidToken(token string) bool
}

// ScenariosOf collects the non-empty scenario names of fixture logins.
func ScenariosOf[T any](logins map[string]T, scenario func(T) string) map[string]string {
	out := map[string]string{}
	for name, l := range logins {
		if s := scenario(l); s != "" {
			out[name] = s
		}
	}
	return out
}

// Defaults fills in what a simulator's options left empty: the embedded
// fixtures, a fresh simulated clock, and a token store on that clock.
func Defaults[F any](fx *F, embedded func() F, c clock.Clock, store *tokens.Store) (F, clock.Clock, *tokens.Store) {
	var f F
	if fx != nil {
		f = *fx
	} else {
		f = embedded()
	}
	if c == nil {
		c = clock.NewSimulated()
	}
	if store == nil {
		store = tokens.NewStore(c)
	}
	return f, c, store
}

// EnvName turns a vendor or field name into an environment variable part,
// as mockauth env and the conformance runner name them:
// "agentPassword" -> "AGENT_PASSWORD", "accountSid" -> "ACCOUNT_SID".
func EnvName(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) && i > 0 {
			b.WriteByte('_')
		}
		if r == '-' || r == '.' {
			r = '_'
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}
