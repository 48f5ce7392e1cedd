package simulators

import (
	"bytes"
	"crypto/subtle"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/mockauth/mockauth/contracts"
	"github.com/mockauth/mockauth/simulators/journal"
	"github.com/mockauth/mockauth/simulators/scenario"
)

//go:embed dashboard.html
var dashboardHTML []byte

// serveDashboard answers the QA dashboard: one page, no build step, no
// CDN, that uses only the admin API.
func serveDashboard(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(dashboardHTML)
}

// AdminPrefix is where the admin API lives on the admin port.
const AdminPrefix = "/__admin"

// apiError is an admin API failure with the status it answers.
type apiError struct {
	Status int
	Msg    string
}

func (e *apiError) Error() string { return e.Msg }

func badRequest(format string, args ...any) error {
	return &apiError{Status: http.StatusBadRequest, Msg: fmt.Sprintf(format, args...)}
}

// adminFunc handles one admin call: it returns the value to answer as JSON
// (with 200) or an error; adminJSON writes either.
type adminFunc func(r *http.Request) (any, error)

func adminJSON(f adminFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := f(r)
		status := http.StatusOK
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) {
				ae = &apiError{Status: http.StatusInternalServerError, Msg: err.Error()}
			}
			status, v = ae.Status, map[string]string{"error": ae.Msg}
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
		return &apiError{Status: http.StatusRequestEntityTooLarge, Msg: "body larger than 1 MiB"}
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

// adminHandler is every route of the admin API, in one place.
func (s *Stack) adminHandler() http.Handler {
	r := mux.NewRouter()
	p := func(path string) string { return AdminPrefix + path }
	r.Handle(p("/health"), adminJSON(s.health)).Methods(http.MethodGet)
	r.Handle(p("/vendors"), adminJSON(s.listVendors)).Methods(http.MethodGet)
	r.Handle(p("/requests"), adminJSON(s.listRequests)).Methods(http.MethodGet)
	r.Handle(p("/requests"), adminJSON(s.clearRequests)).Methods(http.MethodDelete)
	r.Handle(p("/requests/count"), adminJSON(s.countRequests)).Methods(http.MethodPost)
	r.Handle(p("/requests/unmatched"), adminJSON(s.listUnmatched)).Methods(http.MethodGet)
	r.Handle(p("/contracts"), adminJSON(s.listContracts)).Methods(http.MethodGet)
	r.Handle(p("/postman"), adminJSON(s.postman)).Methods(http.MethodGet)
	r.Handle(p("/contracts/{vendor}"), http.HandlerFunc(s.serveContract)).Methods(http.MethodGet)
	r.Handle(p("/clock"), adminJSON(s.getClock)).Methods(http.MethodGet)
	r.Handle(p("/clock"), adminJSON(s.moveClock)).Methods(http.MethodPost)
	r.Handle(p("/reset"), adminJSON(s.reset)).Methods(http.MethodPost)
	r.Handle(p("/scenarios"), adminJSON(s.listScenarios)).Methods(http.MethodGet)
	r.Handle(p("/scenarios"), adminJSON(s.deactivateAll)).Methods(http.MethodDelete)
	r.Handle(p("/scenarios/{name}"), adminJSON(s.activate)).Methods(http.MethodPut)
	r.Handle(p("/scenarios/{name}"), adminJSON(s.deactivate)).Methods(http.MethodDelete)
	r.Handle("/", http.HandlerFunc(serveDashboard)).Methods(http.MethodGet)
	r.NotFoundHandler = adminJSON(func(r *http.Request) (any, error) {
		return nil, &apiError{Status: http.StatusNotFound, Msg: fmt.Sprintf("no admin call %s %s; see GET %s/vendors and the README", r.Method, r.URL.Path, AdminPrefix)}
	})
	r.MethodNotAllowedHandler = adminJSON(func(r *http.Request) (any, error) {
		return nil, &apiError{Status: http.StatusMethodNotAllowed, Msg: fmt.Sprintf("%s is not allowed on %s", r.Method, r.URL.Path)}
	})
	var h http.Handler = r
	if s.opts.AdminToken != "" {
		h = requireToken(s.opts.AdminToken, r)
	}
	return http.MaxBytesHandler(h, MaxBodyBytes+1)
}

// requireToken guards the admin API with a bearer token. The dashboard
// page itself carries no data and is served to anyone; it asks for the
// token and sends it with every call.
func requireToken(token string, next http.Handler) http.Handler {
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Health says nothing secret: probes and HEALTHCHECKs need no token.
		if strings.HasPrefix(r.URL.Path, AdminPrefix+"/") && r.URL.Path != AdminPrefix+"/health" &&
			subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="mockauth admin"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "the admin API needs Authorization: Bearer <admin token>"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

type healthAnswer struct {
	Status  string            `json:"status"`
	Vendors map[string]string `json:"vendors"`
	// ContractChecksShed counts checks skipped under overload.
	ContractChecksShed int64 `json:"contractChecksShed"`
}

func (s *Stack) health(*http.Request) (any, error) {
	h := healthAnswer{Status: "ok", Vendors: map[string]string{}, ContractChecksShed: s.checker.shed.Load()}
	for _, sv := range s.vendors {
		state := "serving"
		if !sv.serving.Load() {
			state, h.Status = "stopped", "unavailable"
		}
		h.Vendors[sv.name] = state
	}
	if h.Status != "ok" {
		return nil, &apiError{Status: http.StatusServiceUnavailable, Msg: fmt.Sprintf("not every simulator is serving: %v", h.Vendors)}
	}
	return h, nil
}

func (s *Stack) listVendors(*http.Request) (any, error) { return s.Vendors() }

type requestsAnswer struct {
	Requests []journal.Entry `json:"requests"`
}

func (s *Stack) listUnmatched(r *http.Request) (any, error) {
	r.URL.RawQuery += "&unmatched=true"
	return s.listRequests(r)
}

func (s *Stack) listRequests(r *http.Request) (any, error) {
	s.Sync() // a reader sees the contract checks of what it sent
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
	if f.Vendor != "" && s.vendor(f.Vendor) == nil {
		return nil, badRequest("no vendor %q in this stack (running: %v)", f.Vendor, s.vendorNames())
	}
	return requestsAnswer{Requests: s.journal.List(f, limit)}, nil
}

func (s *Stack) vendorNames() []string {
	out := make([]string, len(s.vendors))
	for i, sv := range s.vendors {
		out[i] = sv.name
	}
	return out
}

func (s *Stack) clearRequests(*http.Request) (any, error) {
	n := s.journal.Len()
	s.journal.Clear()
	return map[string]int{"cleared": n}, nil
}

func (s *Stack) countRequests(r *http.Request) (any, error) {
	s.Sync()
	var f journal.Filter
	if err := decodeBody(r, &f); err != nil {
		return nil, err
	}
	return map[string]int{"count": s.journal.Count(f)}, nil
}

type clockAnswer struct {
	Now    time.Time `json:"now"`
	Offset string    `json:"offset"`
}

func (s *Stack) getClock(*http.Request) (any, error) {
	return clockAnswer{Now: s.clock.Now(), Offset: s.clock.Offset().String()}, nil
}

func (s *Stack) moveClock(r *http.Request) (any, error) {
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
	if err := s.clock.Advance(d); err != nil {
		return nil, badRequest("%v", err)
	}
	s.log.Info("clock advanced", slog.String("by", d.String()), slog.String("offset", s.clock.Offset().String()))
	return s.getClock(r)
}

func (s *Stack) reset(*http.Request) (any, error) {
	s.Reset()
	s.log.Info("reset")
	return map[string]bool{"reset": true}, nil
}

// scenariosAnswer is GET /__admin/scenarios.
type scenariosAnswer struct {
	File      string            `json:"file"`
	Scenarios []scenario.Status `json:"scenarios"`
}

func (s *Stack) listScenarios(*http.Request) (any, error) {
	return scenariosAnswer{File: s.engine.Catalogue().File, Scenarios: s.engine.Statuses()}, nil
}

// scenarioError maps the engine's errors to admin answers.
func scenarioError(err error) error {
	var unknown *scenario.UnknownScenarioError
	if errors.As(err, &unknown) {
		return &apiError{Status: http.StatusNotFound, Msg: err.Error()}
	}
	return err
}

func (s *Stack) activate(r *http.Request) (any, error) {
	var ttl time.Duration
	if v := r.URL.Query().Get("ttl"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, badRequest(`ttl must be a positive Go duration such as "5m", not %q`, v)
		}
		ttl = d
	}
	name := mux.Vars(r)["name"]
	st, err := s.engine.Activate(name, ttl)
	if err != nil {
		return nil, scenarioError(err)
	}
	s.log.Info("scenario activated", slog.String("scenario", name), slog.Duration("ttl", ttl))
	return st, nil
}

func (s *Stack) deactivate(r *http.Request) (any, error) {
	name := mux.Vars(r)["name"]
	st, err := s.engine.Deactivate(name)
	if err != nil {
		return nil, scenarioError(err)
	}
	s.log.Info("scenario deactivated", slog.String("scenario", name))
	return st, nil
}

func (s *Stack) deactivateAll(*http.Request) (any, error) {
	s.engine.DeactivateAll()
	s.log.Info("every scenario deactivated")
	return map[string][]string{"active": {}}, nil
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

func (s *Stack) listContracts(*http.Request) (any, error) {
	out := []contractInfo{}
	for _, sv := range s.vendors {
		v, err := validatorFor(sv.spec)
		if err != nil {
			return nil, err
		}
		doc := v.Doc()
		info := contractInfo{Vendor: sv.name, Title: doc.Info.Title, Version: doc.Info.Version,
			URL: AdminPrefix + "/contracts/" + sv.name, Server: sv.url}
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

// serveContract answers a vendor's contract with its servers pointing at
// the running simulator: YAML, or JSON when the client asks for it.
func (s *Stack) serveContract(w http.ResponseWriter, r *http.Request) {
	name := mux.Vars(r)["vendor"]
	sv := s.vendor(name)
	if sv == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": fmt.Sprintf("no vendor %q in this stack (running: %v)", name, s.vendorNames())})
		return
	}
	v, err := validatorFor(sv.spec)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	data, err := v.ForServer(sv.url)
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
