package contracts

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mockauth/mockauth/simulators/redact"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// Probe is one documented request a check sends.
type Probe struct {
	Name     string
	Endpoint vendor.Endpoint
	Request  vendor.Request
	// Expect returns what differs from the documented behaviour the probe
	// stands for ("" when nothing does), beyond what the schema checks.
	Expect func(status int, body []byte) string
	// Token, with Keep, reads a token for the probes after it.
	Token *vendor.Token
	Keep  string
	// BreaksContract marks a probe that sends a request the contract
	// forbids on purpose, to see the server refuse it.
	BreaksContract bool
}

// Result is what one probe found.
type Result struct {
	Probe       string
	Sent        string
	Status      int
	ContentType string
	Body        string
	Drift       []string
}

// Report is a whole check.
type Report struct {
	Vendor  string
	BaseURL string
	Results []Result
}

// Drifted reports whether any probe found a difference.
func (r Report) Drifted() bool {
	for _, res := range r.Results {
		if len(res.Drift) > 0 {
			return true
		}
	}
	return false
}

// Write prints the drift report.
func (r Report) Write(w io.Writer) {
	fmt.Fprintf(w, "contract check: %s at %s\n", r.Vendor, r.BaseURL)
	n := 0
	for _, res := range r.Results {
		verdict := "ok"
		if len(res.Drift) > 0 {
			verdict = "DRIFT"
			n++
		}
		fmt.Fprintf(w, "\n%s  %s\n  sent:     %s\n  received: %d %s %s\n", verdict, res.Probe, res.Sent, res.Status, res.ContentType, short(res.Body))
		for _, d := range res.Drift {
			fmt.Fprintf(w, "  - %s\n", d)
		}
	}
	if n == 0 {
		fmt.Fprintf(w, "\nno drift: %d probes answered as the contract says\n", len(r.Results))
	} else {
		fmt.Fprintf(w, "\n%d of %d probes drifted from contracts/%s.yaml\n", n, len(r.Results), r.Vendor)
	}
}

func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 160 {
		return s[:160] + "…"
	}
	return s
}

// Check sends a vendor's probes (its samples, their variants and a wrong
// password for every login) to baseURL, a simulator or a real tenant,
// with the demo logins given, checks every answer against the contract,
// and reports each difference. kept presets tokens by the name samples
// keep them under (an Exotel admin bearer: "adminToken"); a sample that
// would fetch a preset token is skipped.
func Check(ctx context.Context, client *http.Client, spec vendor.Spec, baseURL string, demo, kept map[string]string) (Report, error) {
	v, err := NewValidatorFrom(spec.Name, spec.Contract.Name, spec.Contract.Data)
	if err != nil {
		return Report{}, err
	}
	base := strings.TrimSuffix(baseURL, "/")
	rep := Report{Vendor: spec.Name, BaseURL: base}
	tokens := map[string]string{vendor.RunID: strconv.FormatInt(time.Now().UnixNano(), 36)}
	preset := map[string]bool{}
	for k, val := range kept {
		tokens[k], preset[k] = val, true
	}
	policy := redact.NewPolicy(spec.SecretFields...)
	var missing []string // tokens an earlier probe did not hand out
	for _, e := range spec.Samples() {
		if preset[e.Sample.Keep] {
			continue
		}
		for _, p := range probesOf(spec, e, demo, tokens) {
			req, err := http.NewRequestWithContext(ctx, e.Method, base+p.Request.Target(e.Path), strings.NewReader(p.Request.EncodedBody()))
			if err != nil {
				return rep, err
			}
			for k, val := range map[string]string{"Content-Type": p.Request.ContentType, "Accept": p.Request.Accept, "Authorization": p.Request.Auth} {
				if val != "" {
					req.Header.Set(k, val)
				}
			}
			body := []byte(p.Request.EncodedBody())
			var secrets []string // the tokens kept so far, never the run's id
			for k, val := range tokens {
				if k != vendor.RunID {
					secrets = append(secrets, val)
				}
			}
			res := Result{Probe: p.Name, Sent: e.Method + " " + e.Path}
			if len(body) > 0 {
				res.Sent += " " + short(policy.Body(p.Request.ContentType, body))
			}
			res.Sent = redact.Values(res.Sent, secrets)
			x, reqViolations := v.Request(req, "", body)
			switch {
			case len(reqViolations) > 0 && !p.BreaksContract && len(missing) > 0:
				res.Drift = append(res.Drift, fmt.Sprintf("not sent: it breaks the contract without the tokens earlier probes did not hand out (%s)", strings.Join(missing, ", ")))
				rep.Results = append(rep.Results, res)
				continue
			case len(reqViolations) > 0 && !p.BreaksContract:
				return rep, fmt.Errorf("probe %q breaks the contract itself: %v", p.Name, reqViolations)
			}
			resp, err := client.Do(req)
			if err != nil {
				res.Drift = append(res.Drift, "no answer: "+err.Error())
				rep.Results = append(rep.Results, res)
				continue
			}
			answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			if err != nil {
				res.Drift = append(res.Drift, "answer cut: "+err.Error())
			}
			if p.Token != nil && p.Keep != "" {
				if tok, ok := p.Token.Read(answer); ok && !spec.IsError(e.Name, resp.StatusCode, answer) {
					tokens[p.Keep] = tok
					secrets = append(secrets, tok)
				} else {
					missing = append(missing, p.Keep)
				}
			}
			res.Status, res.ContentType = resp.StatusCode, resp.Header.Get("Content-Type")
			res.Body = redact.Values(redact.NewPolicy().Body(res.ContentType, answer), secrets)
			violations := append(x.Response(resp.StatusCode, resp.Header, answer), x.ResponseOrder(resp.StatusCode, resp.Header, answer)...)
			res.Drift = append(res.Drift, DriftKinds(violations)...)
			if d := p.Expect(resp.StatusCode, answer); d != "" {
				res.Drift = append(res.Drift, d)
			}
			rep.Results = append(rep.Results, res)
		}
	}
	return rep, nil
}

// probesOf are the probes of one endpoint: its sample (which must
// succeed, and hand out a token when it is a login), its variants, and,
// for a login, the same request with wrong passwords (which must fail).
// Requests are built when the probes before them have answered, so they
// carry the tokens those kept.
func probesOf(spec vendor.Spec, e vendor.Endpoint, demo, kept map[string]string) []Probe {
	s := e.Sample
	isError := func(status int, body []byte) bool { return spec.IsError(e.Name, status, body) }
	good := Probe{Name: e.Name, Endpoint: e, Request: s.Request(demo, kept), Token: s.Token, Keep: s.Keep,
		Expect: func(status int, body []byte) string {
			if isError(status, body) {
				return fmt.Sprintf("the vendor's error (HTTP %d) where the documented exchange succeeds", status)
			}
			if s.Token != nil {
				if _, ok := s.Token.Read(body); !ok {
					return fmt.Sprintf("no token in the answer (HTTP %d)", status)
				}
			}
			return ""
		}}
	probes := []Probe{good}
	for _, variant := range s.Variants {
		probes = append(probes, Probe{Name: e.Name + ", " + variant.Name, Endpoint: e, Request: variant.Request(demo, kept),
			BreaksContract: variant.BreaksContract, Expect: wantOutcome(isError, variant.WantError)})
	}
	if r, ok := s.WrongPassword(demo, kept); ok {
		probes = append(probes, Probe{Name: e.Name + ", wrong password", Endpoint: e, Request: r, Expect: wantOutcome(isError, true)})
	}
	return probes
}

// wantOutcome expects the vendor's error, or a success.
func wantOutcome(isError func(int, []byte) bool, wantError bool) func(int, []byte) string {
	return func(status int, body []byte) string {
		switch failed := isError(status, body); {
		case wantError && !failed:
			return fmt.Sprintf("a success (HTTP %d) where the vendor must refuse", status)
		case !wantError && failed:
			return fmt.Sprintf("the vendor's error (HTTP %d) where the request must succeed", status)
		}
		return ""
	}
}
