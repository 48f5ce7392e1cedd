// Package autoalert simulates AutoAlert's User API (an ASP.NET Web API
// service): User/authenticate, autologin, renewtoken, logoff, getusers as
// the method that checks a token, and the data methods Search/getentities
// and Vehicle/getnotowned (fixture data).
//
// Quirks reproduced:
//
//   - paths match without regard to case (/user/authenticate is the same);
//   - bodies in JSON (application/json, text/json), DataContract XML
//     (application/xml, text/xml) or a form; any other Content-Type is 415;
//   - DataContract XML is read as DataContractSerializer reads it: each
//     member in its declaring type's namespace (an inherited token in
//     AutoAlert.API.Models), base members first, then alphabetical; an
//     element out of order is skipped as if absent — a trap for
//     hand-written XML clients;
//   - the answer's format is negotiated as Web API's DefaultContentNegotiator
//     does: Accept, then the request's own media type, then JSON;
//   - .NET's bytes: dates with the FFFFFFF fraction, null members as
//     <x i:nil="true" xmlns="..." />, Cache-Control/Pragma/Expires headers;
//   - answers carry `code` and `error` besides the HTTP status; a failed
//     login still answers an AuthenticateResponse, with the empty GUID as its
//     token and DateTime.MinValue as its expiry: no usable token;
//   - expirationDateUtc is written with an offset (the fixture's timezone,
//     or Z for UTC); failures come as HTTP statuses or, with the fixture
//     setting failures: in-body, as HTTP 200 with the status in code.
package autoalert

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"maps"
	"net/http"
	"regexp"
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

// APIVersion values the answers carry, per result type as the help pages
// show them.
const (
	apiVersion       = 4 // AuthenticateResponse; GetUsersResponse (a reading)
	apiVersionMobile = 1 // Token (renewtoken)
	apiVersionResult = 1 // APIResult (logoff, failed token checks)
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
	{Name: RenewToken, Method: http.MethodPost, Path: PathRenewToken, Auth: AuthToken, Doc: "a new token for a good one: token, code; answers the mobile Token shape"},
	{Name: Logoff, Method: http.MethodPost, Path: PathLogoff, Auth: AuthToken, Doc: "ends a token: token; answers APIResult"},
	{Name: GetUsers, Method: http.MethodPost, Path: PathGetUsers, Auth: AuthToken, Doc: "a token-checking method: token; answers the user list"},
	{Name: GetEntities, Method: http.MethodPost, Path: PathGetEntities, Auth: AuthToken, Doc: "entities (opportunities), top 5 or limit: token, query, limit; answers EntitiesList from the fixtures"},
	{Name: GetNotOwned, Method: http.MethodPost, Path: PathGetNotOwned, Auth: AuthToken, Doc: "vehicles no longer owned since fromDateUTC: token, fromDateUTC; answers GetNotOwnedResponse from the fixtures"},
}

// Request contracts as the help pages' XML samples show them: members in
// DataContract order, an inherited token in the namespace of the base
// type (AuthenticatedRequest, in AutoAlert.API.Models) and first.
var (
	authContract = contract{root: "AuthenticateRequest", ns: NSUser,
		members: []member{{"code", NSUser}, {"password", NSUser}, {"userName", NSUser}}}
	autologinContract     = contract{root: "AutologinRequest", ns: NSUser, members: []member{{"token", NSUser}}}
	renewContract         = contract{root: "RenewRequest", ns: NSUser, members: []member{{"token", NSModels}, {"code", NSUser}}}
	authenticatedContract = contract{root: "AuthenticatedRequest", ns: NSModels, members: []member{{"token", NSModels}}}
	contractOfRequest     = map[string]contract{
		Authenticate: authContract, Autologin: autologinContract, RenewToken: renewContract,
		Logoff: authenticatedContract, GetUsers: authenticatedContract,
		GetEntities: getEntitiesContract, GetNotOwned: getNotOwnedContract,
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
		Logoff: s.logoff, GetUsers: s.getUsers, GetEntities: s.getEntities, GetNotOwned: s.getNotOwned,
	}
	// SkipClean: a vendor does not redirect /a/../b; such a path matches nothing.
	r := mux.NewRouter().SkipClean(true)
	for _, e := range endpoints {
		r.MatcherFunc(pathFold(e.Path)).Handler(s.adapt(e.Name, handlers[e.Name]))
	}
	// The service's root and /Help answer its online help page (API_Intro:
	// "Using this address without appending an API method will return the
	// online help page").
	for _, path := range []string{"", "/Help"} {
		r.MatcherFunc(pathFold(path)).Methods(http.MethodGet).HandlerFunc(s.helpPage)
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
func (s *Simulator) ValidToken(token string) bool { return s.tokens.Valid(guidKey(token)) }

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
		switch p := strings.TrimSuffix(r.URL.Path, "/"); {
		case p == "":
			return vendor.Call{Endpoint: "helpPage", Path: "/"}
		case strings.EqualFold(p, "/Help"):
			return vendor.Call{Endpoint: "helpPageHelp", Path: "/Help"}
		}
		return vendor.Call{}
	}
	c := vendor.Call{Endpoint: e.Name, Path: e.Path}
	if e.Name == Authenticate {
		d := &decoded{contract: authContract}
		d.members, d.mediaType, d.err = readRequest(r, body, authContract)
		if d.err == nil {
			c.User = d.members["userName"]
		}
		c.Decoded = d
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
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	// What Web API's HttpControllerHandler adds to every answer.
	h.Set("Cache-Control", "no-cache")
	h.Set("Pragma", "no-cache")
	h.Set("Expires", "-1")
	w.WriteHeader(rep.status)
	_, _ = w.Write(body)
}

// decoded is a request's body as Describe read it for a contract.
type decoded struct {
	contract  contract
	members   map[string]string
	mediaType string
	err       error
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
		var (
			m   map[string]string
			mt  string
			err error
		)
		if d, ok := vendor.DecodedFrom(r.Context()).(*decoded); ok && d.contract.root == c.root && d.contract.ns == c.ns {
			m, mt, err = maps.Clone(d.members), d.mediaType, d.err // read once, by Describe
		} else {
			m, mt, err = readRequest(r, drain(r.Body), c)
		}
		switch err {
		case nil:
			s.write(w, r, s.failure(f(r, m)))
		case errUnsupportedMediaType:
			s.write(w, r, reply{http.StatusUnsupportedMediaType, httpError(fmt.Sprintf("The request entity's media type '%s' is not supported for this resource.", mt))})
		default:
			s.write(w, r, s.failure(s.brokenBody(endpoint)))
		}
	})
}

// inBodyError matches an XML answer whose error member carries text.
var inBodyError = regexp.MustCompile(`<error[^>]*>[^<]`)

// isError is the Spec's InBandError: a 4xx, or (failures: in-body) an HTTP
// 200 whose code is not 200 (JSON) or whose error is not null (XML).
func isError(_ string, status int, body []byte) bool {
	if status != http.StatusOK {
		return status >= 400
	}
	var b struct{ Code *int }
	if json.Unmarshal(body, &b) == nil {
		return b.Code != nil && *b.Code != http.StatusOK
	}
	return inBodyError.Match(body)
}

// failure answers a refused request as the fixtures say: with its HTTP
// status, or (failures: in-body) with HTTP 200 and the status in the
// body's code alone.
func (s *Simulator) failure(rep reply) reply {
	if rep.status != http.StatusOK && s.fx.Settings.Failures == FailuresInBody {
		rep.status = http.StatusOK
	}
	return rep
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

// Mint implements vendor.Minter: a token as authenticate mints it.
func (s *Simulator) Mint(ctx context.Context, user string) (string, error) {
	return s.mint(ctx, user).Value, nil
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

// expiration writes a time as Json.NET and DataContractSerializer do: up
// to seven fractional digits, trailing zeros trimmed (FFFFFFF), and the
// offset of the fixture's timezone, or Z for timezone: UTC.
func (s *Simulator) expiration(t time.Time) string {
	if s.fx.location == time.UTC {
		return t.UTC().Format("2006-01-02T15:04:05.9999999Z07:00")
	}
	return t.In(s.fx.location).Format("2006-01-02T15:04:05.9999999-07:00")
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
	name, ok := s.fx.AutologinTokens[guidKey(tok)]
	if !ok {
		return failedAuth(http.StatusUnauthorized, MsgInvalidAutologin)
	}
	return s.authenticated(r.Context(), name, s.fx.Users[name])
}

// checkToken returns the user of a good token.
func (s *Simulator) checkToken(value string) (string, bool) {
	t, err := s.tokens.Check(guidKey(value))
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
	_ = s.tokens.Revoke(guidKey(m["token"]))
	t := s.mint(r.Context(), name)
	return reply{http.StatusOK, tokenResponse{
		UserID: u.UserID, IsEmployee: u.IsEmployee, ExpirationDateUtc: s.expiration(t.ExpiresAt),
		APIVersion: apiVersionMobile, Token: t.Value, Code: http.StatusOK,
	}}
}

func (s *Simulator) logoff(_ *http.Request, m map[string]string) reply {
	if rep, ok := s.tokenOf(m, failedResult); !ok {
		return rep
	}
	_ = s.tokens.Revoke(guidKey(m["token"]))
	return reply{http.StatusOK, apiResult{APIVersion: apiVersionResult, Code: http.StatusOK}}
}

func (s *Simulator) getUsers(_ *http.Request, m map[string]string) reply {
	if rep, ok := s.tokenOf(m, failedResult); !ok {
		return rep
	}
	users := make([]userInfo, 0, len(s.fx.Users))
	for name, u := range s.fx.Users {
		users = append(users, userInfo{UserID: u.UserID, UserName: name, FullName: u.FullName, IsEmployee: u.IsEmployee})
	}
	slices.SortFunc(users, func(a, b userInfo) int { return a.UserID - b.UserID })
	return reply{http.StatusOK, usersResponse{Users: users, APIVersion: apiVersion, Code: http.StatusOK}}
}

// guidKey is a token as .NET reads it into a Guid (new Guid(string), which
// Json.NET, DataContract XML and model binding use): white space around it
// ignored, any case, and the same value in its four spellings: hyphenated
// (D), 32 digits (N), the hyphenated form in braces (B) or parentheses
// (P). It is the hyphenated lower-case form the service hands out; a
// value that is no Guid stays as it is, lower-cased (and is refused).
func guidKey(value string) string {
	v := strings.TrimSpace(value)
	if len(v) == 38 && (v[0] == '{' && v[37] == '}' || v[0] == '(' && v[37] == ')') {
		v = v[1:37]
	}
	// The D and N forms, as uuid.Parse reads them (it would also take a
	// urn:uuid: form, and braces it does not check, which .NET refuses).
	if len(v) == 36 || len(v) == 32 {
		if u, err := uuid.Parse(v); err == nil {
			return u.String()
		}
	}
	return strings.ToLower(value)
}

// helpPage is the online help page the service's root answers: ASP.NET
// Web API's Help Page, a table of the methods by controller. Its markup is
// a reading (only its existence is documented); the methods are the
// documented ones.
func (s *Simulator) helpPage(w http.ResponseWriter, _ *http.Request) {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html><head><meta charset="utf-8" /><meta name="viewport" content="width=device-width" /><title>ASP.NET Web API Help Page</title></head><body><header class="help-page"><div class="content-wrapper"><div class="float-left"><h1>ASP.NET Web API Help Page</h1></div></div></header><div id="body" class="help-page"><section class="featured"><div class="content-wrapper"><h2>Introduction</h2><p>Provide a general description of your APIs here.</p></div></section><section class="content-wrapper main-content clear-fix">`)
	controller := ""
	for _, e := range endpoints {
		c, action, _ := strings.Cut(strings.TrimPrefix(e.Path, "/"), "/")
		if c != controller {
			if controller != "" {
				b.WriteString(`</tbody></table>`)
			}
			controller = c
			fmt.Fprintf(&b, `<h2 id="%s">%s</h2><table class="help-page-table"><thead><tr><th>API</th><th>Description</th></tr></thead><tbody>`, c, c)
		}
		fmt.Fprintf(&b, `<tr><td class="api-name"><a href="/Help/Api/%s-%s-%s">%s %s/%s</a></td><td class="api-documentation"><p>%s</p></td></tr>`,
			e.Method, c, action, e.Method, c, action, html.EscapeString(e.Doc))
	}
	b.WriteString(`</tbody></table></section></div></body></html>`)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, b.String())
}
