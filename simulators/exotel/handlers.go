package exotel

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"github.com/mockauth/mockauth/simulators/tokens"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// Error messages, exact.
const (
	MsgNoBearer      = "Full authentication is required: send Authorization: Bearer <admin token>"
	MsgBadBearer     = "Invalid bearer token: not an RS512 token signed by this contact center"
	MsgExpiredBearer = "The bearer token has expired: log in again to get a new one"
	MsgNotAdmin      = "Only an Administrator may register credentials"
	MsgNotYourCenter = "The bearer's admin does not administer contact center %s"
	// The framework's own texts, as Spring 5 (Boot 2.3+) writes them with
	// server.error.include-message: always (Spring 6 adds "is" before
	// "not supported"): DefaultHandlerExceptionResolver sends the
	// exception's message.
	MsgMethodNotSupported = "Request method '%s' not supported"
	MsgContentType        = "Content type '%s' not supported"
	MsgNotJSON            = "JSON parse error: %s"
	MsgMissingField       = "%s is required"
	MsgBadContext         = "context must be ContactCenter"
	MsgUnknownCenter      = "contextId %s is not a contact center"
	MsgUnknownRole        = "userRole %s is not a role (roles: %v)"
	MsgBadExpiry          = "dateExpiry must be an ISO 8601 date-time such as 2030-05-19T12:20:57.310Z"
	MsgPastExpiry         = "dateExpiry is in the past"
	MsgDuplicate          = "username %s is already registered"
	MsgTooLong            = "%s is longer than %d characters"
	MsgBadCredentials     = "Bad credentials"
	MsgBadAdminLogin      = "Invalid username or password"
)

// errorBody is Spring Boot's error JSON as BasicErrorController writes it:
// timestamp (Jackson's +00:00 form, on the simulated clock), status,
// error, message (with server.error.include-message: always; absent with
// Boot 2.5's default, fixture errorMessage: never) and path; no other
// member.
type errorBody struct {
	Timestamp string  `json:"timestamp"`
	Status    int     `json:"status"`
	Error     string  `json:"error"`
	Message   *string `json:"message,omitempty"`
	Path      string  `json:"path"`
}

// bootTimestamp is how Jackson writes Boot's error timestamp.
const bootTimestamp = "2006-01-02T15:04:05.000-07:00"

// fail is the error answer of a request.
func (s *Simulator) fail(r *http.Request, status int, msg string) response {
	body := errorBody{
		Timestamp: s.clock.Now().UTC().Format(bootTimestamp),
		Status:    status, Error: http.StatusText(status), Path: r.URL.EscapedPath(),
	}
	if s.fx.Settings.ErrorMessage == ErrorMessageAlways {
		body.Message = &msg
	}
	return jsonAnswer(status, body)
}

// allowed lists the methods the router takes on the request's path.
func (s *Simulator) allowed(r *http.Request) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		var match mux.RouteMatch
		if s.router.Match(probe, &match) && match.MatchErr == nil {
			out = append(out, m)
		}
	}
	return vendor.AlsoAllowed(r.Context(), out) // a stub's path is the application's too
}

// noRoute answers a path no endpoint has (404) or a method a path does
// not take (405, with Allow as Spring's DefaultHandlerExceptionResolver
// writes it), in Spring Boot's error shape.
//
// OPTIONS on a path the application maps is Spring MVC's own answer
// (dispatchOptionsRequest, on since Spring 4.3): 200 with Allow listing
// the path's methods, HEAD where GET is one, and OPTIONS; a CORS
// preflight (Origin and Access-Control-Request-Method) without a CORS
// configuration is refused 403 "Invalid CORS request" by Spring's
// DefaultCorsProcessor.
func (s *Simulator) noRoute(r *http.Request) response {
	status := http.StatusNotFound
	allow := s.allowed(r)
	if r.Method == http.MethodOptions && len(allow) > 0 {
		if r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != "" {
			return response{status: http.StatusForbidden, text: "Invalid CORS request"}
		}
		all := slices.Clone(allow)
		if slices.Contains(all, http.MethodGet) {
			all = append(all, http.MethodHead)
		}
		return response{status: http.StatusOK}.with("Allow", strings.Join(append(all, http.MethodOptions), ","))
	}
	if len(allow) > 0 {
		status = http.StatusMethodNotAllowed
	}
	if len(allow) > 0 {
		// DefaultHandlerExceptionResolver: sendError(405, ex.getMessage()),
		// Spring 5's HttpRequestMethodNotSupportedException text.
		return s.fail(r, status, fmt.Sprintf(MsgMethodNotSupported, r.Method)).with("Allow", strings.Join(allow, ", "))
	}
	// Boot's own message for an error nobody described.
	return s.fail(r, status, "No message available")
}

// jsonBody refuses a body that is not JSON as Spring does before the
// controller runs: 415 with the request's type in the message (Spring
// reads no Content-Type as application/octet-stream) and Accept naming
// the type the handler consumes.
func (s *Simulator) jsonBody(r *http.Request) (response, bool) {
	ct := r.Header.Get("Content-Type")
	if mt, _, _ := mime.ParseMediaType(ct); mt == "application/json" {
		return response{}, true
	}
	if strings.TrimSpace(ct) == "" {
		ct = "application/octet-stream"
	}
	return s.fail(r, http.StatusUnsupportedMediaType, fmt.Sprintf(MsgContentType, ct)).with("Accept", "application/json"), false
}

// notReadable is the detail of a body Jackson cannot read (a reading:
// Jackson's own wording, with its line and column, is not reproduced).
func notReadable(err error) string {
	switch {
	case err == nil:
		return "Unexpected content after the JSON object"
	case errors.Is(err, io.EOF):
		return "No content to map due to end-of-input"
	}
	return "Cannot deserialize the request body: " + err.Error()
}

// response is what a handler decides; adapt writes it.
type response struct {
	status int
	header map[string]string // beyond Content-Type
	json   any               // a JSON body, or
	page   *loginView        // the login page, or
	text   string            // a plain text body (Spring's CORS refusal), or none (json nil)
}

func jsonAnswer(status int, v any) response { return response{status: status, json: v} }

// with adds a header to the answer.
func (res response) with(name, value string) response {
	res.header = map[string]string{name: value}
	return res
}

func (res response) write(w http.ResponseWriter) {
	for k, v := range res.header {
		w.Header().Set(k, v)
	}
	if res.page != nil {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(res.status)
		_ = loginTemplate.Execute(w, res.page)
		return
	}
	if res.json == nil {
		w.Header()["Content-Type"] = nil // none, as Spring writes them (and not sniffed)
		w.WriteHeader(res.status)        // Spring's OPTIONS: Allow and no body
		_, _ = io.WriteString(w, res.text)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(res.status)
	_, _ = w.Write(vendor.CompactJSON(res.json))
}

// adapt makes a handler of a function that decides the answer.
func adapt(f func(*http.Request) response) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { f(r).write(w) })
}

// maxField bounds every field of a registration (a reading: Spring's
// validation answers 400 to what no contact center would take), so a
// client cannot make the store hold its bodies.
const maxField = 256

// boundLocked keeps the run-time registrations within their bounds: an
// admin past its own forgets its oldest; past the simulator's, the admin
// who registered the most does. Never a fixture's credential, and never
// one another admin registered since.
func (s *Simulator) boundLocked(admin string) {
	for len(s.registered[admin]) > s.fx.Settings.MaxRegistrationsPerAdmin {
		s.forgetOldestLocked(admin)
	}
	for s.regTotal > s.fx.Settings.MaxRegistrations {
		heaviest := ""
		for a, names := range s.registered { // admins are the fixtures': few
			if len(names) > len(s.registered[heaviest]) || heaviest == "" {
				heaviest = a
			}
		}
		s.forgetOldestLocked(heaviest)
	}
}

// forgetOldestLocked forgets an admin's oldest registration.
func (s *Simulator) forgetOldestLocked(admin string) {
	names := s.registered[admin]
	if len(names) == 0 {
		return
	}
	name := names[0]
	if len(names) == 1 {
		delete(s.registered, admin)
	} else {
		s.registered[admin] = names[1:]
	}
	s.regTotal--
	s.forgotten = append(s.forgotten, name)
	k := adminName{admin, name}
	if s.regCount[k]--; s.regCount[k] > 0 {
		return // registered again since: the later one counts
	}
	delete(s.regCount, k)
	if c, ok := s.credentials[name]; ok && c.CreatedBy == admin {
		delete(s.credentials, name)
	}
}

// registerRequest is the body of basicauth, as the page shows it.
type registerRequest struct {
	Username   *string `json:"username"`
	Password   *string `json:"password"`
	Context    *string `json:"context"`
	ContextID  *string `json:"contextId"`
	DateExpiry *string `json:"dateExpiry"`
	UserRole   *string `json:"userRole"`
}

// Registered is the answer to a registration: never the password.
type Registered struct {
	Username   string `json:"username"`
	Context    string `json:"context"`
	ContextID  string `json:"contextId"`
	UserRole   string `json:"userRole"`
	DateExpiry string `json:"dateExpiry"`
	CreatedBy  string `json:"createdBy,omitempty"`
	CreatedAt  string `json:"createdAt,omitempty"`
}

const isoMillis = "2006-01-02T15:04:05.000Z07:00"

func (s *Simulator) basicAuth(r *http.Request) response {
	claims, msg := s.checkBearer(r)
	if claims == nil {
		return s.fail(r, http.StatusUnauthorized, msg)
	}
	if claims.Role != RoleAdministrator {
		return s.fail(r, http.StatusForbidden, MsgNotAdmin)
	}
	if res, ok := s.jsonBody(r); !ok {
		return res
	}
	var req registerRequest
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(&req); err != nil || dec.More() {
		return s.fail(r, http.StatusBadRequest, fmt.Sprintf(MsgNotJSON, notReadable(err)))
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"username", req.Username}, {"password", req.Password}, {"context", req.Context}, {"contextId", req.ContextID}, {"userRole", req.UserRole}} {
		if f.v == nil || *f.v == "" {
			return s.fail(r, http.StatusBadRequest, fmt.Sprintf(MsgMissingField, f.name))
		}
		if len(*f.v) > maxField {
			return s.fail(r, http.StatusBadRequest, fmt.Sprintf(MsgTooLong, f.name, maxField))
		}
	}
	if *req.Context != ContextContactCenter {
		return s.fail(r, http.StatusBadRequest, MsgBadContext)
	}
	if _, ok := s.fx.ContactCenters[*req.ContextID]; !ok {
		return s.fail(r, http.StatusBadRequest, fmt.Sprintf(MsgUnknownCenter, *req.ContextID))
	}
	if !slices.Contains(s.fx.Roles, *req.UserRole) {
		return s.fail(r, http.StatusBadRequest, fmt.Sprintf(MsgUnknownRole, *req.UserRole, s.fx.Roles))
	}
	now := s.clock.Now()
	expiry := now.Add(s.fx.Settings.DefaultCredentialLifetime)
	if req.DateExpiry != nil {
		t, err := time.Parse(time.RFC3339Nano, *req.DateExpiry)
		if err != nil {
			return s.fail(r, http.StatusBadRequest, MsgBadExpiry)
		}
		if !t.After(now) {
			return s.fail(r, http.StatusBadRequest, MsgPastExpiry)
		}
		expiry = t
	}
	if !slices.Contains(claims.ContactCenters, *req.ContextID) {
		return s.fail(r, http.StatusForbidden, fmt.Sprintf(MsgNotYourCenter, *req.ContextID))
	}
	c := credential{
		Username: *req.Username, password: sha256.Sum256([]byte(*req.Password)), Context: *req.Context, ContextID: *req.ContextID,
		UserRole: *req.UserRole, Expiry: expiry, CreatedBy: claims.Subject, CreatedAt: now,
	}
	upsert := s.fx.Settings.Registration == RegistrationUpsert
	dup, err := s.register(c, upsert)
	if err != nil {
		return s.fail(r, http.StatusServiceUnavailable, "mockauth: "+err.Error())
	}
	status := http.StatusCreated
	switch {
	case dup && !upsert:
		return s.fail(r, http.StatusConflict, fmt.Sprintf(MsgDuplicate, c.Username))
	case dup:
		status = http.StatusOK // replaced
	}
	return jsonAnswer(status, Registered{
		Username: c.Username, Context: c.Context, ContextID: c.ContextID, UserRole: c.UserRole,
		DateExpiry: c.Expiry.UTC().Format(isoMillis), CreatedBy: c.CreatedBy, CreatedAt: c.CreatedAt.UTC().Format(isoMillis),
	})
}

var loginTemplate = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Contact Center admin login (mockauth)</title></head>
<body>
<main>
<h1>Contact Center admin login</h1>
{{if .Error}}<p role="alert">{{.Error}}</p>{{end}}
{{if .Token}}
<p>Logged in as <strong>{{.User}}</strong>. Your temporary Authorization token:</p>
<textarea id="token" readonly rows="8" cols="80" aria-label="bearer token">{{.Token}}</textarea>
<p>Send it as <code>Authorization: Bearer &lt;token&gt;</code> to <code>POST /configuration/basicauth</code>.</p>
{{else}}
<form method="post" action="/login">
<label>Username <input name="username" autocomplete="username" required value="{{.User}}"></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Log in</button>
</form>
{{end}}
</main>
</body>
</html>
`))

// loginView is what the login page shows.
type loginView struct{ User, Error, Token string }

func loginPage(status int, user, errMsg, token string) response {
	return response{status: status, page: &loginView{user, errMsg, token}}
}

// login checks an admin's form and shows the token: as HTML for a browser,
// as {"token": ...} for a client that asks for JSON.
func (s *Simulator) login(r *http.Request) response {
	_ = r.ParseForm()
	user, password := r.PostForm.Get("username"), r.PostForm.Get("password")
	a, ok := s.fx.Admins[user]
	wantsJSON := r.Header.Get("Accept") == "application/json"
	if !ok || a.Password != password {
		if wantsJSON {
			return s.fail(r, http.StatusUnauthorized, MsgBadAdminLogin)
		}
		return loginPage(http.StatusUnauthorized, user, MsgBadAdminLogin, "")
	}
	tok, err := s.AdminToken(user)
	if err != nil {
		return s.fail(r, http.StatusInternalServerError, err.Error())
	}
	tokens.Note(r.Context(), tok) // kept out of the journal; the login counts as one
	if wantsJSON {
		return jsonAnswer(http.StatusOK, map[string]string{"token": tok})
	}
	return loginPage(http.StatusOK, user, "", tok)
}

func parseQuery(body []byte) (url.Values, error) { return url.ParseQuery(string(body)) }
