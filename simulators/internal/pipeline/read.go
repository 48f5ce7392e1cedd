package pipeline

import (
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/mockauth/mockauth/simulators/admin"
	"github.com/mockauth/mockauth/simulators/journal"
)

// MaxBodyBytes caps a request body; a larger one is answered 413.
const MaxBodyBytes = 1 << 20

// MaxRequestURI bounds a request's URI on the vendor ports (a reading: the
// vendors' servers refuse far shorter ones; Tomcat's whole request head
// defaults to 8 KB).
const MaxRequestURI = 8 << 10

// HeaderScenario selects a scenario for one request.
const HeaderScenario = "X-Mockauth-Scenario"

// HeaderDiagnosis says, on an answer to a request that matches no
// documented operation, which operations are closest and what differs.
const HeaderDiagnosis = "X-Mockauth-Diagnosis"

// Messages of the answers the pipeline gives itself, exact so tests and
// users can match them.
const (
	MsgBodyTooLarge = "mockauth: request body larger than 1 MiB\n"
	MsgHeavyBusy    = "mockauth: too many large bodies at once; try again\n"
	MsgURITooLong   = "mockauth: request URI longer than 8 KiB\n"
	// MsgForeignHost refuses, in proxy mode, a Host that is not this
	// machine's: a DNS-rebinding page would read, through the
	// developer's mockauth, a real service only that machine reaches.
	MsgForeignHost       = "mockauth: in proxy mode the vendor ports answer this machine's names only (loopback, the bind address, --allow-host)\n"
	MsgBodyUnread        = "mockauth: could not read the request body\n"
	MsgStrictPrefix      = "mockauth --strict: request refused by its contract:\n"
	MsgBadScenarioHeader = "mockauth: " + HeaderScenario + ": "
	MsgBadUserScenario   = "mockauth: "
)

// read is the first stage: the request's URI and Host, its body (capped;
// a large one read with room reserved and worked on at the heavy gate),
// the Date header on the simulated clock, the vendor's header spelling,
// and the call the vendor makes of it (Describe). It returns the writer
// the later stages use, and a refusal when the request goes no further.
func (p *Pipeline) read(w http.ResponseWriter, x *exchange) (http.ResponseWriter, *buffered) {
	r := x.r
	if len(r.RequestURI) > MaxRequestURI {
		// No vendor takes one: refused before any work on it (a 60 KB
		// path's near-miss diagnosis, and a vendor's 404 that echoes it,
		// cost every other request; issue 31, N15).
		return w, x.settle(http.StatusRequestURITooLong, MsgURITooLong, journal.OutcomeRefused)
	}
	if p.proxy != nil && !admin.LocalHost(r.Host, p.proxy.Hosts) {
		ans := x.settle(http.StatusForbidden, MsgForeignHost, journal.OutcomeRefused)
		ans.header.Set("Connection", "close")
		return w, ans
	}
	body, err := p.readBody(w, x)
	if errors.Is(err, errNoRoom) {
		return w, p.refuseAtGate(x)
	}
	if err != nil {
		// The rest of the body is not read: the connection closes after
		// the answer (the server would otherwise wait to discard it).
		w.Header().Set("Connection", "close")
	} else if p.proxy != nil && p.sh.bodyTimeout > 0 {
		// The real service may take long: the body's deadline must not
		// cut the connection (and cancel the request) meanwhile. A
		// simulated answer takes microseconds; a fault that waits lifts
		// it (fault); the server sets the next one before reading the
		// next request.
		_ = http.NewResponseController(w).SetReadDeadline(time.Time{})
	}
	// Date on the simulated clock: a client that reads expiry against Date
	// sees one consistent time.
	w.Header()["Date"] = p.sh.date()
	if x.vs.spelling != nil {
		x.vendorWriter = vendorWriter{ResponseWriter: w, vs: x.vs}
		w = &x.vendorWriter
	}
	x.body = body
	x.call = x.vs.sim.Describe(r, body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return w, x.settle(http.StatusRequestEntityTooLarge, MsgBodyTooLarge, journal.OutcomeRefused)
		}
		return w, x.settle(http.StatusBadRequest, MsgBodyUnread, journal.OutcomeRefused)
	}
	return w, nil
}

// errNoRoom: a large body found no room to be read, or no place at the
// heavy gate, in time.
var errNoRoom = errors.New("no room for a large body")

// readBody reads the body within MaxBodyBytes. A large one (past
// heavyBody) is read with room reserved for it, then worked on with a
// place at the heavy gate (heavy.go): a client that trickles its body
// holds no place meanwhile, and in proxy mode neither room nor place is
// held across the real service's answer.
func (p *Pipeline) readBody(w http.ResponseWriter, x *exchange) ([]byte, error) {
	r := x.r
	// A body that says its length within the cap is held to that length by
	// the server already; only one of unknown or larger length needs the cap.
	limited := r.Body
	if r.ContentLength < 0 || r.ContentLength > MaxBodyBytes {
		limited = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	}
	body, err := readFirst(limited, r.ContentLength)
	if err != nil || len(body) <= heavyBody {
		return body, err
	}
	x.heavy = true
	n, ok := reserveReading(p.sh.reading, r.Context(), p.sh.done, r.ContentLength)
	if !ok {
		return nil, errNoRoom
	}
	x.room = n
	if p.sh.bodyTimeout > 0 {
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(min(p.sh.bodyTimeout, heavyReadTimeout)))
	}
	body, err = readRest(body, limited, r.ContentLength)
	if p.proxy != nil {
		// Read: the room goes back at once, not after the real service's
		// answer. One that hangs would keep it, and the room's waiters
		// queue in turn: every large login would wait on that service.
		p.sh.reading.Release(x.room)
		x.room = 0
		return body, err
	}
	if err == nil && !p.enterHeavy(x) {
		return nil, errNoRoom
	}
	return body, err
}

// readFirst reads up to heavyBody+1 bytes of a body, in one allocation
// when the request says its length.
func readFirst(body io.Reader, length int64) ([]byte, error) {
	if length <= 0 || length > heavyBody {
		return io.ReadAll(io.LimitReader(body, heavyBody+1))
	}
	// Longer than it said (a server checks that; a test's request may
	// not): at most heavyBody+1 in all.
	return fill(make([]byte, 0, length+1), body, heavyBody+1)
}

// readRest reads the rest of a large body after its first part, into one
// buffer of the declared length when there is one: 1 MiB bodies read at
// once, each grown by doubling and copied again, cost the collector what
// other clients then waited for. body is capped by its reader.
func readRest(first []byte, body io.Reader, length int64) ([]byte, error) {
	if length <= int64(len(first)) || length > MaxBodyBytes {
		rest, err := io.ReadAll(body)
		return append(first, rest...), err
	}
	buf := make([]byte, len(first), length+1)
	copy(buf, first)
	return fill(buf, body, MaxBodyBytes+1)
}

// fill reads body into buf's spare room (one more byte than the declared
// length: io.ReadAll's way of seeing the end without growing), then, if a
// body is longer than it said, the rest as it comes, up to limit bytes in
// all.
func fill(buf []byte, body io.Reader, limit int64) ([]byte, error) {
	for {
		n, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
		if len(buf) == cap(buf) {
			rest, err := io.ReadAll(io.LimitReader(body, limit-int64(len(buf))))
			return append(buf, rest...), err
		}
	}
}

// date is the Date header's values for the simulated clock's now,
// made once a second and shared by the answers of that second (read
// only: a fault that sets Date puts a slice of its own).
func (sh *Shared) date() []string {
	now := sh.clock.Now()
	if d := sh.lastDate.Load(); d != nil && d.unix == now.Unix() {
		return d.values
	}
	d := &dateText{unix: now.Unix(), values: []string{now.UTC().Format(http.TimeFormat)}}
	sh.lastDate.Store(d)
	return d.values
}

// dateText is a Date header's values and the second they name.
type dateText struct {
	unix   int64
	values []string
}

// vendorWriter sends what the pipeline and the faults write with the
// vendor's header spelling.
type vendorWriter struct {
	http.ResponseWriter
	vs    *vendorState
	wrote bool
}

func (w *vendorWriter) WriteHeader(status int) {
	if !w.wrote {
		w.wrote = true
		w.vs.spelling.Apply(w.Header())
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *vendorWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *vendorWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *vendorWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
