package clienttests

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mockauth/mockauth/simulators/vendor"
)

// Reference is the careful client of every vendor endpoint, written as a
// user of the vendor would write it: a timeout on every attempt, retries
// of transient failures only (transport errors, 5xx, 429, garbled
// answers), Retry-After honoured, at most three attempts, the vendor's
// error answers ("0", Error, the envelope's code, the empty GUID) taken as
// failures and never as tokens.
type Reference struct {
	// AttemptTimeout bounds one request (default 2.5 s: an answer slower
	// than that on a loaded machine would otherwise be retried at once,
	// and a 503's Retry-After never seen).
	AttemptTimeout time.Duration
	// HTTP is the client to use (default: a plain one).
	HTTP *http.Client
}

// Errors of the reference client.
var (
	// ErrRejected is the vendor refusing the login (no retry).
	ErrRejected = vendor.ErrRejected
)

const maxAttempts = 3

func (rc Reference) httpClient() *http.Client {
	if rc.HTTP != nil {
		return rc.HTTP
	}
	return http.DefaultClient
}

func (rc Reference) timeout() time.Duration {
	if rc.AttemptTimeout > 0 {
		return rc.AttemptTimeout
	}
	return 2500 * time.Millisecond
}

// call sends a request, retrying transient failures.
func (rc Reference) call(ctx context.Context, r vendor.ClientCall) (string, error) {
	var last error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		v, retryAfter, err := rc.once(ctx, r)
		if err == nil || errors.Is(err, vendor.ErrRejected) || errors.Is(err, vendor.ErrStale) {
			return v, err
		}
		last = err
		if attempt == maxAttempts {
			break
		}
		wait := retryAfter
		if wait == 0 {
			wait = 100 * time.Millisecond * time.Duration(attempt)
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return "", fmt.Errorf("giving up: next try would pass the deadline: %w", last)
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	return "", fmt.Errorf("giving up after %d attempts: %w", maxAttempts, last)
}

// once makes one attempt; retryAfter is what a 429 or 503 asked for.
func (rc Reference) once(ctx context.Context, r vendor.ClientCall) (string, time.Duration, error) {
	status, body, retryAfter, err := rc.send(ctx, r)
	if err != nil {
		return "", 0, err // transport: retried
	}
	if status == http.StatusTooManyRequests || status >= 500 {
		return "", retryAfter, fmt.Errorf("HTTP %d", status)
	}
	v, err := r.Parse(status, body, func(follow vendor.ClientCall) (int, []byte, error) {
		st, b, _, err := rc.send(ctx, follow)
		return st, b, err
	})
	return v, 0, err
}

// send sends one request, bounded by the attempt timeout.
func (rc Reference) send(ctx context.Context, r vendor.ClientCall) (status int, body []byte, retryAfter time.Duration, err error) {
	actx, cancel := context.WithTimeout(ctx, rc.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(actx, r.Method, r.URL, strings.NewReader(r.Request.EncodedBody()))
	if err != nil {
		return 0, nil, 0, fmt.Errorf("%w: %v", vendor.ErrRejected, err)
	}
	for k, v := range map[string]string{"Content-Type": r.Request.ContentType, "Accept": r.Request.Accept, "Authorization": r.Request.Auth} {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	res, err := rc.httpClient().Do(req)
	if err != nil {
		return 0, nil, 0, err
	}
	defer res.Body.Close()
	body, err = io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return 0, nil, 0, err
	}
	secs, _ := strconv.Atoi(res.Header.Get("Retry-After"))
	return res.StatusCode, body, time.Duration(secs) * time.Second, nil
}

// Login implements Client: the vendor's own flow for the endpoint, from
// its description.
func (rc Reference) Login(ctx context.Context, env Env) (string, error) {
	base, c := strings.TrimSuffix(env.BaseURL, "/"), env.Creds
	_, ce, err := conformanceEndpoint(env.Vendor, env.Endpoint)
	if err != nil {
		return "", fmt.Errorf("reference client: %w", err)
	}
	login := ce.Flow.Login(base, c)
	tok, err := rc.call(ctx, login)
	if err != nil || ce.Flow.Check == nil {
		return tok, err
	}
	if ce.Protected {
		return rc.flow(ctx, base, c, ce.Flow, tok, max(env.Calls, 1))
	}
	// A token-checking flow: prove the token, log in again once if refused.
	if _, err = rc.call(ctx, ce.Flow.Check(base, c, tok)); errors.Is(err, vendor.ErrStale) {
		if tok, err = rc.call(ctx, login); err != nil {
			return "", err
		}
		_, err = rc.call(ctx, ce.Flow.Check(base, c, tok))
	}
	if err != nil {
		return "", err
	}
	return tok, nil
}

// flow makes a protected endpoint's calls with a token: a refused one
// gets one new login and one retry (a second refusal in a row is final:
// logging in again at once would only be refused again), and the session
// is ended after the last call.
func (rc Reference) flow(ctx context.Context, base string, c map[string]string, f vendor.Flow, tok string, calls int) (string, error) {
	for range calls {
		_, err := rc.call(ctx, f.Check(base, c, tok))
		if errors.Is(err, vendor.ErrStale) {
			if tok, err = rc.call(ctx, f.Login(base, c)); err != nil {
				return "", err
			}
			if _, err = rc.call(ctx, f.Check(base, c, tok)); errors.Is(err, vendor.ErrStale) {
				return "", fmt.Errorf("a fresh token was refused too: %w", err)
			}
		}
		if err != nil {
			return "", err
		}
	}
	if f.End != nil {
		if _, err := rc.call(ctx, f.End(base, c, tok)); err != nil {
			return "", fmt.Errorf("ending the session: %w", err)
		}
	}
	return tok, nil
}
