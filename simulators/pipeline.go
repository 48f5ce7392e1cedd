package simulators

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/mockauth/mockauth/contracts"
	"github.com/mockauth/mockauth/simulators/journal"
	"github.com/mockauth/mockauth/simulators/redact"
	"github.com/mockauth/mockauth/simulators/tokens"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// MaxBodyBytes caps a request body; a larger one is answered 413.
const MaxBodyBytes = 1 << 20

// maxJournaledBody caps what the journal keeps of one body.
const maxJournaledBody = 64 << 10

// Messages of the answers the pipeline gives itself, exact so tests and
// users can match them.
const (
	MsgBodyTooLarge = "mockauth: request body larger than 1 MiB\n"
	MsgBodyUnread   = "mockauth: could not read the request body\n"
	MsgStrictPrefix = "mockauth --strict: request refused by its contract:\n"
)

// pipeline serves one vendor: it reads the request, checks it against the
// contract, lets the vendor answer into a buffer, sends that answer, and
// journals the exchange with its secrets redacted.
type pipeline struct {
	sim        vendor.Simulator
	validator  *contracts.Validator
	journal    *journal.Journal
	reqRedact  redact.Policy // the usual secrets and the vendor's own request fields
	respRedact redact.Policy // the usual secrets: a vendor's request field may be an ordinary answer field
	strict     bool
	log        *slog.Logger
}

func newPipeline(sim vendor.Simulator, v *contracts.Validator, j *journal.Journal, strict bool, log *slog.Logger) *pipeline {
	return &pipeline{
		sim:        sim,
		validator:  v,
		journal:    j,
		reqRedact:  redact.NewPolicy(sim.SecretFields()...),
		respRedact: redact.NewPolicy(),
		strict:     strict,
		log:        log,
	}
}

// exchange is one request on its way through the pipeline.
type exchange struct {
	start      time.Time
	r          *http.Request
	body       []byte
	call       vendor.Call
	minted     []string // token values minted while answering, never journaled
	violations []string
}

func (p *pipeline) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x := &exchange{start: time.Now(), r: r}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	x.body = body
	x.call = p.sim.Describe(r, body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			p.answer(w, x, plain(http.StatusRequestEntityTooLarge, MsgBodyTooLarge))
			return
		}
		p.answer(w, x, plain(http.StatusBadRequest, MsgBodyUnread))
		return
	}

	check, violations := p.validator.Request(r, x.call.Path, body)
	x.violations = violations
	if p.strict && len(violations) > 0 {
		p.answer(w, x, plain(http.StatusBadRequest, MsgStrictPrefix+"- "+strings.Join(violations, "\n- ")+"\n"))
		return
	}

	ctx, tracker := tokens.Track(r.Context(), false)
	rec := newRecorder()
	vr := r.WithContext(ctx)
	vr.Body = io.NopCloser(bytes.NewReader(body))
	p.sim.ServeHTTP(rec, vr)
	x.minted = tracker.Minted()
	x.violations = append(x.violations, check.Response(rec.status, rec.header, rec.body.Bytes())...)
	p.answer(w, x, rec)
}

// answer sends a buffered answer and journals the exchange.
func (p *pipeline) answer(w http.ResponseWriter, x *exchange, rec *recorder) {
	h := w.Header()
	for k, v := range rec.header {
		h[k] = v
	}
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.body.Bytes())
	p.record(x, rec.status, rec.header, rec.body.Bytes())
}

// record journals and logs one exchange; nothing secret leaves here in clear.
func (p *pipeline) record(x *exchange, status int, respHeader http.Header, respBody []byte) {
	r := x.r
	path := r.URL.Path
	if r.URL.RawQuery != "" {
		path += "?" + p.reqRedact.Query(r.URL.RawQuery)
	}
	dur := time.Since(x.start)
	e := p.journal.Add(journal.Entry{
		Time:            x.start,
		Vendor:          p.sim.Name(),
		Endpoint:        x.call.Endpoint,
		User:            x.call.User,
		Method:          r.Method,
		Path:            path,
		RequestHeaders:  p.reqRedact.Headers(r.Header),
		RequestBody:     clip(redact.Values(p.reqRedact.Body(r.Header.Get("Content-Type"), x.body), x.minted)),
		Status:          status,
		ResponseHeaders: p.respRedact.Headers(respHeader),
		ResponseBody:    clip(redact.Values(p.respRedact.Body(respHeader.Get("Content-Type"), respBody), x.minted)),
		DurationMS:      float64(dur.Microseconds()) / 1000,
		Unmatched:       x.call.Endpoint == "",
		Violations:      x.violations,
	})
	p.log.Info("request",
		slog.String("vendor", e.Vendor), slog.String("method", e.Method), slog.String("path", r.URL.Path),
		slog.String("endpoint", e.Endpoint), slog.Int("status", status), slog.Duration("duration", dur),
		slog.Int("violations", len(e.Violations)))
}

func clip(s string) string {
	if len(s) <= maxJournaledBody {
		return s
	}
	return s[:maxJournaledBody] + fmt.Sprintf("…[%d bytes more]", len(s)-maxJournaledBody)
}

// recorder buffers a vendor's answer so the pipeline can check it against
// the contract (and, for faults, change it) before anything is sent.
type recorder struct {
	status int
	header http.Header
	body   bytes.Buffer
	wrote  bool
}

func newRecorder() *recorder { return &recorder{status: http.StatusOK, header: http.Header{}} }

func plain(status int, msg string) *recorder {
	rec := newRecorder()
	rec.header.Set("Content-Type", "text/plain; charset=utf-8")
	rec.WriteHeader(status)
	rec.body.WriteString(msg)
	return rec
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.body.Write(b)
}
