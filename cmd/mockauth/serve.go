package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mockauth/mockauth/internal/tick"
	"github.com/mockauth/mockauth/simulators"
	"github.com/mockauth/mockauth/simulators/journal"
	"github.com/mockauth/mockauth/simulators/upstream"
)

// serveConfig is the command line of mockauth serve.
type serveConfig struct {
	Bind        string
	PortBase    int
	FixturesDir string
	TLS         bool
	TLSDir      string
	Strict      bool
	JournalSize int
	LogLevel    slog.Level
	Scenarios   string // file added to the embedded catalogue; "" for none
	// NoBuiltinScenarios loads Scenarios alone.
	NoBuiltinScenarios bool
	Activate           []string
	Watch              bool
	AdminToken         string
	TokenSecret        string

	AdminTokenFile, TokenSecretFile string

	IdleTimeout, BodyTimeout, WriteTimeout, DrainWindow time.Duration
	MaxConns                                            int

	AllowHosts      []string            // proxy mode: Host names answered beyond this machine's
	Upstream        []string            // VENDOR=URL, as given
	Upstreams       map[string]*url.URL // parsed
	UpstreamCA      string
	RecordDir       string
	RecordKeepHosts bool

	State, StatePasswordFile, Replica string
}

// serveLong is serve's help, below its synopsis.
const serveLong = `Starts every simulator and the admin API; Ctrl-C (SIGINT) or SIGTERM stops it cleanly.
Every flag can also be set as MOCKAUTH_<FLAG> (--port-base: MOCKAUTH_PORT_BASE); flags win.
The other commands find the stack from the same variables.`

// serveFlags declares serve's flags on fs, filling in c.
func serveFlags(fs *pflag.FlagSet, c *serveConfig) {
	fs.StringVar(&c.Bind, "bind", "127.0.0.1", "address to listen on")
	fs.IntVar(&c.PortBase, "port-base", simulators.DefaultPortBase, "admin API on this port, vendors on the next ones ("+portPlan()+")")
	fs.StringVar(&c.FixturesDir, "fixtures", "", "directory of <vendor>.yaml fixture files overriding the embedded ones")
	fs.BoolVar(&c.TLS, "tls", false, "serve HTTPS on every port with a certificate from a local CA")
	fs.StringVar(&c.TLSDir, "tls-dir", ".mockauth-tls", "with --tls: directory where the CA is kept; clients trust DIR/ca.pem")
	fs.BoolVar(&c.Strict, "strict", false, "refuse requests that break their vendor's contract with 400")
	fs.IntVar(&c.JournalSize, "journal-size", journal.DefaultSize, "number of requests the journal keeps")
	fs.TextVar(&c.LogLevel, "log-level", slog.LevelInfo, "log level: debug, info, warn, error")
	fs.StringVar(&c.Scenarios, "scenarios", "", "scenarios file added to the built-in catalogue (embedded scenarios.yaml)")
	fs.BoolVar(&c.NoBuiltinScenarios, "no-builtin-scenarios", false, "with --scenarios: load that file alone, without the built-in catalogue")
	fs.StringArrayVar(&c.Activate, "activate", nil, "switch this scenario on at start (repeatable)")
	fs.StringVar(&c.AdminToken, "admin-token", "", "require Authorization: Bearer TOKEN on the admin API (needed to bind beyond loopback)")
	fs.StringVar(&c.TokenSecret, "token-secret", "", "sign tokens so any replica with the same secret honours them (shared-nothing replicas); at least 32 bytes")
	fs.StringVar(&c.AdminTokenFile, "admin-token-file", "", "read --admin-token from this file (kept out of ps)")
	fs.StringVar(&c.TokenSecretFile, "token-secret-file", "", "read --token-secret from this file (kept out of ps)")
	fs.BoolVar(&c.Watch, "watch", false, "reload --scenarios FILE and --fixtures DIR when they change; a bad file keeps what is loaded")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", simulators.DefaultIdleTimeout, "close a keep-alive connection idle this long")
	fs.DurationVar(&c.BodyTimeout, "body-timeout", simulators.DefaultBodyTimeout, "give up reading a request body after this long (headers: 10s)")
	fs.DurationVar(&c.WriteTimeout, "write-timeout", simulators.DefaultWriteTimeout, "cut a vendor answer not sent within this long (beyond every fault's wait)")
	fs.StringArrayVar(&c.Upstream, "upstream", nil, "proxy mode: VENDOR=URL puts that vendor's port in front of its real service (repeatable; also MOCKAUTH_UPSTREAM_<VENDOR>=URL)")
	fs.StringArrayVar(&c.AllowHosts, "allow-host", nil, "proxy mode: a Host name the vendor ports answer beyond this machine's (loopback, --bind); repeatable")
	fs.StringVar(&c.UpstreamCA, "upstream-ca", "", "PEM certificates the upstreams' TLS is verified against, beyond the system roots")
	fs.StringVar(&c.RecordDir, "record", "", "with --upstream: write the real answers, redacted, as stubs into DIR/<vendor>.yaml (replay: --fixtures DIR)")
	fs.BoolVar(&c.RecordKeepHosts, "record-keep-hosts", false, "with --record: keep the upstream's host names in the recorded answers (default: {{.Host}})")
	fs.IntVar(&c.MaxConns, "max-conns", simulators.DefaultMaxConns, "connections each vendor port holds open at once; past it new ones wait (the admin port has its own bound)")
	fs.StringVar(&c.State, "state", "", "share what users and clients change (scenarios, clock, ended tokens, registrations, run-time stubs, journal) with every replica on this store: redis://host:port/db or rediss://…; empty: in memory")
	fs.StringVar(&c.StatePasswordFile, "state-password-file", "", "with --state: read the store's password from this file (kept out of the URL and ps)")
	fs.StringVar(&c.Replica, "replica", "", "with --state: this replica's name in the journal and health (default: host name and process id)")
	fs.DurationVar(&c.DrainWindow, "drain-window", simulators.DefaultDrainWindow, "at shutdown, keep answering (with Connection: close) this long so keep-alive clients move off before idle connections close; 0: none")
}

// serveCommand is mockauth serve (and, named "mockauth", the root, which
// serves when given no command).
func serveCommand(name string, stdout, stderr io.Writer) *cobra.Command {
	cmd, _ := newServeCommand(name, stdout, stderr)
	return cmd
}

// newServeCommand is serveCommand and the config its flags fill in.
func newServeCommand(name string, stdout, stderr io.Writer) (*cobra.Command, *serveConfig) {
	c := &serveConfig{}
	cmd := &cobra.Command{
		Use:   name + " [flags]",
		Short: "start every simulator and the admin API (the default command)",
		Long:  serveLong,
		Args:  noArgs,
	}
	serveFlags(cmd.Flags(), c)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := c.finish(cmd.Flags()); err != nil {
			return err
		}
		return serve(cmd.Context(), *c, stdout, stderr)
	}
	return cmd, c
}

// loadServe parses serve's command line (and MOCKAUTH_* variables) into a
// config, as serve does.
func loadServe(args []string) (serveConfig, error) {
	cmd, c := newServeCommand("serve", io.Discard, io.Discard)
	if err := cmd.ParseFlags(args); err != nil {
		return *c, &usageError{err.Error()}
	}
	if err := noArgs(cmd, cmd.Flags().Args()); err != nil {
		return *c, err
	}
	return *c, c.finish(cmd.Flags())
}

// finish reads the MOCKAUTH_* variables the command line left unset and
// checks the whole config.
func (c *serveConfig) finish(fs *pflag.FlagSet) error {
	if err := fromEnv(fs); err != nil {
		return err
	}
	if c.PortBase < 0 || c.PortBase+simulators.Ports()-1 > 65535 {
		return usagef("--port-base %d leaves no room for %d ports", c.PortBase, simulators.Ports())
	}
	if c.Watch && c.Scenarios == "" && c.FixturesDir == "" {
		return usagef("--watch needs --scenarios FILE or --fixtures DIR")
	}
	if c.NoBuiltinScenarios && c.Scenarios == "" {
		return usagef("--no-builtin-scenarios needs --scenarios FILE (without the built-in catalogue, the scenarios come from it)")
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"idle-timeout", c.IdleTimeout}, {"body-timeout", c.BodyTimeout}, {"write-timeout", c.WriteTimeout}} {
		if d.v <= 0 {
			return usagef("--%s must be above 0", d.name)
		}
	}
	// MOCKAUTH_UPSTREAM_<VENDOR>=URL, for a vendor not given on the command line.
	given := map[string]bool{}
	for _, t := range c.Upstream {
		name, _, _ := strings.Cut(t, "=")
		given[name] = true
	}
	for _, name := range simulators.VendorNames() {
		if v, ok := os.LookupEnv("MOCKAUTH_UPSTREAM_" + strings.ToUpper(name)); ok && !given[name] {
			c.Upstream = append(c.Upstream, name+"="+v)
		}
	}
	for _, t := range c.Upstream {
		name, u, err := upstream.ParseTarget(t)
		if err == nil {
			if verr := simulators.CheckVendor(name); verr != nil {
				err = fmt.Errorf("upstream %q: %w", t, verr)
			}
		}
		if err == nil && c.Upstreams[name] != nil {
			err = fmt.Errorf("upstream for %s given twice", name)
		}
		if err != nil {
			return usagef("--%v", err)
		}
		if c.Upstreams == nil {
			c.Upstreams = map[string]*url.URL{}
		}
		c.Upstreams[name] = u
	}
	if (c.RecordDir != "" || c.RecordKeepHosts || c.UpstreamCA != "" || len(c.AllowHosts) > 0) && len(c.Upstreams) == 0 {
		return usagef("--record, --record-keep-hosts, --upstream-ca and --allow-host need --upstream VENDOR=URL")
	}
	if c.DrainWindow < 0 {
		return usagef("--drain-window must be 0 or more")
	}
	for _, f := range []struct {
		name, file string
		v          *string
	}{{"admin-token", c.AdminTokenFile, &c.AdminToken}, {"token-secret", c.TokenSecretFile, &c.TokenSecret}} {
		if f.file == "" {
			continue
		}
		if *f.v != "" {
			return usagef("--%s and --%s-file both given: give one", f.name, f.name)
		}
		secret, err := readSecret(f.file)
		if err != nil {
			return usagef("--%s-file: %v", f.name, err)
		}
		*f.v = secret
	}
	if c.MaxConns < 1 {
		return usagef("--max-conns must be at least 1")
	}
	if c.State == "" && (c.StatePasswordFile != "" || c.Replica != "") {
		return usagef("--state-password-file and --replica need --state redis://…")
	}
	if c.JournalSize < 1 {
		return usagef("--journal-size must be at least 1")
	}
	return nil
}

func (c serveConfig) options(log *slog.Logger) (simulators.Options, error) {
	o := simulators.Options{
		Activate:    c.Activate,
		AdminToken:  c.AdminToken,
		TokenSecret: c.TokenSecret,
		Bind:        c.Bind,
		PortBase:    c.PortBase,
		FixturesDir: c.FixturesDir,
		JournalSize: c.JournalSize,
		Strict:      c.Strict,
		TLS:         c.TLS,
		Logger:      log,

		IdleTimeout:  c.IdleTimeout,
		BodyTimeout:  c.BodyTimeout,
		WriteTimeout: c.WriteTimeout,
		DrainWindow:  c.DrainWindow,
		MaxConns:     c.MaxConns,
		AllowHosts:   c.AllowHosts,

		Upstreams:       c.Upstreams,
		UpstreamCA:      c.UpstreamCA,
		RecordDir:       c.RecordDir,
		RecordKeepHosts: c.RecordKeepHosts,

		State:             c.State,
		StatePasswordFile: c.StatePasswordFile,
		Replica:           c.Replica,
	}
	if c.TLS {
		o.TLSDir = c.TLSDir
	}
	if c.Scenarios != "" {
		data, err := simulators.ReadConfig(c.Scenarios)
		if err != nil {
			return o, err
		}
		o.Scenarios, o.ScenariosName, o.NoBuiltinScenarios = data, c.Scenarios, c.NoBuiltinScenarios
	}
	return o, nil
}

// tuneGC trades a little memory for fewer collections: a fake vendor
// answers small requests at a high rate, and its live heap is small and
// bounded (journal ring, token stores). A soft limit keeps the resident
// size under 40 MiB while the live heap is a load test's (7-8 MiB: a
// token store full, the journal, the contracts); when it grows (large
// bodies in the journal, every vendor's store full), the limit follows it
// (followLiveHeap), so a larger heap costs memory, not collections one
// after another. GOGC and GOMEMLIMIT in the environment win.
func tuneGC(ctx context.Context) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryFloor)
		go followLiveHeap(ctx, time.Second)
	}
}

// memoryFloor is the soft memory limit while the live heap is small.
const memoryFloor = 22 << 20

// limitFor is the soft memory limit for a live heap: the floor, or room
// for the live heap to double and the runtime's own.
func limitFor(live uint64) int64 {
	return max(memoryFloor, int64(2*live)+6<<20)
}

// followLiveHeap sets the soft memory limit from the live heap, every
// period, until ctx ends.
func followLiveHeap(ctx context.Context, period time.Duration) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	tick.Every(ctx, period, func() {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			debug.SetMemoryLimit(limitFor(sample[0].Value.Uint64()))
		}
	})
}

func serve(ctx context.Context, c serveConfig, stdout, stderr io.Writer) error {
	tuneGC(ctx)
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: c.LogLevel}))
	opts, err := c.options(log)
	if err != nil {
		return err
	}
	stack, err := simulators.Start(opts)
	if err != nil {
		return err
	}
	if c.Watch && c.Scenarios != "" {
		go watch(ctx, []string{c.Scenarios}, time.Second, log, "scenarios", func() error {
			data, err := simulators.ReadConfig(c.Scenarios)
			if err != nil {
				return err
			}
			return stack.ReloadScenarios(c.Scenarios, data)
		})
	}
	if c.Watch && c.FixturesDir != "" {
		var files []string
		for _, v := range simulators.VendorNames() {
			files = append(files, filepath.Join(c.FixturesDir, v+".yaml"))
		}
		go watch(ctx, files, time.Second, log, "fixtures", func() error { return stack.ReloadFixtures(c.FixturesDir) })
	}
	if err := printBanner(stdout, stack, c); err != nil {
		_ = stack.Close()
		return err
	}
	log.Info("mockauth serving", slog.String("admin", stack.AdminURL()), slog.Bool("strict", c.Strict), slog.Bool("tls", c.TLS),
		slog.String("scenarios", stack.Scenarios().File()), slog.Any("active", stack.Scenarios().ActiveNames()))
	<-ctx.Done()
	log.Info("shutting down: finishing requests in flight")
	if err := stack.Close(); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// portPlan says which vendor is on which port after the base: "ucontact
// +1, crmcom +2, ...".
func portPlan() string {
	var parts []string
	for _, name := range simulators.VendorNames() {
		parts = append(parts, fmt.Sprintf("%s +%d", name, simulators.PortOffset(name)))
	}
	return strings.Join(parts, ", ")
}

// checkVendor refuses a name that is no vendor's, with the names it may
// have meant.
func checkVendor(name string) error {
	if err := simulators.CheckVendor(name); err != nil {
		return usagef("%v", err)
	}
	return nil
}

// requiredVendor is checkVendor for a --vendor a command cannot go without.
func requiredVendor(name string) error {
	if name == "" {
		return usagef("--vendor is required (%s)", vendorList())
	}
	return checkVendor(name)
}

// vendorList names the vendors for help texts: "a, b, c or d".
func vendorList() string {
	names := simulators.VendorNames()
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// printBanner writes one line per vendor with its base URL and demo login.
func printBanner(w io.Writer, stack *simulators.Stack, c serveConfig) error {
	vendors, err := stack.Vendors()
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "admin\t%s\tdashboard at /, API under /__admin/\n", stack.AdminURL())
	for _, v := range vendors {
		demo := maps.Clone(v.Demo)
		for _, k := range v.Spec.LiveDemo {
			if _, ok := demo[k]; ok {
				demo[k] = "(mockauth env)" // a live credential stays out of terminals and CI logs
			}
		}
		if u, ok := c.Upstreams[v.Name]; ok {
			fmt.Fprintf(tw, "%s\t%s\tproxy to %s (the real service answers)\n", v.Name, v.BaseURL, u.Redacted())
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\tfixtures: %s\tdemo: %s\n", v.Name, v.BaseURL, v.Fixtures, demoLine(demo))
	}
	_ = tw.Flush()
	if c.RecordDir != "" {
		fmt.Fprintf(w, "recording the real answers, redacted, into %s (replay: mockauth serve --fixtures %s)\n", c.RecordDir, c.RecordDir)
	}
	if h, ok := stack.StateHealth(); ok {
		fmt.Fprintf(w, "shared state: %s, replica %s (live replicas: %s)\n", h.URL, h.Replica, strings.Join(h.Replicas, ", "))
	}
	if c.TLS {
		abs, err := filepath.Abs(filepath.Join(c.TLSDir, simulators.CAFile))
		if err != nil {
			abs = filepath.Join(c.TLSDir, simulators.CAFile)
		}
		fmt.Fprintf(w, "TLS CA: %s (e.g. SSL_CERT_FILE=%s, curl --cacert %s)\n", abs, abs, abs)
	}
	return nil
}

// demoLine lists a vendor's demo logins, or says it has none.
func demoLine(demo map[string]string) string {
	if len(demo) == 0 {
		return "none (no login of its fixtures is marked demo: true)"
	}
	keys := make([]string, 0, len(demo))
	for k := range demo {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + demo[k]
	}
	return strings.Join(parts, " ")
}

// watch calls reload whenever one of the files changes size or
// modification time (appears or goes, too), polling every interval: a
// Kubernetes ConfigMap update swaps a symlink, which inotify-style watches
// can miss. A failed reload is logged with its reason and changes nothing.
func watch(ctx context.Context, paths []string, interval time.Duration, log *slog.Logger, what string, reload func() error) {
	stamp := func() string {
		var b strings.Builder
		for _, p := range paths {
			if fi, err := os.Stat(p); err == nil {
				fmt.Fprintf(&b, "%s %d %d;", p, fi.Size(), fi.ModTime().UnixNano())
			}
		}
		return b.String()
	}
	last := stamp()
	tick.Every(ctx, interval, func() {
		now := stamp()
		if now == last {
			return
		}
		last = now
		if err := reload(); err != nil {
			log.Warn(what+" not reloaded; what is loaded stays", slog.String("error", err.Error()))
		}
	})
}

// maxSecretFile bounds a secret file: a secret is a line.
const maxSecretFile = 4 << 10

// readSecret reads a secret from a regular file, without its line ending.
func readSecret(path string) (string, error) {
	st, err := os.Stat(path)
	switch {
	case err != nil:
		return "", err
	case !st.Mode().IsRegular():
		return "", fmt.Errorf("%s is not a regular file", path)
	case st.Size() > maxSecretFile:
		return "", fmt.Errorf("%s is %d bytes: a secret file holds one line (at most %d bytes)", path, st.Size(), maxSecretFile)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	secret := strings.TrimRight(string(data), "\r\n")
	if secret == "" || strings.ContainsAny(secret, "\r\n") {
		return "", fmt.Errorf("%s: want one line, the secret", path)
	}
	return secret, nil
}
