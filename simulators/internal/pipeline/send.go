package pipeline

import (
	"net/http"
	"strconv"
	"sync"
)

// send is the fifth stage: the exchange takes its place in the journal,
// the buffered answer is written and flushed, then the listeners run
// (finish). The answer says its length (as the server would for a short
// one), so it is flushed whole before they run: the client has its
// answer while they work.
func (p *Pipeline) send(w http.ResponseWriter, x *exchange, ans *buffered) {
	h := w.Header()
	for k, v := range ans.header {
		h[k] = v
	}
	body := ans.body.Bytes()
	if h["Content-Length"] == nil && bodyAllowed(ans.status) && (x.r.Method != http.MethodHead || len(body) > 0) {
		h["Content-Length"] = contentLength(len(body))
	}
	// Counted before the client can have its answer: a reader of the
	// journal the client then asks waits for this exchange's listeners.
	ticket := p.sh.settling.begin()
	defer p.sh.settling.end(ticket)
	f := p.journal(x, ans.status, ans.header, body, true)
	w.WriteHeader(ans.status)
	_, _ = w.Write(body)
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
	p.finish(f)
}

// contentLengths are the Content-Length values of the usual answers,
// made once and shared (read only) by every answer of that length.
var contentLengths = sync.OnceValue(func() [][]string {
	out := make([][]string, 4096)
	for n := range out {
		out[n] = []string{strconv.Itoa(n)}
	}
	return out
})

// contentLength is the Content-Length header's values for n bytes.
func contentLength(n int) []string {
	if n < 4096 {
		return contentLengths()[n]
	}
	return []string{strconv.Itoa(n)}
}

// bodyAllowed reports whether an answer of this status has a body (RFC
// 9110: none for 1xx, 204 and 304).
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}
