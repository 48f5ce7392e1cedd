package simulators

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/mockauth/mockauth/simulators/journal"
	"github.com/mockauth/mockauth/simulators/redact"
	"github.com/mockauth/mockauth/simulators/tokens"
	"github.com/mockauth/mockauth/simulators/upstream"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// proxied is a vendor in proxy mode (Options.Upstreams): the real service
// answers instead of the simulator, and the pipeline does the rest.
type proxied struct {
	handler  http.Handler       // forwards to the real service
	drift    *upstream.Drift    // the stack's drift report
	recorder *upstream.Recorder // nil unless recording
	spec     vendor.Spec
	answers  redact.Policy    // the usual secrets, for the tokens an answer hands out
	budget   *upstream.Budget // the bytes of real answers held at once, shared by the stack's proxies
}

// fromUpstream notes what the real service answered: the tokens it hands
// out (kept out of the journal, as minted ones are) and the answer itself,
// for the recording and the drift report.
func (p *pipeline) fromUpstream(x *exchange, r *http.Request, rec *recorder) {
	if p.upstream == nil || x.stub != nil {
		return
	}
	x.upstreamEchoes = requestSecrets(x.vs.reqRedact, r, x.body)
	// What the request itself carried is no token the service handed out
	// (a password it echoes): masked, never minted afresh on replay.
	x.upstreamAnswer, x.upstreamTokens = rec, slices.DeleteFunc(p.upstream.tokensIn(rec, x.call.Endpoint), func(t string) bool {
		_, echoed := slices.BinarySearch(x.upstreamEchoes, t)
		return echoed
	})
	for _, t := range x.upstreamTokens {
		tokens.Note(r.Context(), t)
	}
}

// requestSecrets are the secrets a request carries, as sent: its secret
// fields (a password), secret query parameters, and the credential of a
// secret header (a Basic pair's password too). A real service that repeats
// one in its answer (a validation error's rejectedValue) must not put it
// in the journal, a recording or the drift report (issue 31, N1).
func requestSecrets(p redact.Policy, r *http.Request, body []byte) []string {
	out := p.SecretValues(r.Header.Get("Content-Type"), body)
	if q, err := url.ParseQuery(r.URL.RawQuery); err == nil {
		for k, vs := range q {
			if p.Secret(k) {
				out = append(out, vs...)
			}
		}
	}
	masked := p.Headers(r.Header)
	for name, vs := range r.Header {
		for i, v := range vs {
			if i >= len(masked[name]) || masked[name][i] == v {
				continue // not a credential
			}
			scheme, cred, ok := strings.Cut(v, " ")
			if !ok {
				out = append(out, v)
				continue
			}
			out = append(out, strings.TrimSpace(cred))
			if strings.EqualFold(scheme, "Basic") {
				if pair, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred)); err == nil {
					if _, pw, ok := strings.Cut(string(pair), ":"); ok {
						out = append(out, pw)
					}
				}
			}
		}
	}
	out = slices.DeleteFunc(out, func(v string) bool { return len(v) < redact.MinEchoed })
	slices.Sort(out)
	return slices.Compact(out)
}

// tokensIn are the credentials an answer holds: the values of its secret
// fields, the token the endpoint's sample reads from it (uContact's
// UserLogin list's last element, whoever answered), or the whole answer
// when it is one JSON string of token characters (uContact's getUserToken
// answers its token so).
func (u *proxied) tokensIn(rec *recorder, endpoint string) []string {
	body := rec.body.Bytes()
	var out []string
	if e, ok := u.spec.Endpoint(endpoint); ok && e.Sample != nil && e.Sample.Token != nil && rec.status < 400 {
		if t, ok := e.Sample.Token.Read(body); ok && len(t) >= 8 {
			out = append(out, t)
		}
	}
	for _, v := range u.answers.SecretValues(rec.header.Get("Content-Type"), body) {
		if len(v) >= 8 {
			out = append(out, v)
		}
	}
	trimmed := bytes.TrimSpace(body)
	var s string
	if len(trimmed) >= 18 && trimmed[0] == '"' && json.Unmarshal(trimmed, &s) == nil && tokenLike(s) {
		out = append(out, s)
	}
	return out
}

// tokenLike: 16 or more characters of base64, base64url, hex or a JWT.
func tokenLike(s string) bool {
	return len(s) >= 16 && strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-.") == ""
}

// record hands the real answer of an exchange to the recorder.
func (u *proxied) record(p *pipeline, x *exchange) {
	if u.recorder == nil || x.upstreamAnswer == nil {
		return
	}
	ex := upstream.Exchange{
		Vendor: u.spec.Name, Request: x.r, Body: x.body, Policy: x.vs.reqRedact,
		Status: x.upstreamAnswer.status, Header: x.upstreamAnswer.header, Answer: x.upstreamAnswer.body.Bytes(),
		Tokens: x.upstreamTokens, Echoes: x.upstreamEchoes, Auth: vendor.AuthNone,
	}
	if !x.unmatched {
		ex.Endpoint = x.call.Endpoint
		if _, _, ok := p.validator.Operation(x.call.Endpoint); ok {
			ex.Contract = x.call.Endpoint
		}
	}
	if scheme := x.vs.endpointAuth[ex.Endpoint]; scheme != "" {
		ex.Auth = scheme
	} else if scheme := u.schemeOf(x); scheme != "" {
		ex.Auth = scheme
	}
	u.recorder.Record(ex)
}

// schemeOf names the vendor's check of a call that carries a token an
// earlier recorded answer handed out: the vendor's only check, or the one
// named as the Authorization header's scheme; "" for none.
func (u *proxied) schemeOf(x *exchange) string {
	scheme, cred, _ := strings.Cut(x.r.Header.Get("Authorization"), " ")
	carried := []string{strings.TrimSpace(cred)}
	if q, err := url.ParseQuery(x.r.URL.RawQuery); err == nil {
		for _, vs := range q {
			carried = append(carried, vs...)
		}
	}
	carried = append(carried, x.vs.reqRedact.SecretValues(x.r.Header.Get("Content-Type"), x.body)...)
	seen := false
	for _, c := range carried {
		if c != "" && u.recorder.Seen(c) {
			seen = true
			break
		}
	}
	switch {
	case !seen:
		return ""
	case len(u.spec.Auth) == 1:
		return u.spec.Auth[0].Name
	}
	for _, a := range u.spec.Auth {
		if strings.EqualFold(a.Name, scheme) {
			return a.Name
		}
	}
	return ""
}

// driftNote is what the contract check of a real answer needs to report
// drift: where to, and the answer, redacted into an example only when it
// drifts.
type driftNote struct {
	drift    *upstream.Drift
	vendor   string
	endpoint string
	answer   *recorder
	redact   redact.Policy
	minted   []string
	echoes   []string // the request's own secrets, masked where the answer repeats them
	example  upstream.Example
}

// add reports the violations of the real answers (those of the request
// are the client's, not drift), already one kind per rule
// (contracts.DriftKinds, applied once by the pipeline: a second pass would
// read the split lines as a oneOf's shapes and keep one), and marks the
// journal entry.
func (d *driftNote) add(j *journal.Journal, violations []string, now time.Time) {
	var answers []string
	for _, v := range violations {
		if strings.Contains(v, " response ") {
			answers = append(answers, v)
		}
	}
	if len(answers) == 0 {
		return
	}
	ex := d.example
	ex.Body = redact.Echoed(journaled(d.redact, ex.ContentType, d.answer.body.Bytes(), d.minted), d.echoes)
	d.drift.Add(d.vendor, d.endpoint, answers, ex, now)
	j.MarkDrift(d.example.Entry)
}

// checkUpstreams refuses an upstream for a vendor the stack does not run,
// and makes what the proxies share: their transport, the recorder.
func (s *Stack) checkUpstreams(specs []vendor.Spec) error {
	if len(s.opts.Upstreams) == 0 {
		if s.opts.RecordDir != "" {
			return errors.New("simulators: recording needs an upstream (--upstream VENDOR=URL) to record")
		}
		return nil
	}
	for name := range s.opts.Upstreams {
		if !slices.ContainsFunc(specs, func(sp vendor.Spec) bool { return sp.Name == name }) {
			return fmt.Errorf("simulators: upstream for %q: no such vendor in this stack", name)
		}
	}
	tr, err := upstream.Transport(s.opts.UpstreamCA)
	if err != nil {
		return err
	}
	s.upstreamTransport, s.upstreamBudget = tr, upstream.NewBudget(upstream.DefaultBudget)
	if s.opts.RecordDir != "" {
		if s.recorder, err = upstream.NewRecorder(s.opts.RecordDir, s.opts.RecordKeepHosts, s.log); err != nil {
			return err
		}
	}
	return nil
}

// proxyTo puts a vendor in front of its real service at u.
func (s *Stack) proxyTo(spec vendor.Spec, u *url.URL, fx vendor.File, stubs int) (*proxied, error) {
	px := &proxied{handler: upstream.NewProxy(u, s.upstreamTransport, s.log), drift: s.drift, recorder: s.recorder,
		spec: spec, answers: redact.NewPolicy(), budget: s.upstreamBudget}
	if s.recorder != nil {
		s.recorder.Vendor(spec.Name, fx.Data, spec.Fixtures.Data, []string{u.Host, u.Hostname()}, stubs)
	}
	s.log.Info("proxy mode: the real service answers", slog.String("vendor", spec.Name), slog.String("upstream", u.Redacted()))
	return px, nil
}

// flushRecording writes the recorded files every half second until the
// stack stops (Close writes them a last time).
func (s *Stack) flushRecording() {
	if s.recorder == nil {
		return
	}
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
			if err := s.recorder.Flush(); err != nil {
				s.log.Error("record", slog.Any("error", err))
			}
		}
	}
}

// Drift is how the real answers of proxied vendors differed from their
// contracts so far (empty without Options.Upstreams).
func (s *Stack) Drift() upstream.Report {
	s.Sync() // the checks of what was sent so far
	return s.drift.Report()
}
