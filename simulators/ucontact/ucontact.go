package ucontact

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
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
const Name = "ucontact"

// Endpoint names, as scenarios and conformance cases use them.
const (
	GetUserToken = "getUserToken"
	AgentLogin   = "AgentLogin"
	UserLogin    = "UserLogin"
	EndSession   = "EndSession"
	AgentLogoff  = "AgentLogoff"
)

// Paths of the endpoints, as documented.
const (
	AppRoot = "/Integra/resources" // the JAX-RS application's context and servlet path

	PathGetUserToken = "/Integra/resources/auth/getUserToken"
	PathAgentLogin   = "/Integra/resources/auth/AgentLogin"
	PathUserLogin    = "/Integra/resources/auth/UserLogin"
	PathEndSession   = "/Integra/resources/auth/EndSession"
	PathAgentLogoff  = "/Integra/resources/api/AgentLogoff"
)

// Bodies and content type of the vendor's answers, exact.
const (
	ContentType = "text/plain;charset=UTF-8"

	BodyQuotedZero   = `"0"`          // getUserToken's error, as the page shows
	BodyBareZero     = `0`            // getUserToken's error on some tenants; AgentLogin and UserLogin's bad credentials
	BodyError        = `Error`        // AgentLogin's malformed request
	BodyOK           = `OK`           // AgentLogoff success (this simulator's reading)
	BodyEnded        = `1`            // EndSession success: what the one public client that checks it expects
	BodyUnauthorized = `Unauthorized` // 401 of the token-checking calls

	// WWWAuthenticate accompanies every 401.
	WWWAuthenticate = `Basic realm="Integra"`
)

var endpoints = []vendor.Endpoint{
	{Name: GetUserToken, Method: http.MethodPost, Path: PathGetUserToken, Doc: "client login: form user, password; answers the token as a JSON string"},
	{Name: AgentLogin, Method: http.MethodPost, Path: PathAgentLogin, Doc: "agent login: form agent, password; answers the SIP peer object as text"},
	{Name: UserLogin, Method: http.MethodPost, Path: PathUserLogin, Doc: "older client login: form user, password; answers a JSON array, token at index 2"},
	{Name: EndSession, Method: http.MethodPost, Path: PathEndSession, Doc: "ends a session: user and token in the form or the query; 401 for a stale token"},
	{Name: AgentLogoff, Method: http.MethodPost, Path: PathAgentLogoff, Auth: AuthToken, Doc: "agent logoff: form agent, interface, message; Authorization: Basic <token>; 401 for a stale token"},
}

// Token kinds kept in the store.
const (
	kindUser  = "user"
	kindAgent = "agent"
)

// Options configure a Simulator; the zero value is the embedded fixtures on
// a fresh simulated clock.
type Options struct {
	Fixtures *Fixtures     // nil: DefaultFixtures()
	Clock    clock.Clock   // nil: a new simulated clock
	Tokens   *tokens.Store // nil: a new store on Clock
}

// Simulator is the uContact fake. It is an http.Handler.
type Simulator struct {
	fx     Fixtures
	clock  clock.Clock
	tokens *tokens.Store
	router *mux.Router
	static map[staticRoute]http.Handler // the routes by method and exact path
}

var _ vendor.Simulator = (*Simulator)(nil)

// New returns a Simulator.
func New(opts Options) *Simulator {
	s := &Simulator{}
	s.fx, s.clock, s.tokens = vendor.Defaults(opts.Fixtures, DefaultFixtures, opts.Clock, opts.Tokens)
	s.router = s.routes()
	return s
}

// staticRoute is a method and an exact path.
type staticRoute struct{ method, path string }

// routes is every route of the vendor, in one place.
func (s *Simulator) routes() *mux.Router {
	// SkipClean: a vendor does not redirect /a/../b; such a path matches nothing.
	r := mux.NewRouter().SkipClean(true)
	s.static = map[staticRoute]http.Handler{}
	for path, f := range map[string]func(*http.Request) response{
		PathGetUserToken: s.getUserToken, PathAgentLogin: s.agentLogin, PathUserLogin: s.userLogin,
		PathEndSession: s.endSession, PathAgentLogoff: s.agentLogoff,
	} {
		h := s.adapt(f)
		r.Handle(path, h).Methods(http.MethodPost)
		s.static[staticRoute{http.MethodPost, path}] = h
	}
	noRoute := s.fx.Settings.ErrorPages.JAXRS(AppRoot, endpoints)
	r.NotFoundHandler, r.MethodNotAllowedHandler = noRoute, noRoute
	return r
}

func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Every route is one method on one fixed path: the exact pair finds
	// its handler in a map, as the router would (its pattern is the whole
	// path), without the router's regular expressions, or the two copies
	// of the request it makes to store a route no handler reads. The
	// rest (404, 405) goes the router's way.
	if h, ok := s.static[staticRoute{r.Method, r.URL.Path}]; ok {
		h.ServeHTTP(w, r)
		return
	}
	s.router.ServeHTTP(w, r)
}

// Demo implements vendor.Simulator: the user and the agent the fixtures
// mark demo: true.
func (s *Simulator) Demo() (map[string]string, error) {
	demo := map[string]string{}
	if u, ok := s.fx.Users[s.fx.demoUser]; ok {
		demo["user"], demo["password"] = s.fx.demoUser, u.Password
	}
	if a, ok := s.fx.Agents[s.fx.demoAgent]; ok {
		demo["agentUser"], demo["agentPassword"] = s.fx.demoAgent, a.Password
	}
	return demo, nil
}

// ValidToken implements vendor.TokenOracle.
func (s *Simulator) ValidToken(token string) bool { return s.tokens.Valid(token) }

// Reset implements vendor.Simulator.
func (s *Simulator) Reset() { s.tokens.Reset() }

// UserScenarios implements vendor.Simulator: users and agents alike.
func (s *Simulator) UserScenarios() map[string]string {
	out := vendor.ScenariosOf(s.fx.Users, func(u User) string { return u.Scenario })
	maps.Copy(out, vendor.ScenariosOf(s.fx.Agents, func(a Agent) string { return a.Scenario }))
	return out
}

// Describe implements vendor.Simulator.
func (s *Simulator) Describe(r *http.Request, body []byte) vendor.Call {
	var c vendor.Call
	for _, e := range endpoints {
		if e.Path == r.URL.Path {
			c.Endpoint, c.Path = e.Name, e.Path
		}
	}
	form := formOf
	if f := parsedOnce(r, body); f != nil {
		// The handler gets this parse back (vendor.WithDecoded): the body
		// is parsed once a request.
		c.Decoded, form = f, func(*http.Request, []byte) url.Values { return f.form }
	}
	switch c.Endpoint {
	case AgentLogin, AgentLogoff:
		c.User = form(r, body).Get("agent")
	default:
		c.User = form(r, body).Get("user")
	}
	return c
}

// parsedForm is net/http's ParseForm of a request, done by Describe.
type parsedForm struct{ form, post url.Values }

// parsedOnce is ParseForm of r with body (on a copy of r), when it parses
// without error; nil otherwise (the handler's own ParseForm then reports
// the error as it always did).
func parsedOnce(r *http.Request, body []byte) *parsedForm {
	if r.Method != http.MethodPost && r.Method != http.MethodPut && r.Method != http.MethodPatch {
		return nil
	}
	if r.Header.Get("Content-Type") == "application/x-www-form-urlencoded" && r.URL.RawQuery == "" {
		// What ParseForm does for the usual login, without its copies:
		// PostForm from the body, and Form the same values (read only).
		post, err := url.ParseQuery(string(body))
		if err != nil {
			return nil
		}
		return &parsedForm{form: post, post: post}
	}
	c := *r
	c.Body, c.Form, c.PostForm, c.MultipartForm = io.NopCloser(bytes.NewReader(body)), nil, nil, nil
	if err := c.ParseForm(); err != nil {
		return nil
	}
	return &parsedForm{form: c.Form, post: c.PostForm}
}

// useParsed gives r the form Describe parsed of its body, so its
// ParseForm reads nothing again. The values are shared: read only.
func useParsed(r *http.Request) {
	if f, ok := vendor.DecodedFrom(r.Context()).(*parsedForm); ok && r.Form == nil && r.PostForm == nil {
		r.Form, r.PostForm = f.form, f.post
	}
}

// formOf reads a form from body (when it is form-encoded) and the query,
// without touching r.Body.
func formOf(r *http.Request, body []byte) url.Values {
	v, _ := url.ParseQuery(r.URL.RawQuery)
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
		if b, err := url.ParseQuery(string(body)); err == nil {
			for k, vals := range b {
				v[k] = append(vals, v[k]...)
			}
		}
	}
	return v
}

// isError is the Spec's InBandError: the HTTP 200 error bodies.
func isError(_ string, status int, body []byte) bool {
	switch string(body) {
	case BodyQuotedZero, BodyBareZero, BodyError:
		return true
	}
	return status >= 400
}

// VendorError implements vendor.Simulator: the logins' 200 error bodies,
// and the token-checking calls' 401.
func (s *Simulator) VendorError(w http.ResponseWriter, r *http.Request, endpoint string) {
	var res response
	switch endpoint {
	case AgentLogin, UserLogin:
		res = text(BodyBareZero)
	case EndSession, AgentLogoff:
		res = unauthorized()
	default:
		res = s.getUserTokenError()
	}
	res.write(w)
}

// response is what a handler decides; adapt writes it.
type response struct {
	status int
	header http.Header
	body   []byte
}

func text(body string) response { return response{status: http.StatusOK, body: []byte(body)} }

func unauthorized() response {
	return response{status: http.StatusUnauthorized, header: http.Header{"Www-Authenticate": {WWWAuthenticate}}, body: []byte(BodyUnauthorized)}
}

func (res response) write(w http.ResponseWriter) {
	h := w.Header()
	for k, v := range res.header {
		h[k] = v
	}
	h.Set("Content-Type", ContentType)
	w.WriteHeader(res.status)
	_, _ = w.Write(res.body)
}

func (s *Simulator) adapt(f func(*http.Request) response) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		useParsed(r)
		f(r).write(w)
	})
}

func (s *Simulator) getUserTokenError() response {
	if s.fx.Settings.GetUserTokenError == ErrorBare {
		return text(BodyBareZero)
	}
	return text(BodyQuotedZero)
}

// Mint implements vendor.Minter: a user's token, as getUserToken mints it.
func (s *Simulator) Mint(ctx context.Context, user string) (string, error) {
	return s.mint(ctx, user, kindUser, user), nil
}

// mint stores a fresh token, base64 of subject:uuid, as uContact makes them.
func (s *Simulator) mint(ctx context.Context, subject, kind, login string) string {
	now := s.clock.Now()
	expires := now.Add(s.fx.Settings.TokenLifetime)
	id := uuid.UUID(s.tokens.NewUUID(ctx, login, expires))
	value := base64.StdEncoding.EncodeToString([]byte(subject + ":" + id.String()))
	s.tokens.Add(ctx, tokens.Token{Value: value, Subject: login, Kind: kind, IssuedAt: now, ExpiresAt: expires})
	return value
}

// Logins lists a fixture's users and agents, sorted: a shared token
// carries an index into them.
func Logins(f *Fixtures) []string {
	out := append(slices.Collect(maps.Keys(f.Users)), slices.Collect(maps.Keys(f.Agents))...)
	slices.Sort(out)
	return slices.Compact(out)
}

// TokenID is the id inside a visible token: the uuid after the colon.
func TokenID(value string) ([16]byte, bool) {
	raw, err := base64.StdEncoding.DecodeString(value)
	if err != nil {
		return [16]byte{}, false
	}
	_, id, ok := strings.Cut(string(raw), ":")
	u, err := uuid.Parse(id)
	return u, ok && err == nil
}

// checkUser returns the user for valid credentials of a parsed form.
func (s *Simulator) checkUser(r *http.Request) (string, User, bool) {
	if err := r.ParseForm(); err != nil {
		return "", User{}, false
	}
	name, password := r.PostForm.Get("user"), r.PostForm.Get("password")
	u, ok := s.fx.Users[name]
	if !ok || name == "" || password != u.Password {
		return "", User{}, false
	}
	return name, u, true
}

func (s *Simulator) getUserToken(r *http.Request) response {
	name, _, ok := s.checkUser(r)
	if !ok {
		return s.getUserTokenError()
	}
	tok := s.mint(r.Context(), name, kindUser, name)
	return text(`"` + tok + `"`)
}

// userLogin answers a list as the vendor's wiki describes it: the user,
// the SIP peer of the user's phone (its md5secret the key; {} for a user
// without one), and the key last. Clients that decode it read [2]; clients
// that split the raw text on "}," find the key in the third piece.
func (s *Simulator) userLogin(r *http.Request) response {
	name, u, ok := s.checkUser(r)
	if !ok {
		return text(BodyBareZero)
	}
	tok := s.mint(r.Context(), name, kindUser, name)
	var phone any = struct{}{}
	a, hasPhone := s.fx.Agents[u.Phone]
	if hasPhone {
		peer := a.Peer.withDefaults(u.Phone)
		peer.Host, peer.MD5Secret = r.Host, tok
		peer.Limite.Double = s.fx.Settings.Generation == GenerationIntegra
		phone = peer
	}
	info := userInfo{User: name, Fullname: u.Fullname}
	switch {
	case s.fx.Settings.UserLogin == UserLoginWiki && hasPhone:
		return text(marshal([]any{info, phone})) // the peer last, its md5secret the key
	case s.fx.Settings.UserLogin == UserLoginWiki:
		return text(marshal([]any{info, tok})) // the key last
	}
	return text(marshal([]any{info, phone, tok}))
}

// userInfo is UserLogin's first element.
type userInfo struct {
	User     string `json:"user"`
	Fullname string `json:"fullname"`
}

func (s *Simulator) agentLogin(r *http.Request) response {
	if err := r.ParseForm(); err != nil {
		return text(BodyError)
	}
	login, password := r.PostForm.Get("agent"), r.PostForm.Get("password")
	if login == "" || !r.PostForm.Has("password") {
		return text(BodyError)
	}
	a, ok := s.fx.Agents[login]
	if !ok || password != a.Password {
		return text(BodyBareZero)
	}
	peer := a.Peer.withDefaults(login)
	peer.Host = r.Host
	tok := s.mint(r.Context(), peer.AccountCode, kindAgent, login)
	if s.fx.Settings.Generation == GenerationIntegra {
		// The wiki's server: md5secret is the API key, there is no token
		// field, and limite is a double.
		peer.MD5Secret, peer.Limite.Double = tok, true
	} else {
		peer.Token = tok
	}
	return text(marshal(peer))
}

// agentLogoff takes the agent off its SIP peer. The token stays good: it is
// the API session, which EndSession ends. It takes a login's token (the
// wiki generation's md5secret is one) as Basic, or a portal API token as
// Bearer.
func (s *Simulator) agentLogoff(r *http.Request) response {
	scheme, token := authorization(r)
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		if _, ok := s.apiTokenOwner(token); !ok {
			return unauthorized()
		}
	case strings.EqualFold(scheme, "Basic"):
		if _, err := s.session(token); err != nil {
			return unauthorized()
		}
	default:
		return unauthorized()
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("agent") == "" {
		return text(BodyBareZero) // the partner "Log Out" page's error response
	}
	return text(BodyOK)
}

// authorization splits the Authorization header into scheme and value.
func authorization(r *http.Request) (scheme, value string) {
	scheme, value, _ = strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	return scheme, value
}

// apiTokenOwner is the user a portal API token (fixture apiTokens) carries.
func (s *Simulator) apiTokenOwner(value string) (string, bool) {
	value = strings.TrimSpace(value)
	owner, ok := s.fx.APITokens[value]
	return owner, ok && value != ""
}

func (s *Simulator) endSession(r *http.Request) response {
	if err := r.ParseForm(); err != nil {
		return unauthorized()
	}
	user, token := r.Form.Get("user"), r.Form.Get("token")
	if scheme, key := authorization(r); token == "" && strings.EqualFold(scheme, "Bearer") {
		// A portal API token: accepted, and left alone (the portal
		// manages it), a reading.
		if owner, ok := s.apiTokenOwner(key); ok && (user == "" || user == owner) {
			return text(BodyEnded)
		}
		return unauthorized()
	}
	t, err := s.session(token)
	if token == "" || err != nil || (user != "" && user != t.Subject) {
		return unauthorized()
	}
	_ = s.tokens.Revoke(t.Value)
	return text(BodyEnded)
}

// session finds the session a token sent back names. Lenient (the
// default): the value is read as a lenient Java Base64 decoder (Apache
// Commons Codec) reads it, characters outside the alphabet skipped (a
// stray quote, spaces, a newline), and the session looked up by what it
// decodes to. Exact: the value must be the token as handed out.
func (s *Simulator) session(value string) (tokens.Token, error) {
	if s.fx.Settings.TokenParsing == TokenExact {
		return s.tokens.Check(value)
	}
	return s.tokens.Check(lenientBase64(value))
}

// lenientBase64 is the canonical spelling of what a lenient decoder reads
// in value: its alphabet characters decoded, then encoded again with
// padding. A value that does not decode is returned as it is.
func lenientBase64(value string) string {
	kept := strings.Map(func(r rune) rune {
		switch {
		case r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '+', r == '/':
			return r
		}
		return -1
	}, value)
	raw, err := base64.RawStdEncoding.DecodeString(kept)
	if err != nil {
		return value
	}
	return base64.StdEncoding.EncodeToString(raw)
}

// marshal writes v as compact JSON, as a Java server would.
func marshal(v any) string { return string(vendor.CompactJSON(v)) }

// TokenLifetime reports how long the loaded fixtures let a token live.
func (s *Simulator) TokenLifetime() time.Duration { return s.fx.Settings.TokenLifetime }
