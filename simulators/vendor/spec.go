package vendor

import (
	"github.com/mockauth/mockauth/simulators/clock"
	"github.com/mockauth/mockauth/simulators/tokens"
)

// Spec describes one vendor, once: the stack, the admin API, the Postman
// export, `mockauth env`, the contract check and the conformance runner
// all iterate the registered specs, so a vendor is one package, its
// fixture file and its contract.
type Spec struct {
	// Name is the vendor's short name: "ucontact", "crmcom", ...
	Name string
	// Endpoints are the documented operations, in the vendor doc's order,
	// each with its sample exchange.
	Endpoints []Endpoint
	// Flow names the endpoints with samples in a working order: logins
	// first, the calls that carry their tokens next, the ones that end
	// them last. Nil: the documented order.
	Flow []string
	// Fixtures is the default fixture file (fixtures/<name>.yaml, embedded).
	Fixtures File
	// Contract is the OpenAPI document (contracts/<name>.yaml, embedded).
	Contract File
	// Build makes the simulator from a fixture file (the default one or a
	// user's), refusing a bad file with its name and line.
	Build func(fixtures File, env Env) (Simulator, error)
	// SecretFields names request fields, beyond the usual passwords and
	// tokens, that must never be journaled in clear.
	SecretFields []string
	// Coverage produces every documented response of the contract, by
	// "operationId status": the test that every documented answer is
	// reachable (and validates) runs them.
	Coverage map[string]Recipe
	// CoverageFixtures are the fixtures a recipe of Coverage needs when a
	// response comes only from another known variant (a fixture setting),
	// by the same key; the others run on the default fixtures.
	CoverageFixtures map[string]File
	// Conformance is how the conformance runner tests the vendor's clients.
	Conformance Conformance
	// HeaderSpelling names response headers as the vendor's server writes
	// them where that is not Go's canonical form ("WWW-Authenticate", not
	// "Www-Authenticate"): the stack sends, and journals, these bytes.
	HeaderSpelling []string
	// InBandError tells, for a vendor some of whose errors come with a
	// success status (uContact's HTTP 200 "0", CRM.COM's envelope), whether
	// an answer is an error. Nil: errors are the HTTP statuses 400 and up.
	InBandError func(endpoint string, status int, body []byte) bool
	// PostmanError is InBandError for the Postman collection: a
	// JavaScript expression, over Postman's pm.response, that is true when
	// an answer is the vendor's error. Empty: a status of 400 and up. The
	// collection's newman run (postman_test.go) holds the two to the same
	// verdicts.
	PostmanError string
	// LiveDemo names demo keys whose values are credentials minted at run
	// time (a live admin bearer): the start banner leaves them out, for
	// terminals and CI logs; mockauth env and the admin API give them.
	LiveDemo []string
	// Auth names the vendor's own checks of the credential a call after
	// login carries, which user-declared endpoints (stubs) take by name;
	// the simulator implements them as a Guard.
	Auth []AuthScheme
}

// AuthScheme finds one of the vendor's checks by name.
func (s Spec) AuthScheme(name string) (AuthScheme, bool) {
	for _, a := range s.Auth {
		if a.Name == name {
			return a, true
		}
	}
	return AuthScheme{}, false
}

// IsError reports whether an answer of the vendor is its error: by status,
// or in the body for vendors whose errors come with HTTP 200.
func (s Spec) IsError(endpoint string, status int, body []byte) bool {
	if s.InBandError != nil {
		return s.InBandError(endpoint, status, body)
	}
	return status >= 400
}

// Endpoint finds a documented operation by name.
func (s Spec) Endpoint(name string) (Endpoint, bool) {
	for _, e := range s.Endpoints {
		if e.Name == name {
			return e, true
		}
	}
	return Endpoint{}, false
}

// File is a named data file: what its errors are reported under, and its
// content.
type File struct {
	Name string
	Data []byte
}

// Env is what every simulator of a stack shares.
type Env struct {
	// Clock is the stack's simulated clock.
	Clock clock.Clock
	// Tokens returns a token store for the vendor: shared with other
	// replicas when the stack has a token secret, by the fixture logins
	// (sorted) and a decoder of a token's 16 signed bytes.
	Tokens func(logins []string, decode func(string) ([16]byte, bool)) *tokens.Store
	// Key derives a key for one use from the stack's token secret; nil
	// without one.
	Key func(use string) []byte
	// Shared is a map the stack's replicas share (--state), by topic; nil
	// when the stack keeps its state in memory.
	Shared func(topic string) Shared
	// Value is a value every replica of the stack holds alike (a signing
	// key a vendor makes): the first replica makes it, the others take
	// it. nil when the stack keeps its state in memory.
	Value func(name string, mk func() (string, error)) (string, error)
}

// Shared is a map every replica of a stack sees: a vendor keeps in it
// what must be known everywhere the moment it is made (an Exotel
// registration). Its own copy changes only through Follow's functions.
type Shared interface {
	// Put sets key, unless it is set and replace is false (then it
	// reports existed and changes nothing); it returns once every
	// replica applied it.
	Put(key string, value []byte, replace bool) (existed bool, err error)
	// Forget deletes keys without waiting (a bound's evictions).
	Forget(keys ...string)
	// Follow is how this replica applies a key set anywhere (value nil:
	// deleted) and takes the whole map (on start and reconnect).
	Follow(apply func(key string, value []byte), load func(all map[string][]byte))
}

// orDefault fills in what an Env left empty: a fresh simulated clock and
// plain token stores on it.
func (e Env) orDefault() Env {
	if e.Clock == nil {
		e.Clock = clock.NewSimulated()
	}
	if e.Tokens == nil {
		c := e.Clock
		e.Tokens = func([]string, func(string) ([16]byte, bool)) *tokens.Store { return tokens.NewStore(c) }
	}
	if e.Key == nil {
		e.Key = func(string) []byte { return nil }
	}
	return e
}

// Builder joins a vendor's fixture parser and constructor into a Spec's
// Build.
func Builder[F any](parse func(file string, data []byte) (F, error), build func(f *F, env Env) Simulator) func(File, Env) (Simulator, error) {
	return func(fx File, env Env) (Simulator, error) {
		f, err := parse(fx.Name, fx.Data)
		if err != nil {
			return nil, err
		}
		return build(&f, env.orDefault()), nil
	}
}

// Must makes a File of an embedded data file, as the fixtures and
// contracts packages return them; a missing one is a broken build.
func Must(name string, data []byte, err error) File {
	if err != nil {
		panic(err)
	}
	return File{Name: name, Data: data}
}
