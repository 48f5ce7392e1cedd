package journal

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"

	"github.com/mockauth/mockauth/simulators/redact"
)

// Parts are an exchange's headers and bodies as the request path holds
// them; the journal gets them redacted (Complete) when it first hands the
// entry out: most entries of a load are never read. The request's header
// map and the bodies are read only, never changed, once handed over.
type Parts struct {
	Request, Response             redact.Policy
	RequestHeader, ResponseHeader http.Header
	RequestBody, ResponseBody     []byte
	Minted                        []string // tokens the answer handed out: never kept in clear
	Echoes                        []string // proxy mode: the request's secrets, masked where the real answer repeats them
	// Spelling is the header names the vendor writes otherwise than Go
	// does (nil: as they are).
	Spelling       Spelling
	reqHeaderBytes int // headerBytes(RequestHeader), measured once
}

// maxPendingHeaders bounds the request header bytes an entry keeps
// unredacted: beyond, the entry is redacted at once (its values capped).
const maxPendingHeaders = 8 << 10

// Small reports whether the parts may wait in the journal as they are:
// the bodies within what the journal keeps of them, the headers small.
func (p *Parts) Small() bool {
	if len(p.RequestBody) > MaxBody || len(p.ResponseBody) > MaxBody {
		return false
	}
	p.reqHeaderBytes = headerBytes(p.RequestHeader)
	return p.reqHeaderBytes <= maxPendingHeaders
}

// Size implements Pending (for parts that were Small).
func (p *Parts) Size() int {
	return len(p.RequestBody) + len(p.ResponseBody) + p.reqHeaderBytes + headerBytes(p.ResponseHeader)
}

// Complete implements Pending: the redacted headers and bodies.
func (p *Parts) Complete(e *Entry) {
	e.RequestHeaders = cappedHeaders(p.Request.Headers(p.RequestHeader))
	e.RequestBody = Body(p.Request, p.RequestHeader.Get("Content-Type"), p.RequestBody, p.Minted)
	h := valuesMasked(p.Response.Headers(p.ResponseHeader), p.Minted, p.Echoes)
	p.Spelling.Apply(h)
	e.ResponseHeaders = h
	e.ResponseBody = redact.Echoed(Body(p.Response, p.ResponseHeader.Get("Content-Type"), p.ResponseBody, p.Minted), p.Echoes)
}

// Spelling is a vendor's own spelling of header names: each one it
// writes otherwise than Go's canonical form.
type Spelling []struct{ Canonical, Raw string }

// NewSpelling is the spelling of names as the vendor writes them; nil
// when Go writes each the same.
func NewSpelling(names []string) Spelling {
	var s Spelling
	for _, name := range names {
		if c := http.CanonicalHeaderKey(name); c != name {
			s = append(s, struct{ Canonical, Raw string }{c, name})
		}
	}
	return s
}

// Apply renames, in place, the headers of h the vendor spells its own way.
func (s Spelling) Apply(h http.Header) {
	for _, n := range s {
		if v, ok := h[n.Canonical]; ok {
			delete(h, n.Canonical)
			h[n.Raw] = v
		}
	}
}

// headerBytes is about the bytes h holds.
func headerBytes(h http.Header) int {
	n := 0
	for k, vs := range h {
		n += len(k)
		for _, v := range vs {
			n += len(v)
		}
	}
	return n
}

// valuesMasked masks, in place, the minted tokens in h's values (a copy the
// caller owns): a real service may hand one out in a header of any name.
func valuesMasked(h http.Header, minted, echoes []string) http.Header {
	if len(minted) == 0 && len(echoes) == 0 {
		return h
	}
	for _, vs := range h {
		for i, v := range vs {
			vs[i] = redact.Echoed(redact.Values(v, minted), echoes)
		}
	}
	return h
}

// What the journal keeps of a request's names, headers and bodies: a
// login name or a path can be as long as the request, and the journal
// keeps a thousand entries.
const (
	MaxName   = 256
	MaxPath   = 2 << 10
	MaxHeader = 1 << 10
	MaxBody   = 64 << 10
)

// cappedHeaders caps, in place, every value of h (a copy the caller owns).
func cappedHeaders(h http.Header) http.Header {
	for _, vs := range h {
		for i, v := range vs {
			if len(v) > MaxHeader {
				vs[i] = Capped(v, MaxHeader)
			}
		}
	}
	return h
}

// Capped is a copy of s (never a slice that keeps a whole body alive), at
// most n bytes of it.
func Capped(s string, n int) string {
	if len(s) <= n {
		return strings.Clone(s)
	}
	return strings.Clone(s[:n]) + "…"
}

// Body is what the journal keeps of a body: its first MaxBody bytes,
// redacted. Only those are read, so a large body costs no more than a
// small one (a 1 MiB XML body took 0.07–0.8 s to redact whole); a minted
// token the cut would split is left out whole.
func Body(p redact.Policy, contentType string, body []byte, minted []string) string {
	if len(body) <= MaxBody {
		return redact.Values(p.Body(contentType, body), minted)
	}
	n := MaxBody
	for _, v := range minted {
		from := max(0, n-len(v)+1)
		if i := bytes.Index(body[from:min(len(body), n+len(v)-1)], []byte(v)); i >= 0 {
			n = from + i
		}
	}
	return redact.Values(p.BodyPrefix(contentType, body, n), minted) + fmt.Sprintf("…[%d bytes more]", len(body)-n)
}
