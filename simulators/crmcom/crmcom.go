// Package crmcom simulates CRM.COM's Web API login: authentication/token
// (by username and password or by access token, within an organisation and
// unit), authentication/token/release, and contact_information/show as a
// method that checks the token the way every CRM.COM method does.
//
// Every answer is JSON in the status/data envelope, errors included; the
// error codes and their HTTP statuses are in one table (errors.go) and in
// contracts/crmcom.yaml. A body is read as JSON whatever its Content-Type
// says, as the real service tolerates clients that send text/plain.
package crmcom

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
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
const Name = "crmcom"

// Endpoint names and paths.
const (
	Token     = "token"
	WebAPIKey = "webApiKeyToken"
	Release   = "release"
	Show      = "show"

	AppRoot       = "/crmapi/rest" // the JAX-RS application's context and servlet path
	CRMContext    = "/crm"         // the context path some installs serve the API under (public code, id 130330194)
	BasePath      = AppRoot + "/v2"
	PathToken     = BasePath + "/authentication/token"
	PathWebAPIKey = BasePath + "/authentication/web_api_key/token"
	PathRelease   = BasePath + "/authentication/token/release"
	PathShow      = BasePath + "/contact_information/show"

	ContentType = "application/json;charset=UTF-8"
)

var endpoints = []vendor.Endpoint{
	{Name: Token, Method: http.MethodPost, Path: PathToken, Doc: "login: username+password or access_token_identifier, organisation, optional unit"},
	{Name: WebAPIKey, Method: http.MethodPost, Path: PathWebAPIKey, Doc: "login by web API key (R10+): the key as the HTTP Basic user name, colon or not; a token for 2 hours"},
	{Name: Release, Method: http.MethodPost, Path: PathRelease, Auth: AuthToken, Doc: `releases a token: {"token": T}`},
	{Name: Update, Method: http.MethodPost, Path: PathUpdate, Auth: AuthToken, Doc: `a POST method that takes the token in its body: {"token": T, "contact_information_identifier": {"id": ...}, ...fields}`},
	{Name: Show, Method: http.MethodGet, Path: PathShow, Auth: AuthToken, Doc: "a token-checking method: ?token=T&contact_information_identifier=id=8A2C3E4F5061728394A5B6C7D8E9F001"},
}

// Options configure a Simulator; the zero value is the embedded fixtures on
// a fresh simulated clock.
type Options struct {
	Fixtures *Fixtures
	Clock    clock.Clock
	Tokens   *tokens.Store
	// JWTSecret signs the tokens of the jwt-two-hours setting (default:
	// random); replicas that share it honour each other's JWTs.
	JWTSecret []byte
}

// Simulator is the CRM.COM fake. It is an http.Handler.
type Simulator struct {
	fx        Fixtures
	clock     clock.Clock
	tokens    *tokens.Store
	jwtSecret []byte // signs tokens in jwt-two-hours mode
	router    *mux.Router

	mu       sync.Mutex // guards contacts
	contacts []Contact  // the fixtures' contacts, as updates left them
}

var _ vendor.Simulator = (*Simulator)(nil)

// New returns a Simulator.
func New(opts Options) *Simulator {
	s := &Simulator{jwtSecret: make([]byte, 32)}
	s.fx, s.clock, s.tokens = vendor.Defaults(opts.Fixtures, DefaultFixtures, opts.Clock, opts.Tokens)
	if opts.JWTSecret != nil {
		s.jwtSecret = opts.JWTSecret
	} else {
		_, _ = rand.Read(s.jwtSecret)
	}
	// SkipClean: a vendor does not redirect /a/../b; such a path matches nothing.
	r := mux.NewRouter().SkipClean(true)
	handlers := map[string]func(*http.Request) response{
		Token: s.login, WebAPIKey: s.webAPIKeyLogin, Release: s.release, Show: s.show, Update: s.update,
	}
	for _, e := range endpoints {
		// Served under the documented path and under the /crm/ context
		// path some installs use.
		r.Handle(e.Path, s.adapt(handlers[e.Name])).Methods(e.Method)
		r.Handle(CRMContext+strings.TrimPrefix(e.Path, BasePath), s.adapt(handlers[e.Name])).Methods(e.Method)
	}
	// The /crm/ context's paths are resources as the documented ones are:
	// another method there is 405 with Allow, as under /crmapi (the one
	// public client of web_api_key/token calls it with GET).
	routed := slices.Clone(endpoints)
	for _, e := range endpoints {
		e.Path = CRMContext + strings.TrimPrefix(e.Path, BasePath)
		routed = append(routed, e)
	}
	noRoute := s.fx.Settings.ErrorPages.JAXRS(AppRoot, routed)
	r.NotFoundHandler, r.MethodNotAllowedHandler = noRoute, noRoute
	s.router = r
	s.contacts = slices.Clone(s.fx.Contacts)
	return s
}

func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

// Demo implements vendor.Simulator: the user and the access token the
// fixtures mark demo: true.
func (s *Simulator) Demo() (map[string]string, error) {
	demo := map[string]string{}
	if u, ok := s.fx.Users[s.fx.demoUser]; ok {
		demo["user"], demo["password"], demo["organisation"] = s.fx.demoUser, u.Password, u.Organisation
		if u.DefaultUnit != "" {
			demo["unit"] = u.DefaultUnit
		}
	}
	if _, ok := s.fx.WebAPIKeys[s.fx.demoWebAPIKey]; ok {
		demo["apiKey"] = s.fx.demoWebAPIKey
	}
	if t, ok := s.fx.AccessTokens[s.fx.demoAccessToken]; ok {
		if t.PassCode != "" {
			demo["identifier"], demo["passCode"] = s.fx.demoAccessToken, t.PassCode
		}
		if t.AuthenticationCode != "" {
			demo["authenticationCode"] = t.AuthenticationCode
		}
		if _, set := demo["organisation"]; !set {
			demo["organisation"] = s.fx.Users[t.User].Organisation
		}
	}
	return demo, nil
}

// ValidToken implements vendor.TokenOracle.
func (s *Simulator) ValidToken(token string) bool { return s.tokens.Valid(token) }

// Reset implements vendor.Simulator.
func (s *Simulator) Reset() {
	s.tokens.Reset()
	s.mu.Lock()
	s.contacts = slices.Clone(s.fx.Contacts)
	s.mu.Unlock()
}

// UserScenarios implements vendor.Simulator.
func (s *Simulator) UserScenarios() map[string]string {
	return vendor.ScenariosOf(s.fx.Users, func(u User) string { return u.Scenario })
}

// loginRequest is the body of authentication/token.
type loginRequest struct {
	Username              *string          `json:"username"`
	Password              *string          `json:"password"`
	AccessTokenIdentifier *accessTokenBody `json:"access_token_identifier"`
	Organisation          *string          `json:"organisation"`
	Unit                  *string          `json:"unit"`
}

type accessTokenBody struct {
	AuthenticationCode *string `json:"authentication_code"`
	Identifier         *string `json:"identifier"`
	PassCode           *string `json:"pass_code"`
}

// Describe implements vendor.Simulator; the login name is the username, or
// the access token's identifier.
func (s *Simulator) Describe(r *http.Request, body []byte) vendor.Call {
	var c vendor.Call
	path := r.URL.Path
	if rest, ok := strings.CutPrefix(path, CRMContext+"/"); ok {
		path = BasePath + "/" + rest // routed under the documented path
	}
	for _, e := range endpoints {
		if e.Path == path {
			c.Endpoint, c.Path = e.Name, e.Path
		}
	}
	if c.Endpoint == Token {
		var req loginRequest
		if json.Unmarshal(body, &req) == nil {
			switch {
			case req.Username != nil:
				c.User = *req.Username
			case req.AccessTokenIdentifier != nil && req.AccessTokenIdentifier.Identifier != nil:
				c.User = *req.AccessTokenIdentifier.Identifier
			}
		}
	}
	return c
}

// VendorError implements vendor.Simulator: each endpoint's own refusal:
// invalid credentials for the login, an invalid web API key for the key
// login, an invalid token for the rest.
func (s *Simulator) VendorError(w http.ResponseWriter, r *http.Request, endpoint string) {
	switch endpoint {
	case Token:
		s.renamed(fail(CodeInvalidCredentials, "CRMDEMO")).write(w)
	case WebAPIKey:
		s.renamed(fail(CodeInvalidWebAPIKey)).write(w)
	default:
		s.renamed(fail(CodeInvalidToken)).write(w)
	}
}

// okPrefix starts every success answer this simulator writes: the
// envelope compact, status first.
var okPrefix = []byte(`{"status":{"code":"` + CodeOK + `"`)

// isError is the Spec's InBandError: errors come in the envelope, mostly
// with HTTP 200. The envelope is decoded, never matched by its bytes: a
// real tenant (or a proxy) may indent it or write data before status.
// The simulator's own compact answers are known by their first bytes.
func isError(_ string, status int, body []byte) bool {
	if status >= 400 {
		return true
	}
	if bytes.HasPrefix(body, okPrefix) {
		return false
	}
	var env struct {
		Status struct {
			Code string `json:"code"`
		} `json:"status"`
	}
	return json.Unmarshal(body, &env) != nil || env.Status.Code != CodeOK
}

// envelope is every answer's shape.
type envelope struct {
	Status status `json:"status"`
	Data   any    `json:"data"`
}

type status struct {
	Code        string  `json:"code"`
	Message     *string `json:"message"`
	Description *string `json:"description"`
}

type response struct {
	httpStatus int
	body       envelope
	r12        bool // written as R12 writes its success (r12Envelope)
}

// r12Envelope is a success as R12 writes it (the public R12 token answer:
// data before status, the status's code, description, message in that
// order, and "" where v19's page writes null).
type r12Envelope struct {
	Data   any       `json:"data"`
	Status r12Status `json:"status"`
}

type r12Status struct {
	Code        string `json:"code"`
	Description string `json:"description"`
	Message     string `json:"message"`
}

// tokenAnswer is a login's success: R12's shape with tokens:
// jwt-two-hours (R12's tokens), v19's page's otherwise.
func (s *Simulator) tokenAnswer(tok string) response {
	res := ok(map[string]string{"token": tok})
	res.r12 = s.fx.Settings.Tokens == TokensJWTTwoHours
	return res
}

func ok(data any) response {
	return response{httpStatus: http.StatusOK, body: envelope{Status: status{Code: CodeOK}, Data: data}}
}

// fail answers a row of the error table; args fill its description.
func fail(code string, args ...any) response {
	e, found := errorTable[code]
	if !found {
		panic("crmcom: error code missing from the table: " + code)
	}
	desc := e.Description
	if strings.Contains(desc, "%") {
		desc = fmt.Sprintf(desc, args...)
	}
	msg := e.Message
	return response{httpStatus: e.HTTPStatus, body: envelope{Status: status{Code: e.Code, Message: &msg, Description: &desc}}}
}

func (res response) write(w http.ResponseWriter) {
	w.Header().Set("Content-Type", ContentType)
	w.WriteHeader(res.httpStatus)
	if res.r12 {
		_, _ = w.Write(vendor.CompactJSON(r12Envelope{Data: res.body.Data, Status: r12Status{Code: res.body.Status.Code}}))
		return
	}
	_, _ = w.Write(vendor.CompactJSON(res.body))
}

func (s *Simulator) adapt(f func(*http.Request) response) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.renamed(f(r)).write(w) })
}

// renamed gives an error answer the code the fixtures rename it to.
func (s *Simulator) renamed(res response) response {
	if to, ok := s.fx.Settings.ErrorCodes[res.body.Status.Code]; ok {
		res.body.Status.Code = to
	}
	return res
}

// decode reads a JSON object body whatever the Content-Type says.
func decode(r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		return false
	}
	return !dec.More()
}

func (s *Simulator) login(r *http.Request) response {
	var req loginRequest
	if !decode(r, &req) {
		return fail(CodeMalformedRequest)
	}
	byPassword := req.Username != nil || req.Password != nil
	byAccessToken := req.AccessTokenIdentifier != nil
	switch {
	case byPassword && byAccessToken:
		return fail(CodeInvalidLoginMethod, "username/password and access_token_identifier were both given; give one")
	case !byPassword && !byAccessToken:
		return fail(CodeInvalidLoginMethod, "neither username/password nor access_token_identifier was given")
	case byPassword && (req.Username == nil || *req.Username == ""):
		return fail(CodeMandatoryFieldMissing, "username")
	case byPassword && (req.Password == nil || *req.Password == ""):
		return fail(CodeMandatoryFieldMissing, "password")
	case req.Organisation == nil || *req.Organisation == "":
		return fail(CodeMandatoryFieldMissing, "organisation")
	}
	_, known := s.fx.Organisations[*req.Organisation]
	if !known {
		return fail(CodeInvalidOrganisation, *req.Organisation)
	}

	var username string
	if byPassword {
		u, found := s.fx.Users[*req.Username]
		if !found || u.Password != *req.Password || u.Organisation != *req.Organisation {
			return fail(CodeInvalidCredentials, *req.Organisation)
		}
		username = *req.Username
	} else {
		name, res, good := s.checkAccessToken(req.AccessTokenIdentifier, *req.Organisation)
		if !good {
			return res
		}
		username = name
	}

	unit, good := s.unitFor(s.fx.Users[username], req.Unit)
	if !good {
		return fail(CodeInvalidUnit, unit)
	}
	tok := s.mint(r.Context(), username, *req.Organisation, unit)
	return s.tokenAnswer(tok)
}

// webAPIKeyLogin answers authentication/web_api_key/token: the key is the
// HTTP Basic user name with an empty password, or (as public clients
// send it) base64 of the key with no colon at all; the scheme in any case
// and the body read as JSON whatever the Content-Type says (a client's
// "applicatio/json" typo included). An optional {"unit": U} picks the unit.
func (s *Simulator) webAPIKeyLogin(r *http.Request) response {
	var req struct {
		Unit *string `json:"unit"`
	}
	if body, _ := io.ReadAll(r.Body); len(bytes.TrimSpace(body)) > 0 {
		if json.Unmarshal(body, &req) != nil {
			return fail(CodeMalformedRequest)
		}
	}
	key := basicUser(r.Header.Get("Authorization"))
	k, known := s.fx.WebAPIKeys[key]
	if key == "" || !known {
		return fail(CodeInvalidWebAPIKey)
	}
	u := s.fx.Users[k.User]
	unit, good := s.unitFor(u, req.Unit)
	if !good {
		return fail(CodeInvalidUnit, unit)
	}
	return s.tokenAnswer(s.mintFor(r.Context(), k.User, u.Organisation, unit, 2*time.Hour))
}

// unitFor is the unit a login asks for (the user's default when it names
// none), and whether the user belongs to it in its organisation.
func (s *Simulator) unitFor(u User, requested *string) (string, bool) {
	if requested == nil || *requested == "" {
		return u.DefaultUnit, true
	}
	_, inOrg := s.fx.Organisations[u.Organisation].Units[*requested]
	return *requested, inOrg && slices.Contains(u.Units, *requested)
}

// basicUser is the user name of a Basic Authorization value, the scheme
// in any case, with or without the colon and password.
func basicUser(h string) string {
	scheme, value, _ := strings.Cut(strings.TrimSpace(h), " ")
	if !strings.EqualFold(scheme, "Basic") {
		return ""
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(value))
	if err != nil {
		return ""
	}
	user, _, _ := strings.Cut(string(raw), ":")
	return user
}

// checkAccessToken returns the user an access token logs in as.
func (s *Simulator) checkAccessToken(at *accessTokenBody, organisation string) (string, response, bool) {
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	code, id, pass := str(at.AuthenticationCode), str(at.Identifier), str(at.PassCode)
	switch {
	case code == "" && id == "":
		return "", fail(CodeMandatoryFieldMissing, "access_token_identifier.authentication_code or access_token_identifier.identifier"), false
	case id != "" && pass == "":
		return "", fail(CodeMandatoryFieldMissing, "access_token_identifier.pass_code"), false
	}
	for name, t := range s.fx.AccessTokens {
		matched := (id != "" && id == name && t.PassCode != "" && pass == t.PassCode) ||
			(id == "" && code != "" && code == t.AuthenticationCode)
		if matched && s.fx.Users[t.User].Organisation == organisation {
			return t.User, response{}, true
		}
	}
	return "", fail(CodeInvalidAccessToken), false
}

// tokenData is what a token carries besides its user.
type tokenData struct {
	Organisation string
	Unit         string
}

// Mint implements vendor.Minter: a token as the login mints it, in the
// shape the fixture's tokens setting names, for no organisation or unit.
func (s *Simulator) Mint(ctx context.Context, user string) (string, error) {
	return s.mint(ctx, user, "", ""), nil
}

func (s *Simulator) mint(ctx context.Context, user, organisation, unit string) string {
	return s.mintFor(ctx, user, organisation, unit, time.Hour)
}

// mintFor mints a token: hexadecimal living life from issue (or an idle
// hour), or with tokens: jwt-two-hours a JWT living two hours.
func (s *Simulator) mintFor(ctx context.Context, user, organisation, unit string, life time.Duration) string {
	now := s.clock.Now()
	t := tokens.Token{Subject: user, Data: tokenData{organisation, unit}}
	switch s.fx.Settings.Tokens {
	case TokensHourIdle:
		// Across replicas an idle token is honoured an hour from issue,
		// or from its last use anywhere when they share their state
		// (tokens.Store.IdleFor).
		t.Value, t.IdleFor = s.hexToken(ctx, user, now.Add(time.Hour)), time.Hour
	case TokensJWTTwoHours:
		t.ExpiresAt = now.Add(2 * time.Hour)
		// oun is the unit's name, as CRM.COM's Authentication page says
		// (the public token's "1"), not its id.
		t.Value = s.signJWT(r12Claims{Usr: user, Org: organisation, Oun: s.fx.Organisations[organisation].Units[unit],
			Exp: strconv.FormatInt(t.ExpiresAt.Unix(), 10), Iat: strconv.FormatInt(now.Unix(), 10), Jti: randomHex()})
	default:
		t.ExpiresAt = now.Add(life)
		t.Value = s.hexToken(ctx, user, t.ExpiresAt)
	}
	return s.tokens.Add(ctx, t).Value
}

// hexToken is a token as the page shows them: 32 upper-case hex digits.
func (s *Simulator) hexToken(ctx context.Context, user string, expires time.Time) string {
	id := s.tokens.NewID(ctx, user, expires)
	return strings.ToUpper(hex.EncodeToString(id[:]))
}

// randomHex is 32 random upper-case hex digits (a JWT's id).
func randomHex() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))
}

// Logins lists a fixture's users, sorted: a shared token carries an index
// into them.
func Logins(f *Fixtures) []string {
	out := slices.Collect(maps.Keys(f.Users))
	slices.Sort(out)
	return out
}

// TokenID is the id 32 hex digits spell.
func TokenID(value string) ([16]byte, bool) {
	var id [16]byte
	b, err := hex.DecodeString(value)
	if err != nil || len(b) != 16 {
		return id, false
	}
	copy(id[:], b)
	return id, true
}

// checkToken maps the store's verdict to the envelope's errors.
func (s *Simulator) checkToken(value string) (tokens.Token, response, bool) {
	if value == "" {
		return tokens.Token{}, fail(CodeMandatoryFieldMissing, "token"), false
	}
	t, err := s.tokens.Check(value)
	if errors.Is(err, tokens.ErrUnknown) && s.fx.Settings.Tokens == TokensJWTTwoHours {
		// A JWT is honoured by its signature, unless it was ended: in any
		// spelling, or under its login's watermark (tokens.Store).
		if jt, jerr := s.checkJWT(value); !errors.Is(jerr, tokens.ErrUnknown) && !s.tokens.EndedFor(canonicalJWT(value), jt.Subject, jt.ExpiresAt) {
			t, err = jt, jerr
		}
	}
	switch {
	case errors.Is(err, tokens.ErrExpired):
		return t, fail(CodeTokenExpired), false
	case err != nil:
		return t, fail(CodeInvalidToken), false
	}
	return t, response{}, true
}

// r12Claims are the claims of CRM.COM R12's JWT as the one public token
// has them (evidence D14): usr, org, oun, exp and iat as strings, jti, in
// that order.
type r12Claims struct {
	Usr string `json:"usr"`
	Org string `json:"org"`
	Oun string `json:"oun"`
	Exp string `json:"exp"`
	Iat string `json:"iat"`
	Jti string `json:"jti"`
}

// r12Header is the public token's header, typ before alg.
const r12Header = `{"typ":"JWT","alg":"HS256"}`

// signJWT writes an R12 JWT byte for byte: a library's own header and
// numeric dates would not be the vendor's.
func (s *Simulator) signJWT(c r12Claims) string {
	enc := base64.RawURLEncoding.EncodeToString
	signing := enc([]byte(r12Header)) + "." + enc(vendor.CompactJSON(c))
	sig, err := jwt.SigningMethodHS256.Sign(signing, s.jwtSecret)
	if err != nil {
		panic(err) // HS256 with a byte key cannot fail
	}
	return signing + "." + enc(sig)
}

// canonicalJWT is a JWT as its decoded bytes make it: each part decoded
// (as the check decodes it: the unused bits of a last character
// ignored) and encoded again. A JWT's last character can be re-spelt to
// one of up to four that decode alike, and its signature still verifies:
// the ended set knows the token by this identity, not by its spelling.
// A value that is no JWT is returned as it is.
func canonicalJWT(value string) string {
	parts := strings.Split(value, ".")
	if len(parts) != 3 {
		return value
	}
	for i, p := range parts {
		b, err := base64.RawURLEncoding.DecodeString(p)
		if err != nil {
			return value
		}
		parts[i] = base64.RawURLEncoding.EncodeToString(b)
	}
	return strings.Join(parts, ".")
}

// checkJWT honours a JWT this store did not mint (another replica's, when
// they share the secret).
func (s *Simulator) checkJWT(value string) (tokens.Token, error) {
	parts := strings.Split(value, ".")
	if len(parts) != 3 {
		return tokens.Token{}, tokens.ErrUnknown
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || jwt.SigningMethodHS256.Verify(parts[0]+"."+parts[1], sig, s.jwtSecret) != nil {
		return tokens.Token{}, tokens.ErrUnknown
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	var c r12Claims
	if err != nil || json.Unmarshal(payload, &c) != nil {
		return tokens.Token{}, tokens.ErrUnknown
	}
	exp, err := strconv.ParseInt(c.Exp, 10, 64)
	if err != nil {
		return tokens.Token{}, tokens.ErrUnknown
	}
	expires := time.Unix(exp, 0)
	if !s.clock.Now().Before(expires) {
		return tokens.Token{}, tokens.ErrExpired
	}
	return tokens.Token{Value: value, Subject: c.Usr, ExpiresAt: expires}, nil
}

func (s *Simulator) release(r *http.Request) response {
	var req struct {
		Token *string `json:"token"`
	}
	if !decode(r, &req) {
		return fail(CodeMalformedRequest)
	}
	if req.Token == nil {
		return fail(CodeMandatoryFieldMissing, "token")
	}
	t, res, good := s.checkToken(*req.Token)
	if !good {
		return res
	}
	_ = s.tokens.Revoke(*req.Token)
	// A JWT stays ended though its signature is good, in every spelling
	// of it that decodes to the same bytes (issue 31, N3), until it expires.
	s.tokens.ForbidToken(canonicalJWT(*req.Token), t.Subject, t.ExpiresAt)
	return ok(nil)
}

func (s *Simulator) show(r *http.Request) response {
	q := r.URL.Query()
	if _, res, good := s.checkToken(q.Get("token")); !good {
		return res
	}
	ident := q.Get("contact_information_identifier")
	if ident == "" {
		return fail(CodeMandatoryFieldMissing, "contact_information_identifier")
	}
	kind, value, _ := strings.Cut(ident, "=")
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := s.contactByIdentifier(kind, value); i >= 0 {
		return ok(s.contacts[i])
	}
	return fail(CodeNotFound, ident)
}
