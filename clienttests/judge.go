package clienttests

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mockauth/mockauth/simulators"
	"github.com/mockauth/mockauth/simulators/journal"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// Client is the small adapter the suites drive: any client of a vendor,
// the reference ones, a user's own, or an external program.
type Client interface {
	// Login logs in at env.Endpoint and returns the token. For a
	// token-checking endpoint it proves the token there, logging in again
	// when the token is refused. It must give up by ctx's deadline.
	Login(ctx context.Context, env Env) (string, error)
}

// Env is what a client is given for one case.
type Env struct {
	Vendor   string
	Endpoint string
	BaseURL  string
	// Creds: user, password, and as the vendor needs them organisation,
	// unit, code, format (json or xml), bearer.
	Creds map[string]string
	// Calls, for a protected endpoint (a call after login), is how many
	// calls the client makes there after logging in, before it ends its
	// session; 0 for the other endpoints.
	Calls int
}

// ClientFunc adapts a function to Client.
type ClientFunc func(ctx context.Context, env Env) (string, error)

// Login implements Client.
func (f ClientFunc) Login(ctx context.Context, env Env) (string, error) { return f(ctx, env) }

// Result is the verdict of one case.
type Result struct {
	Case     Case
	Passed   bool
	Reason   string // why it failed
	Skipped  string // why it did not run (mockauth conformance --skip); Passed and Reason say nothing then
	Requests int
	Elapsed  time.Duration
	// Stdout and Stderr are what a program client wrote (Program), each
	// cut at MaxOutput.
	Stdout, Stderr string
}

// MaxOutput bounds what a Result keeps of a program's stdout and stderr.
const MaxOutput = 64 << 10

// caseOutput is where a Program leaves its output for the case's Result.
type caseOutput struct {
	mu             sync.Mutex
	stdout, stderr string
}

type outputKey struct{}

// keepOutput hands a program's output to the case that ran it, if any.
func keepOutput(ctx context.Context, stdout, stderr []byte) {
	o, ok := ctx.Value(outputKey{}).(*caseOutput)
	if !ok {
		return
	}
	cut := func(b []byte) string {
		if len(b) > MaxOutput {
			return string(b[:MaxOutput]) + fmt.Sprintf("\n…[%d bytes more]", len(b)-MaxOutput)
		}
		return string(b)
	}
	o.mu.Lock()
	o.stdout, o.stderr = cut(stdout), cut(stderr)
	o.mu.Unlock()
}

// retryTolerance forgives a client's clock for Retry-After.
const retryTolerance = 100 * time.Millisecond

// Run starts a fresh stack for the case, lets the client log in, and judges
// what it did: the outcome, the number of requests, the spacing of retries
// after Retry-After, and the deadline.
func Run(ctx context.Context, c Case, client Client) Result {
	res := Result{Case: c}
	scenarios := scenariosYAML
	_, ce, err := conformanceEndpoint(c.Vendor, c.Endpoint)
	if err != nil {
		res.Reason = err.Error()
		return res
	}
	if ce.Protected {
		scenarios = flowScenarios(c.Vendor, c.Endpoint)
	}
	opts := simulators.Options{Vendors: []string{c.Vendor}, Scenarios: scenarios, ScenariosName: "clienttests/conformance.yaml",
		NoBuiltinScenarios: true, FixturesDir: c.FixturesDir}
	if c.Scenario != "" {
		opts.Activate = []string{c.Scenario}
	}
	if c.Fixtures.Data != nil {
		opts.Fixtures = map[string]vendor.File{c.Vendor: c.Fixtures}
	}
	stack, err := simulators.Start(opts)
	if err != nil {
		res.Reason = "could not start the stack: " + err.Error()
		return res
	}
	defer stack.Close()

	vendors, err := stack.Vendors()
	if err != nil {
		res.Reason = "could not read the stack's demo logins: " + err.Error()
		return res
	}
	creds := c.Credentials(vendors[0].Demo)
	env := Env{Vendor: c.Vendor, Endpoint: c.Endpoint, BaseURL: stack.URL(c.Vendor), Creds: creds, Calls: c.Calls}

	type answer struct {
		token string
		err   error
	}
	done := make(chan answer, 1)
	out := &caseOutput{}
	// A program's deadline counts from its first request: its start-up
	// (an interpreter, a JVM on a loaded runner) is not the client's
	// doing; it has Startup to send that request. A Go client starts at
	// once, and its context carries the deadline.
	_, isProgram := client.(Program)
	limit := c.Deadline
	cctx, cancel := context.WithTimeout(context.WithValue(ctx, outputKey{}, out), c.Deadline)
	first := stack.Requested()
	if isProgram {
		limit = c.Startup
		if limit <= 0 {
			limit = DefaultStartup
		}
		cctx, cancel = context.WithCancel(context.WithValue(ctx, outputKey{}, out))
	} else {
		first = nil
	}
	defer cancel()
	begin := time.Now()
	go func() {
		tok, err := client.Login(cctx, env)
		done <- answer{tok, err}
	}()
	var got answer
	timedOut := false
	hard := time.NewTimer(limit + 250*time.Millisecond)
	defer hard.Stop()
	stop := time.AfterFunc(limit, cancel)
	defer stop.Stop()
wait:
	for {
		select {
		case got = <-done:
			break wait
		case <-first:
			// The clock starts now.
			first, begin, limit = nil, time.Now(), c.Deadline
			stop.Reset(c.Deadline)
			hard.Reset(c.Deadline + 250*time.Millisecond)
		case <-hard.C:
			timedOut = true
			cancel()
			_ = stack.Close() // releases a request held by a timeout fault
			select {
			case got = <-done:
			case <-time.After(5 * time.Second):
			}
			break wait
		}
	}
	res.Elapsed = time.Since(begin)
	out.mu.Lock()
	res.Stdout, res.Stderr = out.stdout, out.stderr
	out.mu.Unlock()
	// An answer at or after the limit is no answer: the client was
	// cancelled (or killed) rather than giving up by itself. A program
	// that never sent a request by then is silent.
	timedOut = timedOut || res.Elapsed >= limit
	silent := timedOut && first != nil
	verb := "handed back"
	if v, ok := client.(interface{ Verb() string }); ok {
		verb = v.Verb()
	}
	valid := func(tok string) bool { return stack.ValidToken(c.Vendor, tok) }
	if ce.Protected {
		// A flow ends its session: the token it hands back is ended by
		// then, and the journal tells whether it was ever good.
		valid = func(string) bool { return true }
	}
	outcome := judgeOutcome(c.Want, got.token, got.err, valid, verb)

	_ = stack.Close() // journal entries of held requests are written as they end
	entries := stack.Requests(journal.Filter{Vendor: c.Vendor}, 0)
	slices.Reverse(entries)
	res.Requests = len(entries)
	var reasons []string
	switch {
	case silent:
		reasons = append(reasons, fmt.Sprintf("sent no request within %v of its start", limit))
	case timedOut:
		reasons = append(reasons, fmt.Sprintf("did not finish within the %v deadline", c.Deadline))
	case outcome != "":
		reasons = append(reasons, outcome)
	}
	maxRequests := MaxRequests
	if ce.Protected {
		maxRequests = maxFlowRequests(c.Calls)
		reasons = append(reasons, judgeFlow(c, ce, entries, timedOut || got.err != nil)...)
	}
	if len(entries) > maxRequests {
		reasons = append(reasons, fmt.Sprintf("sent %d requests (at most %d)", len(entries), maxRequests))
	}
	if r := retrySpacing(entries); r != "" {
		reasons = append(reasons, r)
	}
	res.Reason = strings.Join(reasons, "; ")
	res.Passed = res.Reason == ""
	return res
}

// judgeOutcome checks what the client handed back against the case.
func judgeOutcome(want Outcome, tok string, err error, valid func(string) bool, verb string) string {
	failed := err != nil
	switch {
	case failed && want == WantToken:
		return fmt.Sprintf("reported failure where a token was due: %v", shortErr(err))
	case failed:
		return ""
	case want == WantError:
		if r := badToken(tok, valid, verb); r != "" {
			return r + " where the login must fail"
		}
		return fmt.Sprintf("%s a token where the login must fail", verb)
	}
	return badToken(tok, valid, verb)
}

// badToken says what is wrong with a handed-back token, or "".
func badToken(tok string, valid func(string) bool, verb string) string {
	switch {
	case tok == "":
		return verb + " an empty token"
	case tok == `"0"` || tok == "0":
		return fmt.Sprintf("%s %q as a token", verb, tok)
	case strings.HasPrefix(tok, `"`) && strings.HasSuffix(tok, `"`) && len(tok) > 1 && valid(tok[1:len(tok)-1]):
		return verb + " the token with its quotes"
	case valid(tok):
		return ""
	}
	shown := tok
	if len(shown) > 48 {
		shown = shown[:48] + "…"
	}
	return fmt.Sprintf("%s %q, which is not a good token the simulator minted", verb, shown)
}

func shortErr(err error) string {
	s := err.Error()
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}

// retrySpacing finds a request sent sooner after a Retry-After than it asked.
func retrySpacing(entries []journal.Entry) string {
	for i := 0; i+1 < len(entries); i++ {
		e := entries[i]
		if e.Status != http.StatusTooManyRequests && e.Status != http.StatusServiceUnavailable {
			continue
		}
		secs, err := strconv.Atoi(e.ResponseHeaders.Get("Retry-After"))
		if err != nil || secs <= 0 {
			continue
		}
		answered := e.Time.Add(time.Duration(e.DurationMS * float64(time.Millisecond)))
		gap := entries[i+1].Time.Sub(answered)
		if gap < time.Duration(secs)*time.Second-retryTolerance {
			return fmt.Sprintf("retried %d ms after Retry-After: %d", gap.Milliseconds(), secs)
		}
	}
	return ""
}

// Concurrency is how many cases the Ginkgo suites run at once. Each case
// has a stack of its own and spends its time waiting on the network and on
// scripted delays, not on a core, so a table takes about as long as its
// slowest case.
const Concurrency = 16

// RunCases runs cases with client, up to parallel at once, and returns
// their results in the cases' order.
func RunCases(ctx context.Context, cases []Case, client Client, parallel int) []Result {
	out := make([]Result, len(cases))
	slots := make(chan struct{}, max(parallel, 1))
	var wg sync.WaitGroup
	for i, c := range cases {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			out[i] = Run(ctx, c, client)
		})
	}
	wg.Wait()
	return out
}
