// Package autoalert simulates AutoAlert's User API (an ASP.NET Web API
// service): User/authenticate, autologin, renewtoken, logoff, and getusers
// as the method that checks a token.
//
// Quirks reproduced:
//
//   - paths match without regard to case (/user/authenticate is the same);
//   - bodies in JSON (application/json, text/json), DataContract XML
//     (application/xml, text/xml) or a form; any other Content-Type is 415;
//   - DataContract XML is read as DataContractSerializer reads it: members
//     in the contract's (alphabetical) order, an element out of order is
//     skipped as if absent — a trap for hand-written XML clients;
//   - the answer's format follows Accept: JSON when Accept is absent, */* or
//     names nothing else the service writes; XML for the XML types;
//   - answers carry `code` and `error` besides the HTTP status; a failed
//     login still answers an AuthenticateResponse, with the empty GUID as its
//     token and DateTime.MinValue as its expiry: no usable token;
//   - expirationDateUtc is written with an offset (the fixture's timezone).
package autoalert

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/mux"

	"github.com/mockauth/mockauth/simulators/clock"
	"github.com/mockauth/mockauth/simulators/tokens"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// Name is the vendor's short name.
const Name = "autoalert"

// Endpoint names and documented paths.
const (
	Authenticate = "authenticate"
	Autologin    = "autologin"
	RenewToken   = "renewtoken"
	Logoff       = "logoff"
	GetUsers     = "getusers"

	PathAuthenticate = "/User/authenticate"
	PathAutologin    = "/User/autologin"
	PathRenewToken   = "/User/renewtoken"
	PathLogoff       = "/User/logoff"
	PathGetUsers     = "/User/getusers"
)

// APIVersion values the answers carry.
const (
	apiVersion       = 4 // AuthenticateResponse, APIResult, GetUsersResponse
	apiVersionMobile = 1 // Token (renewtoken)
)

// EmptyGUID is the token of a failed login: .NET's Guid.Empty.
const EmptyGUID = "00000000-0000-0000-0000-000000000000"

// minDateTime is .NET's DateTime.MinValue as the service writes it.
const minDateTime = "0001-01-01T00:00:00"

// Error messages of the answers' `error`, exact.
const (
	MsgMissingCredentials = "The userName and password fields are required."
	MsgInvalidCredentials = "Invalid user name or password."
	MsgCodeRequired       = "A security code is required for this user."
	MsgInvalidCode        = "Invalid security code."
	MsgMissingToken       = "The token field is required."
	MsgInvalidToken       = "Invalid or expired token."
	MsgInvalidAutologin   = "Invalid autologin token."
	MsgBrokenBody         = "The request body could not be read."
)

var endpoints = []vendor.Endpoint{
	{Name: Authenticate, Method: http.MethodPost, Path: PathAuthenticate, Doc: "login: userName, password, optional security code; JSON, XML or form; answer by Accept"},
	{Name: Autologin, Method: http.MethodPost, Path: PathAutologin, Doc: "login with an autologin token: token"},
	{Name: RenewToken, Method: http.MethodPost, Path: PathRenewToken, Doc: "a new token for a good one: token, code; answers the mobile Token shape"},
	{Name: Logoff, Method: http.MethodPost, Path: PathLogoff, Doc: "ends a token: token; answers APIResult"},
	{Name: GetUsers, Method: http.MethodPost, Path: PathGetUsers, Doc: "a token-checking method: token; answers the user list"},
}

// Request contracts, members in DataContract order.
var (
	authContract      = contract{root: "AuthenticateRequest", members: []string{"code", "password", "userName"}}
	tokenContract     = contract{members: []string{"token"}}
	renewContract     = contract{members: []string{"code", "token"}}
	contractOfRequest = map[string]contract{
		Authenticate: authContract, Autologin: tokenContract, RenewToken: renewContract,
		Logoff: tokenContract, GetUsers: tokenContract,
	}
)

// Options configure a Simulator; the zero value is the embedded fixtures on
// a fresh simulated clock.
type Options struct {
	Fixtures *Fixtures
	Clock    clock.Clock
	Tokens   *tokens.Store
}

// Simulator is the AutoAlert fake. It is an http.Handler.
type Simulator struct {
	fx     Fixtures
	clock  clock.Clock
	tokens *tokens.Store
	router *mux.Router
}

var _ vendor.Simulator = (*Simulator)(nil)

// New returns a Simulator.
func New(opts Options) *Simulator {
	s := &Simulator{}
	s.fx, s.clock, s.tokens = vendor.Defaults(opts.Fixtures, DefaultFixtures, opts.Clock, opts.Tokens)
	handlers := map[string]func(*http.Request, map[string]string) reply{
		Authenticate: s.authenticate, Autologin: s.autologin, RenewToken: s.renewToken,
		Logoff: s.logoff, GetUsers: s.getUsers,
	}
	// SkipClean: a vendor does not redirect /a/../b; such a path matches nothing.
	r := mux.NewRouter().SkipClean(true)
	for _, e := range endpoints {
		r.MatcherFunc(pathFold(e.Path)).Handler(s.adapt(e.Name, handlers[e.Name]))
	}
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.write(w, r, reply{http.StatusNotFound, httpError(fmt.Sprintf("No HTTP resource was found that matches the request URI '%s'.", requestURI(r)))})
	})
	s.router = r
	return s
}

// pathFold matches a path without regard to case or a trailing slash, as
// ASP.NET routing does.
func pathFold(path string) mux.MatcherFunc {
	return func(r *http.Request, _ *mux.RouteMatch) bool {
		return strings.EqualFold(strings.TrimSuffix(r.URL.Path, "/"), path)
	}
}

func requestURI(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.RequestURI()
}

func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

// Demo implements vendor.Simulator: the users the fixtures mark demo: true,
// one without a security code and one with.
func (s *Simulator) Demo() (map[string]string, error) {
	demo := map[string]string{}
	if u, ok := s.fx.Users[s.fx.demoUser]; ok {
		demo["user"], demo["password"] = s.fx.demoUser, u.Password
		// The demo user's autologin token, if the fixtures give one.
		for _, tok := range slices.Sorted(maps.Keys(s.fx.AutologinTokens)) {
			if s.fx.AutologinTokens[tok] == s.fx.demoUser {
				demo["autologinToken"] = tok
				break
			}
		}
	}
	if u, ok := s.fx.Users[s.fx.demoCodeUser]; ok {
		demo["codeUser"], demo["codePassword"], demo["code"] = s.fx.demoCodeUser, u.Password, u.SecurityCode
	}
	return demo, nil
}

// ValidToken implements vendor.TokenOracle.
func (s *Simulator) ValidToken(token string) bool { return s.tokens.Valid(strings.ToLower(token)) }

// Reset implements vendor.Simulator.
func (s *Simulator) Reset() { s.tokens.Reset() }

// UserScenarios implements vendor.Simulator.
func (s *Simulator) UserScenarios() map[string]string {
	return vendor.ScenariosOf(s.fx.Users, func(u User) string { return u.Scenario })
}

func endpointOf(path string) (vendor.Endpoint, bool) {
	for _, e := range endpoints {
		if strings.EqualFold(strings.TrimSuffix(path, "/"), e.Path) {
			return e, true
		}
	}
	return vendor.Endpoint{}, false
}

// Describe implements vendor.Simulator.
func (s *Simulator) Describe(r *http.Request, body []byte) vendor.Call {
	e, ok := endpointOf(r.URL.Path)
	if !ok {
		return vendor.Call{}
	}
	c := vendor.Call{Endpoint: e.Name, Path: e.Path}
	if e.Name == Authenticate {
		if m, _, err := readRequest(r, body, authContract); err == nil {
			c.User = m["userName"]
		}
	}
	return c
}

// VendorError implements vendor.Simulator: the 401 each endpoint answers
// to bad credentials or a bad token, in the negotiated format.
func (s *Simulator) VendorError(w http.ResponseWriter, r *http.Request, endpoint string) {
	var rep reply
	switch endpoint {
	case RenewToken:
		rep = failedToken(http.StatusUnauthorized, MsgInvalidToken)
	case Logoff, GetUsers:
		rep = failedResult(http.StatusUnauthorized, MsgInvalidToken)
	default:
		rep = failedAuth(http.StatusUnauthorized, MsgInvalidCredentials)
	}
	s.write(w, r, rep)
}

// answer is a body the service can write as JSON or XML.
type answer interface {
	JSON() []byte
	XML() []byte
}

type reply struct {
	status int
	body   answer
}

func (s *Simulator) write(w http.ResponseWriter, r *http.Request, rep reply) {
	f := negotiate(r)
	body := rep.body.JSON()
	if f.xml {
		body = rep.body.XML()
	}
	w.Header().Set("Content-Type", f.contentType)
	w.WriteHeader(rep.status)
	_, _ = w.Write(body)
}

// adapt reads the request's members for an endpoint, refusing what the
// service refuses before any action runs (method, media type, body).
func (s *Simulator) adapt(endpoint string, f func(*http.Request, map[string]string) reply) http.Handler {
	c := contractOfRequest[endpoint]
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			s.write(w, r, reply{http.StatusMethodNotAllowed, httpError(fmt.Sprintf("The requested resource does not support http method '%s'.", r.Method))})
			return
		}
		m, mt, err := readRequest(r, drain(r.Body), c)
		switch err {
		case nil:
			s.write(w, r, f(r, m))
		case errUnsupportedMediaType:
			s.write(w, r, reply{http.StatusUnsupportedMediaType, httpError(fmt.Sprintf("The request entity's media type '%s' is not supported for this resource.", mt))})
		default:
			s.write(w, r, s.brokenBody(endpoint))
		}
	})
}

func (s *Simulator) brokenBody(endpoint string) reply {
	switch endpoint {
	case RenewToken:
		return failedToken(http.StatusBadRequest, MsgBrokenBody)
	case Logoff, GetUsers:
		return failedResult(http.StatusBadRequest, MsgBrokenBody)
	}
	return failedAuth(http.StatusBadRequest, MsgBrokenBody)
}

func (s *Simulator) mint(ctx context.Context, user string) tokens.Token {
	expires := s.clock.Now().Add(s.fx.Settings.TokenLifetime)
	return s.tokens.Add(ctx, tokens.Token{
		Value:     uuid.UUID(s.tokens.NewUUID(ctx, user, expires)).String(),
		Subject:   user,
		ExpiresAt: expires,
	})
}

// Logins lists a fixture's users, sorted: a shared token carries an index
// into them.
func Logins(f *Fixtures) []string {
	out := slices.Collect(maps.Keys(f.Users))
	slices.Sort(out)
	return out
}

// TokenID is the id a GUID token is.
func TokenID(value string) ([16]byte, bool) {
	u, err := uuid.Parse(value)
	return u, err == nil
}

// expiration writes a time as the service does: seven fractional digits and
// the offset of the fixture's timezone.
func (s *Simulator) expiration(t time.Time) string {
	return t.In(s.fx.location).Format("2006-01-02T15:04:05.0000000-07:00")
}

func (s *Simulator) authenticate(r *http.Request, m map[string]string) reply {
	name, password := m["userName"], m["password"]
	if name == "" || password == "" {
		return failedAuth(http.StatusBadRequest, MsgMissingCredentials)
	}
	u, ok := s.fx.Users[name]
	if !ok || u.Password != password {
		return failedAuth(http.StatusUnauthorized, MsgInvalidCredentials)
	}
	if rep, ok := checkCode(u, m["code"], failedAuth); !ok {
		return rep
	}
	return s.authenticated(r.Context(), name, u)
}

// checkCode enforces a user's security code, answering in the caller's shape.
func checkCode(u User, code string, fail func(int, string) reply) (reply, bool) {
	switch {
	case u.SecurityCode == "":
		return reply{}, true
	case code == "":
		return fail(http.StatusForbidden, MsgCodeRequired), false
	case code != u.SecurityCode:
		return fail(http.StatusForbidden, MsgInvalidCode), false
	}
	return reply{}, true
}

func (s *Simulator) authenticated(ctx context.Context, name string, u User) reply {
	t := s.mint(ctx, name)
	return reply{http.StatusOK, authResponse{
		UserID: u.UserID, IsEmployee: u.IsEmployee, ExpirationDateUtc: s.expiration(t.ExpiresAt),
		APIVersion: apiVersion, Token: t.Value, Code: http.StatusOK,
	}}
}

func (s *Simulator) autologin(r *http.Request, m map[string]string) reply {
	tok := m["token"]
	if tok == "" {
		return failedAuth(http.StatusBadRequest, MsgMissingToken)
	}
	name, ok := s.fx.AutologinTokens[strings.ToLower(tok)]
	if !ok {
		return failedAuth(http.StatusUnauthorized, MsgInvalidAutologin)
	}
	return s.authenticated(r.Context(), name, s.fx.Users[name])
}

// checkToken returns the user of a good token.
func (s *Simulator) checkToken(value string) (string, bool) {
	t, err := s.tokens.Check(strings.ToLower(value))
	if err != nil {
		return "", false
	}
	return t.Subject, true
}

func (s *Simulator) renewToken(r *http.Request, m map[string]string) reply {
	if m["token"] == "" {
		return failedToken(http.StatusBadRequest, MsgMissingToken)
	}
	name, ok := s.checkToken(m["token"])
	if !ok {
		return failedToken(http.StatusUnauthorized, MsgInvalidToken)
	}
	u := s.fx.Users[name]
	if rep, ok := checkCode(u, m["code"], failedToken); !ok {
		return rep
	}
	_ = s.tokens.Revoke(strings.ToLower(m["token"]))
	t := s.mint(r.Context(), name)
	return reply{http.StatusOK, tokenResponse{
		UserID: u.UserID, IsEmployee: u.IsEmployee, ExpirationDateUtc: s.expiration(t.ExpiresAt),
		APIVersion: apiVersionMobile, Token: t.Value, Code: http.StatusOK,
	}}
}

func (s *Simulator) logoff(_ *http.Request, m map[string]string) reply {
	if m["token"] == "" {
		return failedResult(http.StatusBadRequest, MsgMissingToken)
	}
	if _, ok := s.checkToken(m["token"]); !ok {
		return failedResult(http.StatusUnauthorized, MsgInvalidToken)
	}
	_ = s.tokens.Revoke(strings.ToLower(m["token"]))
	return reply{http.StatusOK, apiResult{APIVersion: apiVersion, Code: http.StatusOK}}
}

func (s *Simulator) getUsers(_ *http.Request, m map[string]string) reply {
	if m["token"] == "" {
		return failedResult(http.StatusBadRequest, MsgMissingToken)
	}
	if _, ok := s.checkToken(m["token"]); !ok {
		return failedResult(http.StatusUnauthorized, MsgInvalidToken)
	}
	users := make([]userInfo, 0, len(s.fx.Users))
	for name, u := range s.fx.Users {
		users = append(users, userInfo{UserID: u.UserID, UserName: name, FullName: u.FullName, IsEmployee: u.IsEmployee})
	}
	slices.SortFunc(users, func(a, b userInfo) int { return a.UserID - b.UserID })
	return reply{http.StatusOK, usersResponse{Users: users, APIVersion: apiVersion, Code: http.StatusOK}}
}
