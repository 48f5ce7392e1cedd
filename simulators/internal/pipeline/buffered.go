package pipeline

import (
	"bytes"
	"net/http"

	"github.com/mockauth/mockauth/simulators/journal"
	"github.com/mockauth/mockauth/simulators/scenario"
)

// buffered is an answer held whole before it is sent: the pipeline checks
// it against the contract (and a fault may change it) first.
type buffered struct {
	status int
	header http.Header
	body   bytes.Buffer
	wrote  bool
}

func newBuffered() *buffered { return &buffered{status: http.StatusOK, header: http.Header{}} }

// plain is a text answer of the pipeline's own.
func plain(status int, msg string) *buffered {
	b := newBuffered()
	b.header.Set("Content-Type", "text/plain; charset=utf-8")
	b.WriteHeader(status)
	b.body.WriteString(msg)
	return b
}

func (b *buffered) Header() http.Header { return b.header }

func (b *buffered) WriteHeader(status int) {
	if !b.wrote {
		b.status, b.wrote = status, true
	}
}

func (b *buffered) Write(p []byte) (int, error) {
	b.wrote = true
	return b.body.Write(p)
}

// answer is a copy a fault may change.
func (b *buffered) answer() scenario.Answer {
	return scenario.Answer{Status: b.status, Header: b.header.Clone(), Body: bytes.Clone(b.body.Bytes())}
}

// captureWriter passes a fault's answer through while keeping a copy for
// the journal; Unwrap lets faults reach the connection (Hijack, Flush).
type captureWriter struct {
	http.ResponseWriter
	status int // 0 until a status is written: a hijacked connection has none
	body   bytes.Buffer
}

func (c *captureWriter) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
	c.ResponseWriter.WriteHeader(status)
}

func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	if c.body.Len() < journal.MaxBody {
		c.body.Write(b[:min(len(b), journal.MaxBody-c.body.Len())])
	}
	return c.ResponseWriter.Write(b)
}

func (c *captureWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }
