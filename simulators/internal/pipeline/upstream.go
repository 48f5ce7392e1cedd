package pipeline

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/mockauth/mockauth/contracts"
	"github.com/mockauth/mockauth/simulators/journal"
	"github.com/mockauth/mockauth/simulators/redact"
	"github.com/mockauth/mockauth/simulators/tokens"
	"github.com/mockauth/mockauth/simulators/upstream"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// Proxy puts a vendor in front of its real service (proxy mode): the real
// service answers instead of the simulator; scenarios, the journal, the
// contract check (its violations reported as drift) and the near-miss
// diagnosis still apply.
type Proxy struct {
	Handler  http.Handler       // forwards to the real service (upstream.NewProxy)
	Drift    *upstream.Drift    // the stack's drift report
	Recorder *upstream.Recorder // nil unless recording (--record)
	Budget   *upstream.Budget   // the bytes of real answers held at once, shared by the stack's proxies
	// Hosts are the Host names answered beyond the loopback ones: a page
	// a DNS rebinding points at the stack gets 403, not the real service.
	Hosts []string
}

// upstreamResponder: the real service answers.
type upstreamResponder struct {
	Proxy
	spec    vendor.Spec
	answers redact.Policy // the usual secrets, for the tokens an answer hands out
}

func newUpstreamResponder(spec vendor.Spec, px *Proxy) *upstreamResponder {
	return &upstreamResponder{Proxy: *px, spec: spec, answers: redact.NewPolicy()}
}

// realAnswer is what the real service answered in an exchange.
type realAnswer struct {
	answer *buffered
	tokens []string // the tokens it handed out in it
	echoes []string // the request's own secrets, masked where it repeats them
}

// respond asks the real service. The answer is held until the exchange
// ends: its share of the stack's budget too. A call still waiting on the
// real service when the stack shuts down (past the drain window) is
// answered 503 with Connection: close, never cut off without an answer
// (issue 31, N13).
func (u *upstreamResponder) respond(x *exchange, r *http.Request) *buffered {
	hold := u.Budget.NewHold()
	x.release = hold.Release
	// From the request's own context, not the exchange's (admit.go): the
	// goroutine below may cancel it after the exchange is done.
	ctx, cancel := context.WithCancelCause(upstream.WithHold(x.r.Context(), hold))
	defer cancel(nil)
	cut := x.p.sh.cut // not x: the goroutine may outlive the exchange
	go func() {
		select {
		case <-cut:
			cancel(upstream.ErrShuttingDown)
		case <-ctx.Done():
		}
	}()
	ans := x.serveBuffered(u.Handler, r.WithContext(ctx))
	u.noteAnswer(x, r, ans)
	return ans
}

// refuse is the simulator's error: the real service's own is not asked for.
func (u *upstreamResponder) refuse(x *exchange, r *http.Request) *buffered {
	return simulated{}.refuse(x, r)
}

// noteAnswer notes what the real service answered: the tokens it hands
// out (kept out of the journal, as minted ones are) and the answer itself,
// for the recording and the drift report.
func (u *upstreamResponder) noteAnswer(x *exchange, r *http.Request, ans *buffered) {
	x.real.echoes = requestSecrets(x.vs.reqRedact, r, x.body)
	// What the request itself carried is no token the service handed out
	// (a password it echoes): masked, never minted afresh on replay.
	x.real.answer, x.real.tokens = ans, slices.DeleteFunc(u.tokensIn(ans, x.call.Endpoint), func(t string) bool {
		_, echoed := slices.BinarySearch(x.real.echoes, t)
		return echoed
	})
	for _, t := range x.real.tokens {
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
			out = append(out, credentials(v)...)
		}
	}
	out = slices.DeleteFunc(out, func(v string) bool { return len(v) < redact.MinEchoed })
	slices.Sort(out)
	return slices.Compact(out)
}

// credentials are the secrets of one credential header's value: the
// value after its scheme, and a Basic pair's password.
func credentials(v string) []string {
	scheme, cred, ok := strings.Cut(v, " ")
	if !ok {
		return []string{v}
	}
	cred = strings.TrimSpace(cred)
	out := []string{cred}
	if strings.EqualFold(scheme, "Basic") {
		if pair, err := base64.StdEncoding.DecodeString(cred); err == nil {
			if _, pw, ok := strings.Cut(string(pair), ":"); ok {
				out = append(out, pw)
			}
		}
	}
	return out
}

// tokensIn are the credentials an answer holds: the values of its secret
// fields, the token the endpoint's sample reads from it (uContact's
// UserLogin list's last element, whoever answered), or the whole answer
// when it is one JSON string of token characters (uContact's getUserToken
// answers its token so).
func (u *upstreamResponder) tokensIn(ans *buffered, endpoint string) []string {
	body := ans.body.Bytes()
	var out []string
	if e, ok := u.spec.Endpoint(endpoint); ok && e.Sample != nil && e.Sample.Token != nil && ans.status < 400 {
		if t, ok := e.Sample.Token.Read(body); ok && len(t) >= 8 {
			out = append(out, t)
		}
	}
	for _, v := range u.answers.SecretValues(ans.header.Get("Content-Type"), body) {
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

// upstreamListener, in proxy mode only, hands a real answer to the
// recorder (--record) and its drift from the contract to the drift
// report.
type upstreamListener struct{ p *Pipeline }

func (l upstreamListener) Finished(f *Finished) {
	x := f.x
	if !x.upstreamAnswered() {
		return
	}
	u := l.p.proxy
	u.record(x, l.p.validator)
	u.reportDrift(f, l.p.respRedact, l.p.sh.journal)
}

// record hands the real answer of an exchange to the recorder.
func (u *upstreamResponder) record(x *exchange, v *contracts.Validator) {
	if u.Recorder == nil {
		return
	}
	ex := upstream.Exchange{
		Vendor: u.spec.Name, Request: x.r, Body: x.body, Policy: x.vs.reqRedact,
		Status: x.real.answer.status, Header: x.real.answer.header, Answer: x.real.answer.body.Bytes(),
		Tokens: x.real.tokens, Echoes: x.real.echoes, Auth: vendor.AuthNone,
	}
	if !x.unmatched {
		ex.Endpoint = x.call.Endpoint
		if _, _, ok := v.Operation(x.call.Endpoint); ok {
			ex.Contract = x.call.Endpoint
		}
	}
	if scheme := x.vs.endpointAuth[ex.Endpoint]; scheme != "" {
		ex.Auth = scheme
	} else if scheme := u.schemeOf(x); scheme != "" {
		ex.Auth = scheme
	}
	u.Recorder.Record(ex)
}

// schemeOf names the vendor's check of a call that carries a token an
// earlier recorded answer handed out: the vendor's only check, or the one
// named as the Authorization header's scheme; "" for none.
func (u *upstreamResponder) schemeOf(x *exchange) string {
	scheme, cred, _ := strings.Cut(x.r.Header.Get("Authorization"), " ")
	carried := []string{strings.TrimSpace(cred)}
	if q, err := url.ParseQuery(x.r.URL.RawQuery); err == nil {
		for _, vs := range q {
			carried = append(carried, vs...)
		}
	}
	carried = append(carried, x.vs.reqRedact.SecretValues(x.r.Header.Get("Content-Type"), x.body)...)
	if !slices.ContainsFunc(carried, func(c string) bool { return c != "" && u.Recorder.Seen(c) }) {
		return ""
	}
	if len(u.spec.Auth) == 1 {
		return u.spec.Auth[0].Name
	}
	for _, a := range u.spec.Auth {
		if strings.EqualFold(a.Name, scheme) {
			return a.Name
		}
	}
	return ""
}

// reportDrift reports the violations of the real answers (those of the
// request are the client's, not drift), already one kind per rule
// (contracts.DriftKinds, applied once in finish: a second pass would
// read the split lines as a oneOf's shapes and keep one), and marks the
// journal entry.
func (u *upstreamResponder) reportDrift(f *Finished, policy redact.Policy, j *journal.Journal) {
	var answers []string
	for _, v := range f.Entry.Violations {
		if strings.Contains(v, " response ") {
			answers = append(answers, v)
		}
	}
	if len(answers) == 0 {
		return
	}
	real := f.x.real
	ex := upstream.Example{Entry: f.Entry.ID, Method: f.Entry.Method, Path: f.Entry.Path,
		Status: real.answer.status, ContentType: real.answer.header.Get("Content-Type")}
	ex.Body = redact.Echoed(journal.Body(policy, ex.ContentType, real.answer.body.Bytes(), f.minted), real.echoes)
	u.Drift.Add(f.Entry.Vendor, f.Entry.Endpoint, answers, ex, f.end)
	j.MarkDrift(f.Entry.ID)
}
