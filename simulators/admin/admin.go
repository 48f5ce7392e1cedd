// Package admin is mockauth's admin API and QA dashboard: JSON calls under
// /__admin/ and one page at /, every one a thin handler over a Backend (the
// running stack, or a stub in a test).
package admin

import (
	"bytes"
	"crypto/subtle"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/mockauth/mockauth/contracts"
	"github.com/mockauth/mockauth/simulators/journal"
	"github.com/mockauth/mockauth/simulators/scenario"
	"github.com/mockauth/mockauth/simulators/state"
	"github.com/mockauth/mockauth/simulators/stub"
	"github.com/mockauth/mockauth/simulators/upstream"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// Prefix is where the admin API lives on the admin port.
const Prefix = "/__admin"

// MaxBodyBytes caps an admin call's body.
const MaxBodyBytes = 1 << 20

// VendorInfo describes one running simulator.
type VendorInfo struct {
	Name      string            `json:"name"`
	BaseURL   string            `json:"baseURL"`
	Endpoints []vendor.Endpoint `json:"endpoints"`
	Demo      map[string]string `json:"demo"`
	Upstream  string            `json:"upstream,omitempty"` // proxy mode: the real service's URL
	Fixtures  string            `json:"fixtures"`           // where its fixtures came from: a file, or "embedded"
	Spec      vendor.Spec       `json:"-"`
	Stubs     []*stub.Stub      `json:"-"` // GET /__admin/stubs lists them
}

// Health is GET /__admin/health.
type Health struct {
	Status  string            `json:"status"` // ok, or unavailable
	Vendors map[string]string `json:"vendors"`
	// ContractChecksShed counts checks skipped under overload.
	ContractChecksShed int64 `json:"contractChecksShed"`
	// State is the shared state, when replicas share one (--state): a
	// replica that lost it is not ready (it serves what it last read).
	State *state.Health `json:"state,omitempty"`
}

// Backend is what the admin API drives, in small parts.
type Backend interface {
	Stack
	Journal
	Clock
	Stubs
	Scenarios() Scenarios
}

// Stack is the stack as a whole.
type Stack interface {
	Health() Health
	VendorNames() []string
	// Vendors describes the running simulators, with their demo logins.
	Vendors() ([]VendorInfo, error)
	// Contract is a vendor's contract and the base URL it is served on.
	Contract(vendor string) (*contracts.Validator, string, error)
	// Fidelity is what each behaviour of a vendor's contract rests on;
	// the error names behaviours that say nothing.
	Fidelity(vendor string) ([]contracts.Basis, error)
	// Drift is how the real answers of proxied vendors differ from their
	// contracts (empty without --upstream).
	Drift() upstream.Report
	Reset() error
}

// Journal is the request journal; readers see the contract checks of
// what they sent.
type Journal interface {
	Requests(f journal.Filter, limit int) []journal.Entry
	// RequestsPage is Requests bounded in bytes; more: older ones left out.
	// An error says the journal could not be made the whole stack's
	// (replicas sharing their state, the store lost).
	RequestsPage(f journal.Filter, limit, maxBytes int) ([]journal.Entry, bool, error)
	CountRequests(f journal.Filter) (int, error)
	ClearRequests() (int, error)
}

// Clock is the simulated clock.
type Clock interface {
	Now() time.Time
	Offset() time.Duration
	Advance(d time.Duration) error
}

// Scenarios switches the failure scenarios.
type Scenarios interface {
	File() string
	Statuses() []scenario.Status
	Activate(name string, ttl time.Duration) (scenario.Status, error)
	Deactivate(name string) (scenario.Status, error)
	DeactivateAll() error
}

// Options configure the admin API.
type Options struct {
	// Token, when set, is required as "Authorization: Bearer TOKEN" on
	// every call but health.
	Token  string
	Logger *slog.Logger
	// Hosts are names, beyond loopback ones, that a Host header may carry
	// when there is no token (the in-memory stack's).
	Hosts []string
}

//go:embed dashboard.html
var dashboardHTML []byte

// serveDashboard answers the QA dashboard: one page, no build step, no
// CDN, that uses only the admin API.
func serveDashboard(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// frame-ancestors and X-Frame-Options: no other page may frame the
	// dashboard and click its switches (issue 21, B18).
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(dashboardHTML)
}

// Error is an admin API failure with the status it answers: a handler
// returns one, and the client gets the status and {"error": Message}.
// Err, when set, is what it wraps (errors.Is and As reach it).
type Error struct {
	Status  int
	Message string
	Err     error
}

func (e *Error) Error() string { return e.Message }

func (e *Error) Unwrap() error { return e.Err }

func badRequest(format string, args ...any) error {
	return &Error{Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

// statusOf is the Error an admin call's failure answers: its own, 404
// for a vendor the stack does not run, else 500.
func statusOf(err error) *Error {
	var ae *Error
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.Is(err, vendor.ErrUnknownVendor):
		return &Error{Status: http.StatusNotFound, Message: err.Error(), Err: err}
	}
	return &Error{Status: http.StatusInternalServerError, Message: err.Error(), Err: err}
}

// checkVendor is nil for a vendor the stack runs, else an error wrapping
// vendor.ErrUnknownVendor that names those it runs.
func (a *api) checkVendor(name string) error {
	names := a.b.VendorNames()
	if slices.Contains(names, name) {
		return nil
	}
	return vendor.UnknownVendor(name, names, false)
}

// call handles one admin call: it returns the value to answer as JSON
// (with 200) or an error; answer writes either.
type call func(r *http.Request) (any, error)

func answer(f call) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := f(r)
		status := http.StatusOK
		if err != nil {
			ae := statusOf(err)
			status, v = ae.Status, map[string]string{"error": ae.Message}
		}
		writeJSON(w, status, v)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, `{"error":"cannot encode the answer"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// decodeBody reads a JSON admin request strictly. An empty body leaves v as is.
func decodeBody(r *http.Request, v any) error {
	data, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return badRequest("cannot read the body: %v", err)
	}
	if len(data) > MaxBodyBytes {
		return &Error{Status: http.StatusRequestEntityTooLarge, Message: "body larger than 1 MiB"}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("body is not the expected JSON: %v", err)
	}
	if dec.More() {
		return badRequest("body holds more than one JSON value")
	}
	return nil
}

// api is the admin API over one backend.
type api struct {
	b   Backend
	log *slog.Logger
}

// Route is one admin call, as the reference page lists it.
type Route struct {
	Method, Path, Doc string // Path below Prefix

	h http.Handler
}

// routes are every admin call, in one place: New serves them, Routes
// lists them.
func (a *api) routes() []Route {
	b := a.b
	return []Route{
		{"GET", "/health", "200 when every simulator serves (and, with --state, the store answers), else 503 with the reason: readiness", answer(a.health)},
		{"GET", "/health/live", "200 while the process serves, the shared state reached or not: liveness", answer(a.live)},
		{"GET", "/vendors", "the simulators: base URL, endpoints, demo logins, where their fixtures came from", answer(func(*http.Request) (any, error) { return b.Vendors() })},
		{"GET", "/requests", "the journal, newest first (query vendor, method, path, unmatched=true, limit, after, before)", answer(a.listRequests)},
		{"DELETE", "/requests", "empty the journal", answer(a.clearRequests)},
		{"POST", "/requests/count", `how many entries match a filter ({"vendor":…,"method":…,"path":…})`, answer(a.countRequests)},
		{"GET", "/requests/unmatched", "the requests no documented operation (nor stub) matched, with the closest ones", answer(a.listUnmatched)},
		{"GET", "/contracts", "the vendors' OpenAPI contracts", answer(a.listContracts)},
		{"GET", "/contracts/{vendor}", "one contract (YAML, or JSON with Accept: application/json), servers pointing at the stack", http.HandlerFunc(a.serveContract)},
		{"GET", "/postman", "a Postman collection of every operation against the stack, each request asserting its outcome", answer(a.postman)},
		{"GET", "/evidence", "what each behaviour rests on: evidence or a reading", answer(a.evidence)},
		{"GET", "/drift", "proxy mode: how the real answers differ from the contracts (JSON, or Markdown with Accept: text/markdown)", http.HandlerFunc(a.drift)},
		{"GET", "/clock", "the simulated time and its offset", answer(a.getClock)},
		{"POST", "/clock", `move the clock forward: {"advance":"61m"}`, answer(a.moveClock)},
		{"POST", "/reset", "tokens, journal, clock, rule counters and active scenarios back to their start", answer(a.reset)},
		{"GET", "/scenarios", "every scenario, active or not", answer(a.listScenarios)},
		{"DELETE", "/scenarios", "every scenario off", answer(a.deactivateAll)},
		{"PUT", "/scenarios/{name}", "switch a scenario on for every request (query ttl=5m: off after that)", answer(a.activate)},
		{"DELETE", "/scenarios/{name}", "switch a scenario off", answer(a.deactivate)},
		{"GET", "/stubs", "every vendor's stubs", answer(a.listStubs)},
		{"GET", "/stubs/{vendor}", "one vendor's stubs", answer(a.listStubs)},
		{"GET", "/stubs/{vendor}/{name}", "one stub", answer(a.getStub)},
		{"PUT", "/stubs/{vendor}/{name}", "add or replace a run-time stub (YAML or JSON); it answers on the next request", answer(a.putStub)},
		{"DELETE", "/stubs/{vendor}/{name}", "remove a run-time stub", answer(a.deleteStub)},
	}
}

// Routes lists the admin calls (the reference page's table).
func Routes() []Route { return (&api{}).routes() }

// New returns the admin API and dashboard over b: every route in one place.
func New(b Backend, opts Options) http.Handler {
	a := &api{b: b, log: opts.Logger}
	if a.log == nil {
		a.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	r := mux.NewRouter()
	for _, rt := range a.routes() {
		r.Handle(Prefix+rt.Path, rt.h).Methods(rt.Method)
	}
	r.Handle("/", http.HandlerFunc(serveDashboard)).Methods(http.MethodGet)
	r.NotFoundHandler = answer(func(r *http.Request) (any, error) {
		return nil, &Error{Status: http.StatusNotFound, Message: fmt.Sprintf("no admin call %s %s; see GET %s/vendors and the README", r.Method, r.URL.Path, Prefix)}
	})
	r.MethodNotAllowedHandler = answer(func(r *http.Request) (any, error) {
		return nil, &Error{Status: http.StatusMethodNotAllowed, Message: fmt.Sprintf("%s is not allowed on %s", r.Method, r.URL.Path)}
	})
	var h http.Handler = r
	if opts.Token != "" {
		h = requireToken(opts.Token, r)
	}
	return http.MaxBytesHandler(sameOrigin(opts, h), MaxBodyBytes+1)
}

// sameOrigin refuses what a web page of another origin could make a
// browser send to the admin API (issue 21, B7): a cross-site request
// (Origin, Sec-Fetch-Site), a POST a form or a no-cors fetch can send (any
// Content-Type but application/json; PUT and DELETE are preflighted, and
// the API answers no preflight), and, without a token, a Host that is not
// this machine's (DNS rebinding: a name of the attacker's that resolves to
// 127.0.0.1).
func sameOrigin(opts Options, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, Prefix+"/") {
			next.ServeHTTP(w, r) // the dashboard page: it carries no data
			return
		}
		refuse := func(status int, format string, args ...any) {
			writeJSON(w, status, map[string]string{"error": "mockauth admin: " + fmt.Sprintf(format, args...)})
		}
		if opts.Token == "" && !LocalHost(r.Host, opts.Hosts) {
			refuse(http.StatusForbidden, "Host %q is not this machine: the admin API without a token answers loopback names only (--admin-token for others)", clipped(r.Host))
			return
		}
		switch r.Header.Get("Sec-Fetch-Site") {
		case "", "same-origin", "none":
		default:
			refuse(http.StatusForbidden, "a request from another site (Sec-Fetch-Site: %s) is refused", clipped(r.Header.Get("Sec-Fetch-Site")))
			return
		}
		if o := r.Header.Get("Origin"); o != "" && !sameHost(o, r.Host) {
			refuse(http.StatusForbidden, "a request from another origin (%s) is refused", clipped(o))
			return
		}
		if r.Method == http.MethodPost {
			if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
				refuse(http.StatusUnsupportedMediaType, "POST takes Content-Type: application/json (not %q), so that no web page can send it", clipped(r.Header.Get("Content-Type")))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// localHost reports whether a Host header names this machine: localhost,
// a loopback address, or one of also.
// LocalHost reports whether a Host header names this machine: localhost,
// a loopback address, or one of also.
func LocalHost(hostport string, also []string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") || slices.Contains(also, host) {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// sameHost reports whether an Origin names the host (and port) asked.
func sameHost(origin, host string) bool {
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, host)
}

// clipped bounds a request's value quoted in an answer.
func clipped(s string) string {
	if len(s) > 128 {
		return s[:128] + "…"
	}
	return s
}

// requireToken guards the admin API with a bearer token. The dashboard
// page itself carries no data and is served to anyone; it asks for the
// token and sends it with every call.
func requireToken(token string, next http.Handler) http.Handler {
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Health says nothing secret: probes and HEALTHCHECKs need no token.
		if strings.HasPrefix(r.URL.Path, Prefix+"/") && r.URL.Path != Prefix+"/health" && r.URL.Path != Prefix+"/health/live" &&
			subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="mockauth admin"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "the admin API needs Authorization: Bearer <admin token>"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (a *api) health(*http.Request) (any, error) {
	h := a.b.Health()
	if h.Status != "ok" {
		return nil, &Error{Status: http.StatusServiceUnavailable, Message: fmt.Sprintf("not every simulator is serving: %v", h.Vendors)}
	}
	if h.State != nil && !h.State.Connected {
		return nil, &Error{Status: http.StatusServiceUnavailable, Message: fmt.Sprintf("shared state %s lost %s ago (%s): serving the state last read, version %d; changes are refused",
			h.State.URL, time.Since(*h.State.Since).Round(time.Second), h.State.Error, h.State.Version)}
	}
	return h, nil
}

// live is the liveness probe: the process answers. A replica that lost
// its shared state is alive (restarting it would not bring the store
// back), only not ready.
func (a *api) live(*http.Request) (any, error) {
	h := a.b.Health()
	return map[string]any{"status": "alive", "state": h.State}, nil
}

type requestsAnswer struct {
	Requests []journal.Entry `json:"requests"`
	// More: older matching entries were left out to keep the answer under
	// MaxAnswerBytes; ask again with before=<the last id given>.
	More bool `json:"more,omitempty"`
}

// MaxAnswerBytes bounds a journal read: a reader pages through more.
const MaxAnswerBytes = 4 << 20

func (a *api) listUnmatched(r *http.Request) (any, error) {
	r.URL.RawQuery += "&unmatched=true"
	return a.listRequests(r)
}

func (a *api) listRequests(r *http.Request) (any, error) {
	q := r.URL.Query()
	limit := 0
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 {
			return nil, badRequest("limit must be a whole number of 0 or more, not %q", l)
		}
		limit = n
	}
	f := journal.Filter{Vendor: q.Get("vendor"), Method: q.Get("method"), Path: q.Get("path"), Unmatched: q.Get("unmatched") == "true"}
	if f.Vendor != "" {
		if err := a.checkVendor(f.Vendor); err != nil {
			return nil, &Error{Status: http.StatusBadRequest, Message: err.Error(), Err: err} // a filter's value
		}
	}
	for name, dst := range map[string]*uint64{"after": &f.After, "before": &f.Before} {
		if v := q.Get(name); v != "" {
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return nil, badRequest("%s must be a request id, not %q", name, clipped(v))
			}
			*dst = n
		}
	}
	entries, more, err := a.b.RequestsPage(f, limit, MaxAnswerBytes)
	if err != nil {
		return nil, err
	}
	return requestsAnswer{Requests: entries, More: more}, nil
}

func (a *api) clearRequests(*http.Request) (any, error) {
	n, err := a.b.ClearRequests()
	if err != nil {
		return nil, err
	}
	return map[string]int{"cleared": n}, nil
}

func (a *api) countRequests(r *http.Request) (any, error) {
	var f journal.Filter
	if err := decodeBody(r, &f); err != nil {
		return nil, err
	}
	n, err := a.b.CountRequests(f)
	if err != nil {
		return nil, err
	}
	return map[string]int{"count": n}, nil
}

type clockAnswer struct {
	Now    time.Time `json:"now"`
	Offset string    `json:"offset"`
}

func (a *api) getClock(*http.Request) (any, error) {
	return clockAnswer{Now: a.b.Now(), Offset: a.b.Offset().String()}, nil
}

func (a *api) moveClock(r *http.Request) (any, error) {
	var req struct {
		Advance string `json:"advance"`
	}
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	d, err := time.ParseDuration(req.Advance)
	if err != nil {
		return nil, badRequest(`advance must be a Go duration such as "61m" or "2h", not %q`, req.Advance)
	}
	if err := a.b.Advance(d); err != nil {
		var ae *Error
		if errors.As(err, &ae) {
			return nil, err
		}
		return nil, badRequest("%v", err)
	}
	a.log.Info("clock advanced", slog.String("by", d.String()), slog.String("offset", a.b.Offset().String()))
	return a.getClock(r)
}

func (a *api) reset(*http.Request) (any, error) {
	if err := a.b.Reset(); err != nil {
		return nil, err
	}
	a.log.Info("reset")
	return map[string]bool{"reset": true}, nil
}

// scenariosAnswer is GET /__admin/scenarios.
type scenariosAnswer struct {
	File      string            `json:"file"`
	Scenarios []scenario.Status `json:"scenarios"`
}

func (a *api) listScenarios(*http.Request) (any, error) {
	sc := a.b.Scenarios()
	return scenariosAnswer{File: sc.File(), Scenarios: sc.Statuses()}, nil
}

// scenarioError maps the engine's errors to admin answers.
func scenarioError(err error) error {
	var unknown *scenario.UnknownScenarioError
	if errors.As(err, &unknown) {
		return &Error{Status: http.StatusNotFound, Message: err.Error()}
	}
	return err
}

func (a *api) activate(r *http.Request) (any, error) {
	var ttl time.Duration
	if v := r.URL.Query().Get("ttl"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, badRequest(`ttl must be a positive Go duration such as "5m", not %q`, v)
		}
		ttl = d
	}
	name := mux.Vars(r)["name"]
	st, err := a.b.Scenarios().Activate(name, ttl)
	if err != nil {
		return nil, scenarioError(err)
	}
	a.log.Info("scenario activated", slog.String("scenario", name), slog.Duration("ttl", ttl))
	return st, nil
}

func (a *api) deactivate(r *http.Request) (any, error) {
	name := mux.Vars(r)["name"]
	st, err := a.b.Scenarios().Deactivate(name)
	if err != nil {
		return nil, scenarioError(err)
	}
	a.log.Info("scenario deactivated", slog.String("scenario", name))
	return st, nil
}

func (a *api) deactivateAll(*http.Request) (any, error) {
	if err := a.b.Scenarios().DeactivateAll(); err != nil {
		return nil, err
	}
	a.log.Info("every scenario deactivated")
	return map[string][]string{"active": {}}, nil
}

func (a *api) postman(*http.Request) (any, error) {
	vendors, err := a.b.Vendors()
	if err != nil {
		return nil, err
	}
	return Postman(vendors), nil
}

// contractInfo lists one vendor's contract.
type contractInfo struct {
	Vendor     string   `json:"vendor"`
	Title      string   `json:"title"`
	Version    string   `json:"version"`
	URL        string   `json:"url"`
	Server     string   `json:"server"`
	Operations []string `json:"operations"`
}

func (a *api) listContracts(*http.Request) (any, error) {
	out := []contractInfo{}
	for _, name := range a.b.VendorNames() {
		v, server, err := a.b.Contract(name)
		if err != nil {
			return nil, err
		}
		doc := v.Doc()
		info := contractInfo{Vendor: name, Title: doc.Info.Title, Version: doc.Info.Version,
			URL: Prefix + "/contracts/" + name, Server: server}
		for _, path := range doc.Paths.InMatchingOrder() {
			for m, op := range doc.Paths.Value(path).Operations() {
				info.Operations = append(info.Operations, m+" "+path+" ("+op.OperationID+")")
			}
		}
		slices.Sort(info.Operations)
		out = append(out, info)
	}
	return out, nil
}

// evidenceList is GET /__admin/evidence: the fidelity table of every
// vendor (or of ?vendor=V), and any behaviour whose contract says nothing
// of its source.
type evidenceList struct {
	Behaviours []contracts.Basis `json:"behaviours"`
	Unsourced  []string          `json:"unsourced,omitempty"`
}

// drift answers the drift report: JSON, or Markdown to paste into an issue
// (?format=markdown, or Accept: text/markdown).
func (a *api) drift(w http.ResponseWriter, r *http.Request) {
	rep := a.b.Drift()
	if r.URL.Query().Get("format") == "markdown" || strings.Contains(r.Header.Get("Accept"), "text/markdown") {
		w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
		_, _ = io.WriteString(w, rep.Markdown())
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

func (a *api) evidence(r *http.Request) (any, error) {
	names := a.b.VendorNames()
	if v := r.URL.Query().Get("vendor"); v != "" {
		if err := a.checkVendor(v); err != nil {
			return nil, err
		}
		names = []string{v}
	}
	out := evidenceList{Behaviours: []contracts.Basis{}}
	for _, name := range names {
		rows, err := a.b.Fidelity(name)
		out.Behaviours = append(out.Behaviours, rows...)
		if err != nil {
			out.Unsourced = append(out.Unsourced, strings.Split(err.Error(), "\n")...)
		}
	}
	return out, nil
}

// serveContract answers a vendor's contract with its servers pointing at
// the running simulator: YAML, or JSON when the client asks for it.
func (a *api) serveContract(w http.ResponseWriter, r *http.Request) {
	name := mux.Vars(r)["vendor"]
	if err := a.checkVendor(name); err != nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": err.Error()})
		return
	}
	v, server, err := a.b.Contract(name)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	data, err := v.ForServer(server)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(data)
		return
	}
	out, err := contracts.JSONToYAML(data)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	w.Header().Set("Content-Type", "application/yaml")
	_, _ = w.Write(out)
}
