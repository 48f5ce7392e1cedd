// Package contracts holds the OpenAPI 3 document of every vendor, embedded,
// and checks requests and answers against them with kin-openapi.
//
// The documents describe the vendors as they behave, quirks included: a
// text/plain 200 whose body is "0" is part of uContact's contract. To check
// JSON that a vendor sends as text/plain (uContact's SIP peer), the package
// registers a text/plain body decoder, process-wide, that parses a body
// starting with { or [ as JSON and keeps any other text as a string.
package contracts

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

//go:embed *.yaml
var files embed.FS

func init() {
	openapi3filter.RegisterBodyDecoder("text/plain", textBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
}

// textBodyDecoder reads JSON sent as text as JSON, and other text as text.
func textBodyDecoder(body io.Reader, h http.Header, schema *openapi3.SchemaRef, enc openapi3filter.EncodingFn) (any, error) {
	data, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	if t := bytes.TrimSpace(data); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		return openapi3filter.JSONBodyDecoder(bytes.NewReader(data), h, schema, enc)
	}
	return string(data), nil
}

// Raw returns the YAML document of a vendor.
func Raw(vendor string) ([]byte, error) {
	data, err := files.ReadFile(vendor + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("contracts: no contract for vendor %q", vendor)
	}
	return data, nil
}

// Default returns the embedded document of a vendor and the name to
// report it under.
func Default(vendor string) (name string, data []byte, err error) {
	data, err = Raw(vendor)
	return "contracts/" + vendor + ".yaml", data, err
}

// Load parses and validates the embedded document of a vendor.
func Load(vendor string) (*openapi3.T, error) {
	name, data, err := Default(vendor)
	if err != nil {
		return nil, err
	}
	return Parse(name, data)
}

// Parse parses and validates a contract; its errors name the file.
func Parse(name string, data []byte) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return doc, nil
}

// Validator checks requests and answers against one vendor's contract.
type Validator struct {
	id     uint64 // unique in the process
	vendor string
	name   string // the contract's file name, for errors
	routes []Route
	opts   *openapi3filter.Options

	loadOnce sync.Once // Load; doc, router and loadErr are set once it ran
	doc      *openapi3.T
	router   routers.Router
	loadErr  error

	// The documented member orders (order.go), read from the document's
	// text when first needed: only a real service's answers are held to
	// them, and reading them costs start-up 2–5 ms a contract.
	data       []byte
	ordersOnce sync.Once
	orders     map[*openapi3.Schema][]string

	matchMu sync.RWMutex // guards matched
	matched map[routeKey]bool
}

// NewValidator loads a vendor's embedded contract and prepares its router
// once.
func NewValidator(vendor string) (*Validator, error) {
	name, data, err := Default(vendor)
	if err != nil {
		return nil, err
	}
	return NewValidatorFrom(vendor, name, data)
}

// NewValidatorFrom is NewValidator for a contract given as a file's name
// and content.
func NewValidatorFrom(vendor, name string, data []byte) (*Validator, error) {
	v := newValidator(vendor, name, data, nil)
	if err := v.Load(); err != nil {
		return nil, err
	}
	return v, nil
}

// NewEmbeddedValidator is NewValidator for an embedded contract, loaded
// when first needed (Load, or a check): loading the four contracts is
// most of what a start would take, and a request is routed without them
// by the contract's operations, indexed at build time (routes_gen.go).
// The index and the document are the same file's, which the contracts'
// tests load and hold to each other: a tested build does not fail to
// load one, and if one did, each of its checks would say so.
func NewEmbeddedValidator(vendor string) (*Validator, error) {
	name, data, err := Default(vendor)
	if err != nil {
		return nil, err
	}
	routes, ok := embeddedRoutes[vendor]
	if !ok {
		return nil, fmt.Errorf("contracts: no route index for %q: run go generate ./contracts", vendor)
	}
	return newValidator(vendor, name, data, routes), nil
}

func newValidator(vendor, name string, data []byte, routes []Route) *Validator {
	return &Validator{
		id:     validatorIDs.Add(1),
		vendor: vendor,
		name:   name,
		data:   data,
		routes: routes,
		opts: &openapi3filter.Options{
			IncludeResponseStatus: true,
			MultiError:            true,
			AuthenticationFunc:    checkCredentialsPresent,
			// Error texts must not quote the values checked: they may be secrets.
			SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()},
		},
	}
}

// Load reads and checks the document and prepares its router, once; it
// reports why it could not.
func (v *Validator) Load() error {
	v.loadOnce.Do(func() {
		doc, err := Parse(v.name, v.data)
		if err != nil {
			v.loadErr = err
			return
		}
		// Route on paths alone: the servers name the vendor's hosts, and the
		// simulator is reached on loopback.
		routed := *doc
		routed.Servers = nil
		router, err := gorillamux.NewRouter(&routed)
		if err != nil {
			v.loadErr = fmt.Errorf("%s: %w", v.name, err)
			return
		}
		v.doc, v.router = doc, router
	})
	return v.loadErr
}

// Doc returns the loaded document (loading it first; nil if it could not
// be). Callers must not change it.
func (v *Validator) Doc() *openapi3.T {
	_ = v.Load()
	return v.doc
}

// checkCredentialsPresent accepts a request that carries credentials of the
// scheme's kind; whether they are good is the simulator's business.
func checkCredentialsPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	s := in.SecurityScheme
	if s == nil || s.Type != "http" {
		return nil
	}
	scheme, cred, _ := strings.Cut(in.RequestValidationInput.Request.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, s.Scheme) || cred == "" {
		return fmt.Errorf("no Authorization: %s credentials", cases(s.Scheme))
	}
	return nil
}

func cases(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// routable is a shallow copy of r (headers shared, read only) whose path
// is the documented one when given.
func routable(r *http.Request, path string) *http.Request {
	req := r.WithContext(r.Context())
	if path != "" && path != r.URL.Path {
		u := *r.URL
		u.Path, u.RawPath = path, ""
		req.URL = &u
	}
	return req
}

// Matches reports whether a request matches a documented operation: the
// router's part of a check alone, for every request. The router reads the
// method and the path only; its answers for short paths are remembered.
func (v *Validator) Matches(r *http.Request, path string) bool {
	// The router reads the escaped path (as routable leaves it).
	escaped := r.URL.EscapedPath()
	if path != "" && path != r.URL.Path {
		escaped = (&url.URL{Path: path}).EscapedPath()
	}
	if v.routes != nil {
		return matchRoutes(v.routes, r.Method, escaped)
	}
	if v.Load() != nil {
		return false
	}
	if len(escaped) > maxRememberedPath {
		_, _, err := v.router.FindRoute(routable(r, path))
		return err == nil
	}
	key := routeKey{r.Method, escaped}
	v.matchMu.RLock()
	ok, known := v.matched[key]
	v.matchMu.RUnlock()
	if known {
		return ok
	}
	_, _, err := v.router.FindRoute(routable(r, path))
	ok = err == nil
	v.matchMu.Lock()
	if v.matched == nil || len(v.matched) >= maxRememberedRoutes {
		v.matched = map[routeKey]bool{} // a client that sends every path gets no more memory
	}
	v.matched[routeKey{strings.Clone(r.Method), strings.Clone(escaped)}] = ok
	v.matchMu.Unlock()
	return ok
}

// Bounds of what Matches remembers.
const (
	maxRememberedPath   = 256
	maxRememberedRoutes = 1024
)

// routeKey is what the router reads of a request: its method and escaped
// path.
type routeKey struct{ method, path string }

// Exchange is a request being checked; Response checks its answer later.
type Exchange struct {
	v     *Validator
	input *openapi3filter.RequestValidationInput // nil when no operation matched
	op    string
}

// Request checks a request whose body was read into body. path, when not
// empty, replaces the request's path for routing (vendors that match paths
// without regard to case route under the documented spelling).
func (v *Validator) Request(r *http.Request, path string, body []byte) (*Exchange, []string) {
	req := routable(r, path)
	req.Body = io.NopCloser(bytes.NewReader(body))
	x := &Exchange{v: v, op: r.Method + " " + req.URL.Path}
	if err := v.Load(); err != nil {
		return x, []string{fmt.Sprintf("%s.yaml: the contract could not be loaded: %v", v.vendor, err)}
	}
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		return x, []string{fmt.Sprintf("%s.yaml: no operation matches %s: %v", v.vendor, x.op, err)}
	}
	x.input = &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: v.opts}
	if route.Operation != nil && route.Operation.OperationID != "" {
		x.op = route.Operation.OperationID
	}
	if err := openapi3filter.ValidateRequest(r.Context(), x.input); err != nil {
		// The body was consumed; give it back for the response check.
		req.Body = io.NopCloser(bytes.NewReader(body))
		return x, v.describe(x.op, "request", err)
	}
	return x, nil
}

// Response checks the answer to the exchange's request.
func (x *Exchange) Response(status int, h http.Header, body []byte) []string {
	if x == nil || x.input == nil {
		return nil
	}
	err := openapi3filter.ValidateResponse(x.input.Request.Context(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: x.input,
		Status:                 status,
		Header:                 h,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                x.v.opts,
	})
	if err != nil {
		return x.v.describe(x.op, fmt.Sprintf("response %d", status), err)
	}
	return nil
}

// describe turns kin-openapi's errors into one readable line each, naming
// the contract and the operation.
func (v *Validator) describe(op, what string, err error) []string {
	var errs []error
	var multi openapi3.MultiError
	if errors.As(err, &multi) {
		errs = multi
	} else {
		errs = []error{err}
	}
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		var inner openapi3.MultiError
		if errors.As(e, &inner) && len(inner) > 0 && len(errs) == 1 {
			return v.describe(op, what, inner)
		}
		msg := strings.Join(strings.Fields(e.Error()), " ")
		out = append(out, fmt.Sprintf("%s.yaml %s %s: %s", v.vendor, op, what, msg))
	}
	return out
}

// validatorIDs numbers the validators of the process.
var validatorIDs atomic.Uint64

// ID tells this validator from every other of the process: a verdict is
// remembered under the contract that gave it.
func (v *Validator) ID() uint64 { return v.id }

// Vendor is the vendor whose contract this is.
func (v *Validator) Vendor() string { return v.vendor }
