package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/mockauth/mockauth/simulators"
)

// stackTarget is how a command finds the running stack it acts on, the
// same for every command: the flags (--admin-url, or --bind and
// --port-base), then MOCKAUTH_ADMIN_URL, then MOCKAUTH_BIND and
// MOCKAUTH_PORT_BASE, then the defaults (127.0.0.1:9300) — as serve reads
// the same variables, a command run beside `MOCKAUTH_PORT_BASE=23800
// mockauth serve` finds that stack. A stack served with --tls is reached
// over HTTPS (--tls or MOCKAUTH_TLS, or an https admin URL) trusting its
// CA: --cacert, MOCKAUTH_CA_FILE, or ca.pem in --tls-dir.
type stackTarget struct {
	adminURL, bind, token, tlsDir, caFile string
	portBase                              int
	tls                                   bool

	fs *pflag.FlagSet

	// Resolved by resolve: the admin API's base URL, how it was found
	// (for errors), and the client that trusts the stack's CA.
	base, from string
	client     *http.Client
}

// stackFlags registers the flags of a stackTarget on fs.
func stackFlags(fs *pflag.FlagSet) *stackTarget {
	t := &stackTarget{fs: fs}
	fs.StringVar(&t.adminURL, "admin-url", "", "the stack's admin API base URL (also MOCKAUTH_ADMIN_URL, which mockauth env exports; default: from --bind and --port-base)")
	fs.StringVar(&t.bind, "bind", "127.0.0.1", "address the stack was started with (also MOCKAUTH_BIND)")
	fs.IntVar(&t.portBase, "port-base", simulators.DefaultPortBase, "port base the stack was started with (also MOCKAUTH_PORT_BASE)")
	fs.StringVar(&t.token, "admin-token", "", "the stack's admin token, if it has one (also MOCKAUTH_ADMIN_TOKEN)")
	fs.BoolVar(&t.tls, "tls", false, "the stack serves HTTPS (mockauth serve --tls; also MOCKAUTH_TLS)")
	fs.StringVar(&t.tlsDir, "tls-dir", ".mockauth-tls", "with --tls: the directory the stack keeps its CA in (DIR/ca.pem)")
	fs.StringVar(&t.caFile, "cacert", "", "PEM file of the CA the stack's HTTPS certificate comes from (also MOCKAUTH_CA_FILE; default: DIR/ca.pem of --tls-dir)")
	return t
}

// resolve finds the stack: the admin URL, how it was found, and a client
// for it.
func (t *stackTarget) resolve() error {
	if t.client != nil {
		return nil
	}
	changed := func(name string) bool { return t.fs.Changed(name) }
	envOf := func(flag string) (string, bool) { return os.LookupEnv(envVar(flag)) }
	if !changed("admin-token") {
		if v, ok := envOf("admin-token"); ok {
			t.token = v
		}
	}
	if !changed("tls") {
		if v, ok := envOf("tls"); ok {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return usagef("MOCKAUTH_TLS=%q: want true or false", v)
			}
			t.tls = b
		}
	}
	if !changed("cacert") {
		if v, ok := envOf("ca-file"); ok {
			t.caFile = v
		}
	}
	if !changed("tls-dir") {
		if v, ok := envOf("tls-dir"); ok {
			t.tlsDir = v
		}
	}
	scheme := "http"
	if t.tls {
		scheme = "https"
	}
	hostPort := func(from string) {
		host := t.bind
		if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
			host = "127.0.0.1" // a stack bound to every address answers on loopback
			if ip.To4() == nil {
				host = "::1"
			}
		}
		t.base = scheme + "://" + net.JoinHostPort(host, strconv.Itoa(t.portBase))
		t.from = from
	}
	switch envURL, hasEnvURL := envOf("admin-url"); {
	case changed("admin-url"):
		t.base, t.from = t.adminURL, "--admin-url"
	case changed("bind") || changed("port-base"):
		hostPort("--bind and --port-base")
	case hasEnvURL && envURL != "":
		t.base, t.from = envURL, "MOCKAUTH_ADMIN_URL"
	default:
		var from []string
		if v, ok := envOf("bind"); ok {
			t.bind = v
			from = append(from, "MOCKAUTH_BIND="+v)
		}
		if v, ok := envOf("port-base"); ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 65535 {
				return usagef("MOCKAUTH_PORT_BASE=%q: want a port number", v)
			}
			t.portBase = n
			from = append(from, "MOCKAUTH_PORT_BASE="+v)
		}
		if len(from) == 0 {
			from = []string{"the defaults"}
		}
		hostPort(strings.Join(from, " and "))
	}
	u, err := url.Parse(t.base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usagef("admin URL %q (from %s): want http://HOST:PORT or https://HOST:PORT", t.base, t.from)
	}
	t.base = strings.TrimSuffix(t.base, "/")
	t.client = &http.Client{Timeout: 10 * time.Second}
	if u.Scheme == "https" {
		pool, err := t.roots()
		if err != nil {
			return err
		}
		t.client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	}
	return nil
}

// caPath is the CA file the client trusts: --cacert (or MOCKAUTH_CA_FILE),
// or DIR/ca.pem of --tls-dir when it exists; "" for the system roots.
func (t *stackTarget) caPath() string {
	if t.caFile != "" {
		return t.caFile
	}
	p := filepath.Join(t.tlsDir, simulators.CAFile)
	if _, err := os.Stat(p); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			return abs
		}
		return p
	}
	return ""
}

// roots are the system roots and the stack's CA.
func (t *stackTarget) roots() (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	p := t.caPath()
	if p == "" {
		return pool, nil
	}
	pem, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("the stack's CA: %w", err)
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("the stack's CA %s holds no PEM certificate", p)
	}
	return pool, nil
}

// url is an admin API call's URL: path below /__admin.
func (t *stackTarget) url(path string) string { return t.base + simulators.AdminPrefix + path }

// unreachableError is a stack that did not answer at all (not started, or
// stopped, or another address), as opposed to one that answered an error.
type unreachableError struct {
	base, from string
	err        error
}

func (e *unreachableError) Error() string {
	return fmt.Sprintf("no mockauth stack answered at %s (found from %s): %v; is 'mockauth serve' running there?", e.base, e.from, e.err)
}

func (e *unreachableError) Unwrap() error { return e.err }

// call makes one admin API call, turning its JSON error into an error;
// body, when not nil, is sent as JSON.
func (t *stackTarget) call(ctx context.Context, method, path string, body []byte, out any) error {
	if err := t.resolve(); err != nil {
		return err
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, t.url(path), rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if t.token != "" {
		req.Header.Set("Authorization", "Bearer "+t.token)
	}
	res, err := t.client.Do(req)
	if err != nil {
		var tlsErr tls.RecordHeaderError
		if errors.As(err, &tlsErr) {
			return fmt.Errorf("the stack at %s (found from %s) does not speak HTTPS: drop --tls or MOCKAUTH_TLS", t.base, t.from)
		}
		return &unreachableError{t.base, t.from, err}
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return err
	}
	if res.StatusCode == http.StatusBadRequest && bytes.Contains(data, []byte("HTTP request to an HTTPS server")) {
		return fmt.Errorf("the stack at %s (found from %s) serves HTTPS: add --tls (and --cacert CA.pem, or --tls-dir DIR), or set MOCKAUTH_ADMIN_URL=https://…", t.base, t.from)
	}
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		return fmt.Errorf("%s (found from %s) answered %s %s with %s, not a mockauth admin API's JSON: is another server on that port?",
			t.base, t.from, method, t.url(path), res.Status)
	}
	if res.StatusCode != http.StatusOK {
		var e struct{ Error string }
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			return errors.New(e.Error)
		}
		return fmt.Errorf("the admin API at %s answered %s: %s", t.base, res.Status, bytes.TrimSpace(data))
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s answered %s with JSON that is not a mockauth admin API's: %v", t.base, path, err)
	}
	return nil
}

// callWaiting is call, retried while the stack is unreachable, for up to
// wait: a stack that is still starting answers soon.
func (t *stackTarget) callWaiting(ctx context.Context, wait time.Duration, method, path string, out any) error {
	deadline := time.Now().Add(wait)
	for {
		err := t.call(ctx, method, path, nil, out)
		var unreachable *unreachableError
		if err == nil || !errors.As(err, &unreachable) || !time.Now().Before(deadline) {
			if err != nil && wait > 0 && errors.As(err, &unreachable) {
				return fmt.Errorf("no stack answered within %v: %w", wait, err)
			}
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(100 * time.Millisecond):
		}
	}
}
