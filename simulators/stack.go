package simulators

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mockauth/mockauth"
	"github.com/mockauth/mockauth/simulators/clock"
	"github.com/mockauth/mockauth/simulators/internal/certs"
	"github.com/mockauth/mockauth/simulators/internal/netlimit"
	"github.com/mockauth/mockauth/simulators/internal/pipeline"
	"github.com/mockauth/mockauth/simulators/journal"
	"github.com/mockauth/mockauth/simulators/scenario"
	"github.com/mockauth/mockauth/simulators/state"
	"github.com/mockauth/mockauth/simulators/upstream"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// Default ports of the design: admin 9300, vendors 9301..9304.
const DefaultPortBase = 9300

// Server limits that keep a misbehaving client from holding the stack.
const (
	readHeaderTimeout = 10 * time.Second
	maxHeaderBytes    = 64 << 10
	shutdownTimeout   = 10 * time.Second
	// adminTimeout bounds reading and writing one admin call.
	adminTimeout = time.Minute
)

// Defaults of the settable connection limits (Options).
const (
	DefaultIdleTimeout  = 2 * time.Minute
	DefaultBodyTimeout  = time.Minute
	DefaultWriteTimeout = 11 * time.Minute // beyond the longest fault wait (10 min)
	DefaultDrainWindow  = time.Second      // mockauth serve's; a Stack's is 0
	// DefaultMaxConns is each vendor port's bound of open connections:
	// four full ports of idle connections stay within the deployment's
	// 128 MiB (issue 31, N5).
	DefaultMaxConns = 512
	// MaxAdminConns is the admin port's bound of open connections.
	MaxAdminConns = 256
)

// Options configure a stack. The zero value starts every simulator on
// 127.0.0.1 with OS-chosen ports and the embedded fixtures: what a Go test
// wants.
type Options struct {
	// Bind is the address to listen on (default 127.0.0.1).
	Bind string
	// PortBase puts the admin API on PortBase and the vendors on
	// PortBase+1.. in registry order; 0 lets the OS choose every port.
	PortBase int
	// FixturesDir overrides the embedded fixtures with DIR/<vendor>.yaml.
	FixturesDir string
	// Fixtures overrides a vendor's fixtures with a file given whole (a
	// fixture variant, say), before FixturesDir and the embedded ones.
	Fixtures map[string]vendor.File
	// Vendors limits the stack to these simulators (default: all).
	Vendors []string
	// JournalSize bounds the request journal (default journal.DefaultSize).
	JournalSize int
	// Strict refuses requests that break their vendor's contract with 400.
	Strict bool
	// TLS serves HTTPS on every port with a certificate from a local CA.
	TLS bool
	// TLSDir, with TLS, is where the CA is kept (ca.pem); empty keeps it in memory.
	TLSDir string
	// Logger receives one line per request and the stack's events (default: discard).
	Logger *slog.Logger
	// Scenarios is a scenarios file's content, added to the embedded
	// scenarios.yaml (a name both define is an error); ScenariosName is
	// what its errors are reported under.
	Scenarios     []byte
	ScenariosName string
	// NoBuiltinScenarios loads Scenarios alone, without the embedded
	// catalogue.
	NoBuiltinScenarios bool
	// Activate switches these scenarios on at start.
	Activate []string
	// AdminToken, when set, is required as "Authorization: Bearer TOKEN" on
	// every admin API call. Binding to a non-loopback address needs one.
	AdminToken string
	// TokenSecret makes every token verifiable by any stack with the same
	// secret (shared-nothing replicas): uContact, CRM.COM and AutoAlert
	// derive their tokens' random part from an HMAC over vendor, login and
	// expiry. Exotel's admin tokens need the fixture's signingKey shared.
	TokenSecret string
	// MaxTokens bounds each vendor's token store (default
	// tokens.DefaultMaxTokens); the oldest tokens are forgotten first.
	MaxTokens int
	// IdleTimeout closes a keep-alive connection that sends no request for
	// this long (default DefaultIdleTimeout).
	IdleTimeout time.Duration
	// BodyTimeout bounds reading a request's body (default
	// DefaultBodyTimeout); its headers have 10 s.
	BodyTimeout time.Duration
	// WriteTimeout bounds a vendor's answer, from the request's headers to
	// its last byte (default DefaultWriteTimeout, past every fault's wait).
	WriteTimeout time.Duration
	// DrainWindow is how long Close keeps serving, every answer with
	// Connection: close, before it closes the connections that stay idle:
	// a client that sends on an idle keep-alive connection just as the
	// server closes it loses the request (HTTP/1.1 clients retry only
	// idempotent ones), so clients that call within the window move to a
	// fresh connection first. Close waits less when every connection has
	// closed. 0 (what tests want): no window.
	DrainWindow time.Duration
	// MaxConns bounds the connections each vendor port holds open at once
	// (default DefaultMaxConns): past it, a new connection waits in the
	// system's accept queue until one closes. An idle connection costs
	// about 20 KB; the admin port keeps its own MaxAdminConns, so
	// /__admin/health answers while the vendor ports are full.
	MaxConns int
	// AllowHosts, in proxy mode, are Host names the vendor ports answer
	// beyond this machine's loopback names and Bind: a page a DNS
	// rebinding points at the stack gets 403, not the real service.
	AllowHosts []string
	// NoListener builds the whole stack without listening on any port:
	// Handler and AdminHandler serve it, and Client reaches it in memory
	// (URL gives each vendor a base URL that only Client resolves). Faults
	// that break the connection (reset, empty response, timeout) need a
	// real connection: in memory they answer 500.
	NoListener bool

	// Upstreams puts vendors in front of their real service (proxy mode),
	// by vendor name: an http or https base URL. The real service answers;
	// scenarios, the journal, the contract check (its violations reported
	// as drift) and the near-miss diagnosis still apply.
	Upstreams map[string]*url.URL
	// UpstreamCA is a PEM file of certificates the upstreams' TLS is also
	// verified against (beyond the system roots).
	UpstreamCA string
	// RecordDir records the upstreams' answers into DIR/<vendor>.yaml as
	// stubs of the vendor's fixture file (upstream.Recorder), replayable
	// with FixturesDir: DIR. RecordKeepHosts keeps the upstream's host
	// names in them.
	RecordDir       string
	RecordKeepHosts bool

	// State shares what users and clients change at run time with every
	// stack on the same store: redis://[user:password@]host:port/db or
	// rediss://… (Redis 6+ or Valkey). Empty: this stack's state is its
	// own, in memory. Without a TokenSecret the stacks take the store's.
	State string
	// StatePasswordFile holds the store's password (not in the URL).
	StatePasswordFile string
	// StatePrefix begins the stack's keys in the store (default
	// "mockauth:"): stacks that share one Redis but not their state keep
	// apart by it.
	StatePrefix string
	// Replica names this stack among those sharing State (default host
	// name and process id); journal entries carry it.
	Replica string
}

// memoryHost is the host of a vendor's base URL in a NoListener stack.
const memoryHost = ".mockauth.invalid"

// defaultCatalogue is the embedded scenarios.yaml, loaded once: a loaded
// catalogue is read-only, and stacks are started per test.
var defaultCatalogue = sync.OnceValues(func() (*scenario.Catalogue, error) {
	return scenario.Load(mockauth.DefaultScenariosName, mockauth.DefaultScenarios, Vocabulary())
})

// ErrAdminExposed refuses an admin API reachable beyond this machine
// without a token.
var ErrAdminExposed = errors.New("admin API exposed without a token")

// ErrPlaceholderSecret refuses a secret that is a template's placeholder
// (deploy/secret.yaml's replace-with-…): long enough to pass the length
// checks, and known to everyone who read the file.
var ErrPlaceholderSecret = errors.New("placeholder secret")

// isPlaceholder reports a secret that is a template's stand-in for one.
func isPlaceholder(secret string) bool {
	s := strings.ToLower(secret)
	for _, p := range []string{"replace-with", "replace_with", "replaceme", "replace-me", "changeme", "change-me", "placeholder", "your-secret", "your-token"} {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

// ErrWeakSecret refuses a secret short enough to guess (issue 21, B17):
// a 4-byte token secret was recovered offline from one token.
var ErrWeakSecret = errors.New("secret too short")

// Minimum lengths of the secrets.
const (
	MinTokenSecret = 32 // bytes: tokens signed with it are open to offline guessing
	MinAdminToken  = 16 // bytes, for an admin API reachable beyond loopback
)

// isLoopback reports whether an address is reached only from this machine.
func isLoopback(bind string) bool {
	if bind == "localhost" {
		return true
	}
	ip := net.ParseIP(bind)
	return ip != nil && ip.IsLoopback()
}

// Stack is a running set of simulators and their admin API.
type Stack struct {
	opts    Options
	log     *slog.Logger
	clock   *clock.Simulated
	journal *journal.Journal
	certs   *certs.Certs // nil without TLS

	engine   *scenario.Engine
	pipes    *pipeline.Shared // what the vendors' pipelines share: checker, heavy gate, log sampling
	drift    *upstream.Drift
	recorder *upstream.Recorder // nil unless Options.RecordDir

	upstreamTransport *http.Transport  // the proxies' client side
	upstreamBudget    *upstream.Budget // the bytes of real answers the proxies hold at once
	done              chan struct{}    // closed by Close: faults that wait stop waiting
	cut               chan struct{}    // closed by Close after the drain window: proxied calls still waiting are cut
	conns             atomic.Int64     // connections open, every listener
	draining          atomic.Bool      // Close has begun: answers close their connection

	vendors []*served
	admin   *served

	state *state.Redis // nil: the state is this stack's own (shared.go)
	// vendorTopics are the shared topics each vendor took (sharedFor);
	// vendors are built side by side, hence the lock.
	topicsMu     sync.Mutex
	vendorTopics map[string][]string
	uses         *useBatcher // with state: idle tokens' last uses, told in batches
	stopUses     context.CancelFunc

	client     *http.Client // made when first asked for; its idle connections close with the stack
	clientOnce sync.Once

	closeOnce sync.Once
	closeErr  error
}

// served is one listener with its server.
type served struct {
	name    string
	spec    vendor.Spec        // zero for the admin API
	pipe    *pipeline.Pipeline // nil for the admin API
	url     string
	ln      net.Listener
	srv     *http.Server
	serving atomic.Bool
	done    chan struct{} // closed when Serve returns
}

// ReloadFixtures rebuilds every simulator from dir (the embedded fixtures
// for files it lacks) and puts them in place together; a file that does
// not load changes nothing. A reloaded vendor starts with no tokens of its
// own and no registered credentials; with a token secret, the signed tokens
// it minted before stay good. A vendor whose file did not change stays as
// it is, its tokens and registrations with it (issue 31, N11).
func (s *Stack) ReloadFixtures(dir string) error {
	if dir != "" {
		if err := CheckFixturesDir(dir); err != nil {
			return err
		}
	}
	reloads := make([]*pipeline.Reload, 0, len(s.vendors))
	defer func() {
		for _, r := range reloads {
			r.Abandon() // nothing committed: a later vendor failed
		}
	}()
	for _, sv := range s.vendors {
		r, err := s.prepareReload(sv, dir)
		if err != nil {
			return err
		}
		reloads = append(reloads, r)
	}
	for _, r := range reloads {
		r.Commit()
	}
	reloads = nil
	if s.state != nil {
		s.state.Reread() // the rebuilt vendors take the ends and registrations of every replica
	}
	s.log.Info("fixtures reloaded", slog.String("dir", dir))
	return nil
}

// prepareReload readies one vendor's reload from dir; its stubs stay
// locked until the reload is committed or abandoned.
func (s *Stack) prepareReload(sv *served, dir string) (*pipeline.Reload, error) {
	fx, origin, err := fixturesOf(dir, sv.spec)
	if err != nil {
		return nil, err
	}
	if was := sv.pipe.FixturesFrom(); origin == FixturesEmbedded && dir != "" && was != FixturesEmbedded && filepath.Dir(was) == filepath.Clean(dir) {
		// A file that was loaded is gone: say so rather than quietly
		// bring back the embedded fixtures (and drop every token).
		return nil, fmt.Errorf("%s: %w: what is loaded stays (put it back, or restart for the embedded fixtures)", was, fs.ErrNotExist)
	}
	sim := sv.sim()
	if !sv.pipe.Unchanged(fx, origin) {
		if sim, err = sv.spec.Build(fx, vendorEnv(sv.name, s)); err != nil {
			return nil, err
		}
	}
	stubs, err := pipeline.FixtureStubs(sv.spec, sv.pipe.Validator(), fx)
	if err != nil {
		return nil, err
	}
	warnUserScenarios(s.log, sv.name, sim, s.engine.Catalogue())
	return sv.pipe.Prepare(sim, fx, origin, stubs)
}

// sim is the vendor's current simulator.
func (sv *served) sim() vendor.Simulator { return sv.pipe.Sim() }

// Start builds every simulator, listens on its port and serves it. On error
// nothing is left listening.
func Start(opts Options) (*Stack, error) {
	s, err := build(opts)
	if err != nil {
		return nil, err
	}
	if opts.NoListener {
		for _, sv := range s.all() {
			sv.url = "http://" + sv.name + memoryHost
			sv.done = make(chan struct{})
			close(sv.done) // nothing to wait for at Close
			sv.serving.Store(true)
		}
		s.pipes.Start()
		return s, nil
	}
	if err := s.listenAll(); err != nil {
		_ = s.closeState()
		return nil, err
	}
	s.serveAll()
	return s, nil
}

// build checks the options and builds the stack: the scenario catalogue,
// every simulator from its fixtures, its contract validator and pipeline,
// and the admin API. Nothing listens yet.
func build(opts Options) (*Stack, error) {
	opts, specs, err := checkOptions(opts)
	if err != nil {
		return nil, err
	}
	cat, err := loadCatalogue(opts)
	if err != nil {
		return nil, err
	}
	st, err := openState(&opts)
	if err != nil {
		return nil, err
	}
	s := &Stack{
		state:   st,
		cut:     make(chan struct{}),
		opts:    opts,
		log:     opts.Logger,
		clock:   clock.NewSimulated(),
		journal: journal.New(opts.JournalSize),
		engine:  scenario.NewEngine(cat),
		done:    make(chan struct{}),
	}
	s.pipes = pipeline.NewShared(pipeline.SharedConfig{Clock: s.clock, Journal: s.journal, Engine: s.engine, Log: opts.Logger,
		Strict: opts.Strict, BodyTimeout: opts.BodyTimeout, Done: s.done, Cut: s.cut})
	if st != nil {
		s.pipes = pipeline.NewShared(pipeline.SharedConfig{Clock: s.clock, Journal: s.journal, Engine: s.engine, Log: opts.Logger,
			Strict: opts.Strict, BodyTimeout: opts.BodyTimeout, Done: s.done, Cut: s.cut,
			Advance: s.advanceShared, Restart: s.restartShared})
	}
	built, err := s.buildParts(opts, specs, cat)
	if err == nil && st != nil {
		err = s.startState()
	}
	if err != nil && st != nil {
		_ = st.Close()
	}
	return built, err
}

// checkOptions fills in the defaults and refuses what cannot start: an
// unknown vendor, an exposed admin API without a strong token, a weak or
// placeholder secret. It returns the specs of the vendors to run.
func checkOptions(opts Options) (Options, []vendor.Spec, error) {
	if opts.Bind == "" {
		opts.Bind = "127.0.0.1"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = DefaultMaxConns
	}
	for _, d := range []struct {
		v   *time.Duration
		def time.Duration
	}{{&opts.IdleTimeout, DefaultIdleTimeout}, {&opts.BodyTimeout, DefaultBodyTimeout}, {&opts.WriteTimeout, DefaultWriteTimeout}} {
		if *d.v <= 0 {
			*d.v = d.def
		}
	}
	if opts.FixturesDir != "" {
		if err := CheckFixturesDir(opts.FixturesDir); err != nil {
			return opts, nil, err
		}
	}
	specs := Specs()
	if len(opts.Vendors) > 0 {
		specs = slices.DeleteFunc(specs, func(s vendor.Spec) bool { return !slices.Contains(opts.Vendors, s.Name) })
	}
	for _, n := range opts.Vendors {
		if PortOffset(n) < 0 {
			return opts, nil, fmt.Errorf("simulators: %w", vendor.UnknownVendor(n, VendorNames(), true))
		}
	}
	if !isLoopback(opts.Bind) && opts.AdminToken == "" {
		return opts, nil, fmt.Errorf("simulators: %w: %q is not a loopback address, and the admin API there would let anyone switch failures on: set an admin token (--admin-token)", ErrAdminExposed, opts.Bind)
	}
	if !isLoopback(opts.Bind) && len(opts.AdminToken) < MinAdminToken {
		return opts, nil, fmt.Errorf("simulators: %w: an admin token of %d bytes on %q: at least %d, from a random source (e.g. openssl rand -hex 16)", ErrWeakSecret, len(opts.AdminToken), opts.Bind, MinAdminToken)
	}
	for _, sec := range []struct{ what, value string }{{"admin token", opts.AdminToken}, {"token secret", opts.TokenSecret}} {
		if isPlaceholder(sec.value) {
			return opts, nil, fmt.Errorf("simulators: %w: the %s is a template's placeholder (deploy/secret.yaml's replace-with-…), known to anyone who read it: put a value from a random source in its place (e.g. openssl rand -hex 32)", ErrPlaceholderSecret, sec.what)
		}
	}
	if opts.TokenSecret != "" && len(opts.TokenSecret) < MinTokenSecret {
		return opts, nil, fmt.Errorf("simulators: %w: a token secret of %d bytes: at least %d, from a random source (e.g. openssl rand -hex 32); a short one is guessed offline from a single token", ErrWeakSecret, len(opts.TokenSecret), MinTokenSecret)
	}
	return opts, specs, nil
}

// buildParts makes what the stack serves: the proxies' shared parts,
// the TLS material, every vendor's pipeline (side by side) and the admin
// API.
func (s *Stack) buildParts(opts Options, specs []vendor.Spec, cat *scenario.Catalogue) (*Stack, error) {
	var err error
	s.drift = upstream.NewDrift(s.log)
	if err := s.checkUpstreams(specs); err != nil {
		return nil, err
	}
	if opts.TLS {
		if s.certs, err = certs.Make(opts.TLSDir); err != nil {
			return nil, err
		}
	}
	// Each vendor is built on its own goroutine: loading a contract is
	// most of a start (kin-openapi reads and checks the document), and
	// the four load side by side. The first vendor's error, in vendor
	// order, is the one reported, as when they were built in turn.
	built, errs := make([]*served, len(specs)), make([]error, len(specs))
	var wg sync.WaitGroup
	for i, spec := range specs {
		wg.Go(func() { built[i], errs[i] = s.buildVendor(spec, cat) })
	}
	wg.Wait()
	for i := range specs {
		if errs[i] != nil {
			return nil, errs[i]
		}
		s.vendors = append(s.vendors, built[i])
	}
	if s.state == nil {
		for _, name := range opts.Activate {
			if _, err := s.engine.Activate(name, 0); err != nil {
				return nil, fmt.Errorf("--activate: %w", err)
			}
		}
	}
	s.admin = &served{name: "admin", srv: s.newServer(s.adminHandler())}
	// An admin call is small and quick: its whole read and write are bounded.
	s.admin.srv.ReadTimeout, s.admin.srv.WriteTimeout = adminTimeout, adminTimeout
	return s, nil
}

// loadCatalogue is the embedded catalogue with the options' scenarios
// file added (or that file alone, with NoBuiltinScenarios).
func loadCatalogue(opts Options) (*scenario.Catalogue, error) {
	if opts.Scenarios == nil {
		return defaultCatalogue()
	}
	name := opts.ScenariosName
	if name == "" {
		name = "scenarios"
	}
	return userCatalogue(opts, name, opts.Scenarios)
}

// userCatalogue loads a user's scenarios file and adds it to the built-in
// catalogue, unless the options say it stands alone.
func userCatalogue(opts Options, name string, data []byte) (*scenario.Catalogue, error) {
	cat, err := scenario.Load(name, data, vocabularyOf(opts.FixturesDir, opts.Fixtures))
	if err != nil || opts.NoBuiltinScenarios {
		return cat, err
	}
	builtin, err := defaultCatalogue()
	if err != nil {
		return nil, err
	}
	return scenario.Merge(builtin, cat)
}

// buildVendor builds one vendor's simulator and the pipeline serving it.
func (s *Stack) buildVendor(spec vendor.Spec, cat *scenario.Catalogue) (*served, error) {
	fx, origin, err := fixturesOf(s.opts.FixturesDir, spec)
	if f, ok := s.opts.Fixtures[spec.Name]; ok {
		fx, origin, err = f, f.Name, nil
	}
	if err != nil {
		return nil, err
	}
	sim, err := spec.Build(fx, vendorEnv(spec.Name, s))
	if err != nil {
		return nil, err
	}
	v, err := pipeline.ValidatorFor(spec)
	if err != nil {
		return nil, err
	}
	warnUserScenarios(s.log, spec.Name, sim, cat)
	fixtureStubs, err := pipeline.FixtureStubs(spec, v, fx)
	if err != nil {
		return nil, err
	}
	c := pipeline.Config{Spec: spec, Validator: v, Sim: sim, Fixtures: fx, FixturesFrom: origin, FixtureStubs: fixtureStubs}
	if u, ok := s.opts.Upstreams[spec.Name]; ok {
		c.Proxy = s.proxyTo(spec, u, fx, len(fixtureStubs))
	}
	p, err := pipeline.New(s.pipes, c)
	if err != nil {
		return nil, err
	}
	srv := s.newServer(p)
	// The body's deadline, from the request's start: the pipeline lifts it
	// for a fault that waits and for a real service's answer.
	srv.ReadTimeout = s.opts.BodyTimeout
	return &served{name: spec.Name, spec: spec, pipe: p, srv: srv}, nil
}

// listenAll opens every port (the admin API's on the port base, each
// vendor's at its offset); on error it closes those it opened.
func (s *Stack) listenAll() error {
	all := s.all()
	for _, sv := range all {
		offset := 0
		if sv.pipe != nil {
			offset = PortOffset(sv.name)
		}
		if err := s.listen(sv, offset); err != nil {
			for _, o := range all {
				if o.ln != nil {
					_ = o.ln.Close()
				}
			}
			return err
		}
	}
	return nil
}

// serveAll starts the contract checker and serves every listener.
func (s *Stack) serveAll() {
	s.pipes.Start()
	go s.flushRecording()
	for _, sv := range s.all() {
		sv.done = make(chan struct{})
		sv.serving.Store(true)
		go func() {
			defer close(sv.done)
			defer sv.serving.Store(false)
			if err := sv.srv.Serve(sv.ln); err != nil && !errors.Is(err, http.ErrServerClosed) && !s.draining.Load() {
				s.log.Error("server stopped", slog.String("name", sv.name), slog.Any("error", err))
			}
		}()
	}
}

// all is the admin API and every vendor.
func (s *Stack) all() []*served { return append([]*served{s.admin}, s.vendors...) }

// newServer is a server with the stack's connection limits.
func (s *Stack) newServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if s.draining.Load() {
				w.Header().Set("Connection", "close")
			}
			h.ServeHTTP(w, r)
		}),
		ConnState: func(_ net.Conn, st http.ConnState) {
			switch st {
			case http.StateNew:
				s.conns.Add(1)
			case http.StateClosed, http.StateHijacked:
				s.conns.Add(-1)
			}
		},
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       s.opts.IdleTimeout,
		WriteTimeout:      s.opts.WriteTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

func (s *Stack) listen(sv *served, offset int) error {
	port := 0
	if s.opts.PortBase != 0 {
		port = s.opts.PortBase + offset
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(s.opts.Bind, strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("simulators: %s: %w", sv.name, err)
	}
	limit := s.opts.MaxConns
	if sv == s.admin {
		limit = MaxAdminConns
	}
	ln = netlimit.Limit(ln, limit)
	scheme := "http"
	if s.certs != nil {
		scheme = "https"
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{s.certs.Server}, MinVersion: tls.VersionTLS12})
	}
	sv.ln = netlimit.Once(ln)
	sv.url = scheme + "://" + urlHost(ln.Addr())
	return nil
}

// urlHost names a listener's address as a client should dial it: an
// unspecified bind address (0.0.0.0, ::) is reached on loopback.
func urlHost(a net.Addr) string {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	ip := ta.IP.String()
	if ta.IP.IsUnspecified() {
		ip = "127.0.0.1"
	}
	return net.JoinHostPort(ip, strconv.Itoa(ta.Port))
}

// URL returns a vendor's base URL, or "" when the stack does not run it.
func (s *Stack) URL(name string) string {
	if sv := s.vendor(name); sv != nil {
		return sv.url
	}
	return ""
}

// AdminURL returns the admin API's base URL.
func (s *Stack) AdminURL() string { return s.admin.url }

// Vendors describes the running simulators in port order, with the demo
// logins of their loaded fixtures.
func (s *Stack) Vendors() ([]VendorInfo, error) {
	out := make([]VendorInfo, 0, len(s.vendors))
	for _, sv := range s.vendors {
		demo, err := sv.sim().Demo()
		if err != nil {
			return nil, err
		}
		info := VendorInfo{Name: sv.name, BaseURL: sv.url, Endpoints: slices.Clone(sv.spec.Endpoints), Demo: demo, Spec: sv.spec,
			Stubs: sv.pipe.Stubs(), Fixtures: sv.pipe.FixturesFrom()}
		if u := s.opts.Upstreams[sv.name]; u != nil {
			info.Upstream = u.Redacted()
		}
		out = append(out, info)
	}
	return out, nil
}

func (s *Stack) vendor(name string) *served {
	for _, sv := range s.vendors {
		if sv.name == name {
			return sv
		}
	}
	return nil
}

// Requests returns journal entries, newest first (all when limit <= 0),
// once the contract checks of the requests so far have run.
//
// With shared state it lists the whole stack's requests; when the store
// cannot be reached it lists this replica's and the ones it last read
// (the log says so; the admin API answers 503).
func (s *Stack) Requests(f journal.Filter, limit int) []journal.Entry {
	if err := s.syncAll(); err != nil {
		s.log.Warn("the journal lists only what this replica knows", slog.String("error", err.Error()))
	}
	return s.journal.List(f, limit)
}

// Clock is the simulated clock every simulator of the stack uses.
func (s *Stack) Clock() *clock.Simulated { return s.clock }

// CACertPEM returns the CA certificate of a TLS stack, or nil.
func (s *Stack) CACertPEM() []byte {
	if s.certs == nil {
		return nil
	}
	return append([]byte(nil), s.certs.CAPEM...)
}

// Client returns the stack's HTTP client, one for the stack's life: it
// trusts the stack's CA when TLS is on, reaches a NoListener stack in
// memory, and its idle connections close with the stack. Its timeout keeps
// a test from hanging on a lost answer.
func (s *Stack) Client() *http.Client {
	s.clientOnce.Do(func() {
		var rt http.RoundTripper = memoryTransport{s}
		if !s.opts.NoListener {
			tr := http.DefaultTransport.(*http.Transport).Clone()
			if s.certs != nil {
				tr.TLSClientConfig = &tls.Config{RootCAs: s.certs.Pool, MinVersion: tls.VersionTLS12}
			}
			rt = tr
		}
		s.client = &http.Client{Transport: rt, Timeout: 30 * time.Second}
	})
	return s.client
}

// Healthy reports whether every simulator and the admin API are serving.
func (s *Stack) Healthy() bool {
	if !s.admin.serving.Load() {
		return false
	}
	for _, sv := range s.vendors {
		if !sv.serving.Load() {
			return false
		}
	}
	return true
}

// warnUserScenarios logs fixture users whose scenario the catalogue lacks;
// their requests are answered 400 saying so (a user's own scenarios file
// need not carry the scenarios of the default fixtures).
func warnUserScenarios(log *slog.Logger, vendorName string, sim vendor.Simulator, cat *scenario.Catalogue) {
	for user, name := range sim.UserScenarios() {
		if cat.Find(name) == nil {
			log.Warn("a fixture user names a scenario the scenarios file lacks; its requests will be refused",
				slog.String("vendor", vendorName), slog.String("user", user), slog.String("scenario", name), slog.String("file", cat.File))
		}
	}
}

// ValidToken reports whether a vendor's simulator minted token and it is
// still good (for conformance judges).
func (s *Stack) ValidToken(vendorName, token string) bool {
	sv := s.vendor(vendorName)
	if sv == nil {
		return false
	}
	o, ok := sv.sim().(vendor.TokenOracle)
	return ok && token != "" && o.ValidToken(token)
}

// Sync waits until every request answered so far is in the journal with
// its contract check: both run after the answer is sent. A test that
// reads the journal right after a request calls Sync first (Requests and
// the admin API do).
func (s *Stack) Sync() { s.pipes.Sync() }

// allowedHosts are the Host names a vendor's port answers in proxy mode
// beyond the loopback ones: the bind address, the in-memory name, and
// Options.AllowHosts.
func (s *Stack) allowedHosts(name string) []string {
	out := append([]string{name + memoryHost}, s.opts.AllowHosts...)
	if ip := net.ParseIP(s.opts.Bind); ip == nil || !ip.IsUnspecified() {
		out = append(out, s.opts.Bind)
	}
	return out
}

// Requested is closed when the first request reaches one of the stack's
// vendors: the conformance judge starts a program's deadline there, not
// at its start-up.
func (s *Stack) Requested() <-chan struct{} { return s.pipes.Requested() }

// InFlight reports how many vendor requests are being served right now.
func (s *Stack) InFlight() int { return s.pipes.InFlight() }

// Scenarios switches the stack's scenarios. It hands out copies of their
// state, never the engine.
func (s *Stack) Scenarios() Scenarios { return Scenarios{e: s.engine, s: s} }

// Scenarios is a stack's scenario switchboard, as the admin API drives it.
// With shared state, a switch is made on every replica before it returns.
type Scenarios struct {
	e *scenario.Engine
	s *Stack
}

// Activate switches a scenario on for every request, restarting its
// counters; with ttl > 0 it switches itself off after ttl. An unknown name
// is a *scenario.UnknownScenarioError naming the closest ones.
func (sc Scenarios) Activate(name string, ttl time.Duration) (scenario.Status, error) {
	if sc.s.state != nil {
		return sc.s.activateShared(name, ttl, false)
	}
	return sc.e.Activate(name, ttl)
}

// Deactivate switches a scenario off.
func (sc Scenarios) Deactivate(name string) (scenario.Status, error) {
	if sc.s.state != nil {
		return sc.s.deactivateShared(name)
	}
	return sc.e.Deactivate(name)
}

// DeactivateAll switches every scenario off.
func (sc Scenarios) DeactivateAll() error {
	if sc.s.state != nil {
		return stateError(sc.s.state.Write(context.Background(), offAll()...))
	}
	sc.e.DeactivateAll()
	return nil
}

// Statuses describes every scenario of the loaded file.
func (sc Scenarios) Statuses() []scenario.Status { return sc.e.Statuses() }

// ActiveNames lists the active scenarios.
func (sc Scenarios) ActiveNames() []string { return sc.e.ActiveNames() }

// File names the loaded scenarios file.
func (sc Scenarios) File() string { return sc.e.Catalogue().File }

// ReloadScenarios replaces the scenario catalogue with a new file. A file
// that does not load changes nothing. Active scenarios the new file still
// has stay active.
func (s *Stack) ReloadScenarios(name string, data []byte) error {
	cat, err := userCatalogue(s.opts, name, data)
	if err != nil {
		return err
	}
	for _, sv := range s.vendors {
		warnUserScenarios(s.log, sv.name, sv.sim(), cat)
	}
	if dropped := s.engine.Replace(cat); len(dropped) > 0 {
		s.log.Warn("scenarios reloaded without some active ones: they are off until a reload has them again", slog.Any("deactivated", dropped))
	}
	if s.state != nil {
		s.state.Reread() // the activations as the store has them, on the new file
	}
	s.log.Info("scenarios reloaded", slog.String("file", name), slog.Int("scenarios", len(cat.Scenarios)))
	return nil
}

// Reset puts tokens, journal, clock, rule counters and active scenarios
// back to their start; with shared state, on every replica (an error
// says the store refused it).
func (s *Stack) Reset() error {
	if s.state != nil {
		return s.resetShared()
	}
	s.engine.DeactivateAll()
	s.clock.Reset()
	s.resetHere()
	return nil
}

// resetHere resets what each replica keeps itself.
func (s *Stack) resetHere() {
	s.drift.Reset()
	for _, sv := range s.vendors {
		sv.sim().Reset()
	}
	s.journal.Clear()
	s.pipes.Forget()
}

// drain keeps serving for the drain window, each answer closing its
// connection, until every connection has closed or the window ends.
func (s *Stack) drain() {
	if s.opts.DrainWindow <= 0 || s.opts.NoListener {
		return
	}
	// The listeners close first: a client that dials now is refused (it
	// knows its request was never sent) rather than reset in the backlog
	// later, and clients that call on their open connections in the window
	// are answered and told to close them.
	s.draining.Store(true)
	for _, sv := range s.all() {
		_ = sv.ln.Close()
	}
	s.clientOnce.Do(func() {}) // no client is made after this
	if s.client != nil {
		s.client.CloseIdleConnections()
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	end := time.After(s.opts.DrainWindow)
	for s.conns.Load() > 0 {
		select {
		case <-end:
			return
		case <-tick.C:
		}
	}
}

// Close serves for the drain window (Options.DrainWindow), then stops
// accepting requests, lets those in flight finish (for up to ten seconds),
// and closes every listener. It is safe to call twice.
func (s *Stack) Close() error {
	s.closeOnce.Do(func() {
		close(s.done)
		s.drain()
		close(s.cut)
		ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		all := s.all()
		var wg sync.WaitGroup
		errs := make([]error, len(all))
		for i, sv := range all {
			wg.Go(func() {
				err := sv.srv.Shutdown(ctx)
				if errors.Is(err, context.DeadlineExceeded) {
					// A client that holds its connection past the window
					// (a body it never finishes) is cut off; that is the
					// window's purpose, not a failed shutdown.
					s.log.Warn("connections still open after the shutdown window were closed", slog.String("name", sv.name), slog.Duration("window", shutdownTimeout))
					err = sv.srv.Close()
				}
				if err != nil {
					errs[i] = fmt.Errorf("%s: %w", sv.name, err)
				}
				<-sv.done
			})
		}
		wg.Wait()
		for _, sv := range all {
			sv.serving.Store(false)
		}
		s.clientOnce.Do(func() {}) // no client is made after this
		if s.client != nil {
			s.client.CloseIdleConnections()
		}
		s.pipes.Stop() // the listeners and checks still running finish, so the journal is complete
		if s.recorder != nil {
			if err := s.recorder.Flush(); err != nil {
				errs = append(errs, err)
			}
		}
		if s.upstreamTransport != nil {
			s.upstreamTransport.CloseIdleConnections()
		}
		if err := s.closeState(); err != nil {
			errs = append(errs, fmt.Errorf("shared state: %w", err))
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}
