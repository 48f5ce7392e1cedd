package pipeline

import (
	"bytes"
	"net/http"
)

// responder is who answers a routed request: the simulator (simulated),
// a stub (stubbed), or the real service in proxy mode (upstream.go).
// Faults work the same over each: they ask the responder for its answer
// or its refusal, through the exchange (faultExchange).
type responder interface {
	// respond answers r, as the vendor sees it, into a buffer.
	respond(x *exchange, r *http.Request) *buffered
	// refuse is the vendor's error for x's call (the vendor-error fault).
	refuse(x *exchange, r *http.Request) *buffered
}

// simulated: the vendor's simulator answers.
type simulated struct{}

func (simulated) respond(x *exchange, r *http.Request) *buffered {
	return x.serveBuffered(x.vs.sim, r)
}

func (simulated) refuse(x *exchange, r *http.Request) *buffered {
	ans := newBuffered()
	x.vs.sim.VendorError(ans, r, x.call.Endpoint)
	return ans
}

// stubbed: a stub answers, or the vendor's refusal of its credential.
type stubbed struct {
	handler http.Handler
	refusal func(http.ResponseWriter, *http.Request)
}

func (s *stubbed) respond(x *exchange, r *http.Request) *buffered {
	return x.serveBuffered(s.handler, r)
}

func (s *stubbed) refuse(_ *exchange, r *http.Request) *buffered {
	ans := newBuffered()
	s.refusal(ans, r)
	return ans
}

// serveBuffered runs h on r with the body already read, into a buffer:
// the exchange's own the first time (a vendor answers once, but for a
// near miss or a fault's second ask).
func (x *exchange) serveBuffered(h http.Handler, r *http.Request) *buffered {
	ans := &x.vendorBuf
	if ans.header != nil {
		ans = newBuffered()
	} else {
		ans.status, ans.header = http.StatusOK, make(http.Header, 4) // room for a usual answer's headers at once
	}
	x.bodyReader.Reset(x.body)
	r.Body = &x.bodyReader
	h.ServeHTTP(ans, r)
	return ans
}

// bodyReader is a read body, read again by whoever answers.
type bodyReader struct{ bytes.Reader }

func (*bodyReader) Close() error { return nil }
