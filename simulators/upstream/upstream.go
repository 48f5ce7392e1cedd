// Package upstream puts the stack in front of a real vendor (proxy mode):
// a vendor's port forwards its requests to the real service, and what the
// real service answers goes through the pipeline like a simulator's answer
// (scenarios, journal, contract check). It also keeps the drift report (how
// the real answers differ from the contract) and records real answers as
// stubs a simulator can replay.
//
// It knows nothing of vendors: the pipeline tells it what a request was.
package upstream

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"
)

// MaxAnswerBytes bounds an answer of the real service: the pipeline keeps
// it whole to check and journal it; a larger one is answered 502.
const MaxAnswerBytes = 8 << 20

// Answer headers of the stack's own when the real service gave none.
const (
	MsgUnreachable = "mockauth: the upstream did not answer"
	MsgTooLarge    = "mockauth: the upstream's answer is larger than 8 MiB"
	MsgBusy        = "mockauth: the stack holds as many of the upstream's answers as it may at once; try again"
)

// DefaultBudget is how many bytes of real answers a stack holds at once,
// counted as heldCopies of each (issue 31, N4): 64 concurrent 8 MiB
// answers had a stack at 1 GiB.
const DefaultBudget = 64 << 20

// heldCopies is what holding an answer costs, in copies of it: the read
// buffer, the pipeline's own, and the contract check's and journal's work
// on it.
const heldCopies = 4

// Budget bounds the bytes of real answers the stack holds at once: an
// answer past it is answered 503 at once (Retry-After: 1), not read into
// memory.
type Budget struct {
	sem  *semaphore.Weighted
	size int64
}

// NewBudget returns a budget of n bytes.
func NewBudget(n int64) *Budget { return &Budget{sem: semaphore.NewWeighted(n), size: n} }

// Hold is one exchange's share of the budget, given back when the
// exchange ends (Release): the pipeline holds the answer until then.
type Hold struct {
	b  *Budget
	mu sync.Mutex // guards n
	n  int64
}

// NewHold is an empty share.
func (b *Budget) NewHold() *Hold { return &Hold{b: b} }

// take adds n bytes to the share, or reports that the budget has no room.
func (h *Hold) take(n int64) bool {
	if h == nil {
		return true // an exchange outside a pipeline (a test's proxy): unbounded
	}
	if n > h.b.size || !h.b.sem.TryAcquire(n) {
		return false
	}
	h.mu.Lock()
	h.n += n
	h.mu.Unlock()
	return true
}

// give returns n bytes of the share early.
func (h *Hold) give(n int64) {
	if h == nil || n <= 0 {
		return
	}
	h.mu.Lock()
	n = min(n, h.n)
	h.n -= n
	h.mu.Unlock()
	h.b.sem.Release(n)
}

// Release gives the share back.
func (h *Hold) Release() {
	if h == nil {
		return
	}
	h.mu.Lock()
	n := h.n
	h.n = 0
	h.mu.Unlock()
	if n > 0 {
		h.b.sem.Release(n)
	}
}

type holdKey struct{}

// WithHold returns ctx carrying an exchange's share of the budget.
func WithHold(ctx context.Context, h *Hold) context.Context {
	return context.WithValue(ctx, holdKey{}, h)
}

func holdFrom(ctx context.Context) *Hold {
	h, _ := ctx.Value(holdKey{}).(*Hold)
	return h
}

// ParseTarget reads VENDOR=URL: an http or https URL with a host, and an
// optional base path the vendor's documented paths are appended to.
func ParseTarget(s string) (vendor string, u *url.URL, err error) {
	name, raw, ok := strings.Cut(s, "=")
	if !ok || name == "" || raw == "" {
		return "", nil, fmt.Errorf("upstream %q: VENDOR=URL", s)
	}
	u, err = url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", nil, fmt.Errorf("upstream %s: %q is not an http or https URL with a host", name, raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", nil, fmt.Errorf("upstream %s: the URL is a scheme, a host and a base path (no credentials, query or fragment)", name)
	}
	return name, u, nil
}

// Transport is the client side of the proxy: the environment's HTTP proxy
// settings, TLS verified against the system roots plus the PEM
// certificates of caFile ("" for none).
func Transport(caFile string) (*http.Transport, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = 2 * time.Minute
	if caFile == "" {
		return tr, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("--upstream-ca: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--upstream-ca %s: no PEM certificate in it", caFile)
	}
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return tr, nil
}

// headerOwnPrefix starts the request headers of the stack's own
// (X-Mockauth-Scenario, ...), never forwarded.
const headerOwnPrefix = "X-Mockauth-"

// MsgDotDot refuses a path with a ".." segment: joined to the upstream's
// base path, it would reach past it.
const MsgDotDot = "mockauth: a path with a .. segment is not forwarded\n"

// bodyTimeout bounds reading an answer's body, as ResponseHeaderTimeout
// bounds its headers: an upstream that trickles cannot hold a request.
const bodyTimeout = 2 * time.Minute

// NewProxy forwards every request to target (its path appended to the
// target's base path), with the real service's Host, and answers what the
// service answered: status, headers (hop-by-hop ones aside) and body byte
// for byte. A service that cannot be reached, or answers more than
// MaxAnswerBytes, is answered 502 with a plain line saying so.
func NewProxy(target *url.URL, tr http.RoundTripper, log *slog.Logger) http.Handler {
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			for h := range pr.Out.Header {
				if strings.HasPrefix(http.CanonicalHeaderKey(h), headerOwnPrefix) {
					pr.Out.Header.Del(h)
				}
			}
			// The pipeline reads the answer (journal, contract, recording):
			// the transport asks for gzip itself and hands it back decoded.
			pr.Out.Header.Del("Accept-Encoding")
		},
		Transport: tr,
		ModifyResponse: func(res *http.Response) error {
			// Read whole (and bounded) here: the pipeline buffers the answer
			// anyway, and a copy error later would abort the connection. The
			// exchange's share of the budget grows as the answer is read.
			defer res.Body.Close()
			if res.ContentLength > MaxAnswerBytes {
				return errTooLarge
			}
			// An answer of unknown length takes room for the largest one,
			// and gives back what it did not need once read: room taken
			// bit by bit, by many answers at once, would leave each one
			// part of what it needs and none able to finish.
			hold := holdFrom(res.Request.Context())
			want := res.ContentLength
			if want < 0 {
				want = MaxAnswerBytes
			}
			if !hold.take(heldCopies * want) {
				return errBusy
			}
			var body bytes.Buffer
			if res.ContentLength > 0 {
				body.Grow(int(res.ContentLength) + 1)
			}
			stop := time.AfterFunc(bodyTimeout, func() { res.Body.Close() })
			defer stop.Stop()
			if _, err := io.Copy(&body, io.LimitReader(res.Body, MaxAnswerBytes+1)); err != nil {
				return err
			}
			if body.Len() > MaxAnswerBytes {
				return errTooLarge
			}
			hold.give(heldCopies * (want - int64(body.Len())))
			res.Body = io.NopCloser(bytes.NewReader(body.Bytes()))
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			status, msg := http.StatusBadGateway, MsgUnreachable+"\n"
			switch {
			case errors.Is(context.Cause(r.Context()), ErrShuttingDown):
				status, msg = http.StatusServiceUnavailable, MsgShuttingDown
				w.Header().Set("Connection", "close")
				w.Header().Set("Retry-After", "1")
			case errors.Is(err, errTooLarge):
				msg = MsgTooLarge + "\n"
			case errors.Is(err, errBusy):
				status, msg = http.StatusServiceUnavailable, MsgBusy+"\n"
				w.Header().Set("Retry-After", "1")
			}
			log.Warn("upstream", slog.String("host", target.Host), slog.String("path", r.URL.Path), slog.Any("error", err))
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, msg)
		},
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, seg := range strings.Split(r.URL.Path, "/") {
			if seg == ".." {
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				w.WriteHeader(http.StatusBadRequest)
				_, _ = io.WriteString(w, MsgDotDot)
				return
			}
		}
		rp.ServeHTTP(w, r)
	})
}

// ErrShuttingDown is the cause a pipeline cancels a proxied call with when
// the stack shuts down: the client is answered 503, not cut off.
var ErrShuttingDown = errors.New("the stack is shutting down")

// MsgShuttingDown answers a proxied call cut short by the stack's shutdown.
const MsgShuttingDown = "mockauth: the stack is shutting down\n"

var (
	errTooLarge = errors.New("answer larger than MaxAnswerBytes")
	errBusy     = errors.New("no room in the budget of answers held at once")
)
