// Package exotel simulates the Basic-credentials registration of Exotel's
// contact center (on-premises style, https://<host>:<port>):
//
//   - an administrator gets a temporary RS512 bearer token by logging in
//     with a browser (GET/POST /login here); its public key is published as
//     a JWKS at /.well-known/jwks.json;
//   - POST /configuration/basicauth, with that bearer, registers a
//     username/password for a contact center, a role and an expiry;
//   - the pair then works as HTTP Basic base64(username:password). The
//     vendor's page names no method that takes it, so GET
//     /configuration/whoami is a clearly labelled stand-in that does: a
//     stub of the default fixtures (fixtures/exotel.yaml) behind this
//     package's Guard, as any user's call after login is.
//
// Errors answer in the Spring Boot error shape the service's Java stack
// writes ({"timestamp","status","error","message","path"}); a 400 also
// names the field. A username registered twice is refused with 409.
package exotel

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/gorilla/mux"

	"github.com/mockauth/mockauth/simulators/clock"
	"github.com/mockauth/mockauth/simulators/tokens"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// Name is the vendor's short name.
const Name = "exotel"

// Endpoint names and paths.
const (
	Login     = "login"
	JWKS      = "jwks"
	BasicAuth = "basicauth"
	WhoAmI    = "whoami"

	PathLogin     = "/login"
	PathJWKS      = "/.well-known/jwks.json"
	PathBasicAuth = "/configuration/basicauth"
	PathWhoAmI    = "/configuration/whoami"

	// ContextContactCenter is the only context the page allows.
	ContextContactCenter = "ContactCenter"
	// RoleAdministrator may register credentials.
	RoleAdministrator = "Administrator"
	// Issuer of the admin tokens: the page's bearer shows its payload
	// only to {"iss":"a…; "ameyo" (the on-premise contact center Exotel
	// sells is Ameyo's) is the reading.
	Issuer = "ameyo"
	// WWWAuthenticate accompanies the stand-in's 401.
	WWWAuthenticate = `Basic realm="ContactCenter"`
)

var endpoints = []vendor.Endpoint{
	{Name: Login, Method: http.MethodPost, Path: PathLogin, Doc: "admin login in a browser (GET shows the form): username, password; shows the RS512 bearer token"},
	{Name: JWKS, Method: http.MethodGet, Path: PathJWKS, Doc: "the admin tokens' public key as a JWKS"},
	{Name: BasicAuth, Method: http.MethodPost, Path: PathBasicAuth, Doc: "registers Basic credentials: Authorization: Bearer <admin JWT>; username, password, context, contextId, dateExpiry, userRole"},
	{Name: WhoAmI, Method: http.MethodGet, Path: PathWhoAmI, Doc: "STAND-IN (not a vendor method): answers the registered credential for Authorization: Basic (or a ccm-api access token as Bearer)"},
	{Name: CCMToken, Method: http.MethodPost, Path: PathCCMToken, Doc: "ccm-api token call: Authorization: Basic base64(api_key:api_token), no body; a Bearer access token for 24 h"},
}

// Options configure a Simulator; the zero value is the embedded fixtures on
// a fresh simulated clock.
type Options struct {
	Fixtures *Fixtures
	Clock    clock.Clock
	// Shared, when set, holds the registrations every replica sees.
	Shared vendor.Shared
	// Value, when set, is where a signing key the fixtures lack is kept
	// for every replica (vendor.Env.Value).
	Value func(name string, mk func() (string, error)) (string, error)
}

// Simulator is the Exotel contact-center fake. It is an http.Handler.
type Simulator struct {
	fx     Fixtures
	clock  clock.Clock
	signer func() signer // the key, made or parsed when first needed: RSA generation is slow
	router *mux.Router

	mu          sync.Mutex            // guards credentials and the registrations below
	credentials map[string]credential // by username
	registered  map[string][]string   // by registering admin: usernames registered at run time, oldest first (a replaced one twice)
	regCount    map[adminName]int     // how often each name stands in its admin's list
	regTotal    int                   // names in all the lists

	shared    vendor.Shared // nil: registrations live in this process only
	forgotten []string      // registrations the bound forgot, to forget in shared
}

// adminName is one admin's registration of a username.
type adminName struct{ admin, name string }

// signer is the admin tokens' key and its id in the JWKS.
type signer struct {
	key *rsa.PrivateKey
	kid string
}

// credential is a registered Basic username/password.
type credential struct {
	Username  string
	password  [32]byte // SHA-256: the password itself is kept nowhere, nor shared
	Context   string
	ContextID string
	UserRole  string
	Expiry    time.Time
	CreatedBy string
	CreatedAt time.Time
}

var _ vendor.Simulator = (*Simulator)(nil)

// processKey is generated once per process when the fixtures carry no key:
// RSA key generation is too slow to repeat for every stack a test starts.
var processKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(fmt.Sprintf("exotel: generating the signing key: %v", err))
	}
	return k
})

// New returns a Simulator.
func New(opts Options) *Simulator {
	s := &Simulator{}
	s.fx, s.clock, _ = vendor.Defaults(opts.Fixtures, DefaultFixtures, opts.Clock, nil)
	s.credentials, s.registered, s.regCount = s.fixtureCredentials(), map[string][]string{}, map[adminName]int{}
	if opts.Shared != nil {
		s.shared = opts.Shared
		s.shared.Follow(s.applyRegistration, s.loadRegistrations)
	}
	s.signer = sync.OnceValue(func() signer {
		key := s.fx.key
		if key == nil && opts.Value != nil {
			key = sharedKey(opts.Value)
		}
		if key == nil {
			key = processKey()
		}
		sum := sha256.Sum256(key.PublicKey.N.Bytes())
		return signer{key: key, kid: hex.EncodeToString(sum[:8])}
	})

	// SkipClean: a vendor does not redirect /a/../b; such a path matches nothing.
	r := mux.NewRouter().SkipClean(true)
	r.Handle(PathLogin, adapt(func(*http.Request) response { return loginPage(http.StatusOK, "", "", "") })).Methods(http.MethodGet)
	r.Handle(PathLogin, adapt(s.login)).Methods(http.MethodPost)
	r.Handle(PathJWKS, adapt(s.jwks)).Methods(http.MethodGet)
	r.Handle(PathBasicAuth, adapt(s.basicAuth)).Methods(http.MethodPost)
	r.Handle(PathCCMToken, adapt(s.ccmTokenCall)).Methods(http.MethodPost)
	r.NotFoundHandler, r.MethodNotAllowedHandler = adapt(s.noRoute), adapt(s.noRoute)
	s.router = r
	return s
}

func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

// Demo implements vendor.Simulator: the demo admin's login and a fresh
// bearer token, so a user can call basicauth without a browser, and the
// demo credential, registered from the start (a Basic pair that works at
// once).
func (s *Simulator) Demo() (map[string]string, error) {
	demo := map[string]string{}
	if a, ok := s.fx.Admins[s.fx.demoAdmin]; ok {
		tok, err := s.AdminToken(s.fx.demoAdmin)
		if err != nil {
			return nil, fmt.Errorf("exotel: the demo admin's bearer: %w", err)
		}
		demo["adminUser"], demo["adminPassword"], demo["adminToken"] = s.fx.demoAdmin, a.Password, tok
	}
	if c, ok := s.fx.Credentials[s.fx.demoCredential]; ok {
		demo["user"], demo["password"] = s.fx.demoCredential, c.Password
	}
	if a, ok := s.fx.Accounts[s.fx.demoAccount]; ok {
		demo["accountSid"], demo["apiKey"], demo["apiToken"] = s.fx.demoAccount, a.APIKey, a.APIToken
	}
	return demo, nil
}

// ValidToken implements vendor.TokenOracle: the token of a registered
// credential is its Basic value, base64(username:password).
func (s *Simulator) ValidToken(token string) bool {
	if _, _, err := s.checkCCMBearer(token); err == nil {
		return true // a ccm-api access token
	}
	raw, err := base64.StdEncoding.DecodeString(token)
	if err != nil {
		return false
	}
	user, password, _ := strings.Cut(string(raw), ":")
	s.mu.Lock()
	c, ok := s.credentials[user]
	s.mu.Unlock()
	return ok && c.matches(password) && s.clock.Now().Before(c.Expiry)
}

// Reset implements vendor.Simulator: registered credentials are
// forgotten, but for the fixtures' own.
func (s *Simulator) Reset() {
	fresh := s.fixtureCredentials()
	s.mu.Lock()
	s.credentials, s.registered, s.regCount, s.regTotal = fresh, map[string][]string{}, map[adminName]int{}, 0
	s.mu.Unlock()
}

// fixtureCredentials registers the fixtures' credentials now, each for the
// default credential lifetime on the simulated clock.
func (s *Simulator) fixtureCredentials() map[string]credential {
	now := s.clock.Now()
	out := make(map[string]credential, len(s.fx.Credentials))
	for name, c := range s.fx.Credentials {
		out[name] = credential{
			Username: name, password: sha256.Sum256([]byte(c.Password)), Context: ContextContactCenter, ContextID: c.ContextID,
			UserRole: c.UserRole, Expiry: now.Add(s.fx.Settings.DefaultCredentialLifetime), CreatedBy: "fixtures", CreatedAt: now,
		}
	}
	return out
}

// UserScenarios implements vendor.Simulator.
func (s *Simulator) UserScenarios() map[string]string {
	return vendor.ScenariosOf(s.fx.Admins, func(a Admin) string { return a.Scenario })
}

// Describe implements vendor.Simulator. The login name is the admin at
// /login, the username being registered at basicauth, and the Basic user
// at whoami.
func (s *Simulator) Describe(r *http.Request, body []byte) vendor.Call {
	var c vendor.Call
	for _, e := range endpoints {
		if e.Path == r.URL.Path {
			c.Endpoint, c.Path = e.Name, e.Path
		}
	}
	if m := ccmPath.FindStringSubmatch(r.URL.Path); m != nil {
		c.Endpoint = CCMToken
		c.User = m[1]
	}
	switch c.Endpoint {
	case Login:
		if v, err := parseQuery(body); err == nil {
			c.User = v.Get("username")
		}
	case BasicAuth:
		var req struct{ Username string }
		if json.Unmarshal(body, &req) == nil {
			c.User = req.Username
		}
	case WhoAmI:
		c.User, _, _ = r.BasicAuth()
	}
	return c
}

// VendorError implements vendor.Simulator: the 401 of each endpoint.
func (s *Simulator) VendorError(w http.ResponseWriter, r *http.Request, endpoint string) {
	switch endpoint {
	case Login:
		loginPage(http.StatusUnauthorized, "", MsgBadAdminLogin, "").write(w)
	case WhoAmI:
		s.fail(r, http.StatusUnauthorized, MsgBadCredentials).with("WWW-Authenticate", WWWAuthenticate).write(w)
	case CCMToken:
		ccmAuthFailed().write(w)
	default:
		s.fail(r, http.StatusUnauthorized, MsgNoBearer).write(w)
	}
}

// AdminToken mints a bearer token for a fixture admin.
func (s *Simulator) AdminToken(admin string) (string, error) {
	a, ok := s.fx.Admins[admin]
	if !ok {
		return "", fmt.Errorf("exotel: no admin %q", admin)
	}
	return s.adminToken(admin, a)
}

// Mint implements vendor.Minter: an admin bearer as the login signs it,
// with the fixture admin's role and contact centres, none for another name.
func (s *Simulator) Mint(ctx context.Context, user string) (string, error) {
	tok, err := s.adminToken(user, s.fx.Admins[user])
	if err == nil {
		tokens.Note(ctx, tok)
	}
	return tok, err
}

func (s *Simulator) adminToken(admin string, a Admin) (string, error) {
	now := s.clock.Now()
	claims := adminClaims{
		Role:           a.Role,
		ContactCenters: a.ContactCenters,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: Issuer, Subject: admin,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(s.fx.Settings.AdminTokenLifetime)),
		},
	}
	// The header exactly as the vendor page's bearer has it, jjwt style:
	// {"alg":"RS512"}, no kid and no typ (a JWKS client falls back to the
	// one key); the payload starts with iss.
	t := jwt.NewWithClaims(jwt.SigningMethodRS512, claims)
	t.Header = map[string]any{"alg": jwt.SigningMethodRS512.Alg()}
	return t.SignedString(s.signer().key)
}

// adminClaims is what an admin bearer token says, the registered claims
// first (iss leads, as on the vendor page's token).
type adminClaims struct {
	jwt.RegisteredClaims
	Role           string   `json:"role"`
	ContactCenters []string `json:"contactCenters"`
}

// checkBearer verifies an admin token: RS512 with this simulator's key,
// not expired on the simulated clock. Anything else (none, HS256 with the
// public key as secret, another key, a changed byte) is refused.
func (s *Simulator) checkBearer(r *http.Request) (*adminClaims, string) {
	scheme, raw, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(raw) == "" {
		return nil, MsgNoBearer
	}
	var claims adminClaims
	_, err := jwt.ParseWithClaims(strings.TrimSpace(raw), &claims,
		func(*jwt.Token) (any, error) { return &s.signer().key.PublicKey, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodRS512.Alg()}),
		jwt.WithTimeFunc(s.clock.Now),
		jwt.WithIssuer(Issuer),
		jwt.WithExpirationRequired(),
	)
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, MsgExpiredBearer
	case err != nil:
		return nil, MsgBadBearer
	}
	return &claims, ""
}

// jwks publishes the public key.
func (s *Simulator) jwks(*http.Request) response {
	sg := s.signer()
	pub := sg.key.PublicKey
	return jsonAnswer(http.StatusOK, map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "use": "sig", "alg": "RS512", "kid": sg.kid,
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}
