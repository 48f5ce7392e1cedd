package simulators

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
)

// ErrBrokenInMemory is what an in-memory client gets where a real one
// would see its connection broken (reset, closed without a byte, no
// answer): the fault wrote nothing.
var ErrBrokenInMemory = errors.New("simulators: the connection was broken (in-memory stack)")

// Handler returns the handler of a vendor: the whole pipeline, as its port
// serves it. With Options.NoListener it is the only way in (with Client).
func (s *Stack) Handler(vendorName string) http.Handler {
	if sv := s.vendor(vendorName); sv != nil {
		return sv.pipe
	}
	return nil
}

// AdminHandler returns the admin API and dashboard, as the admin port
// serves them.
func (s *Stack) AdminHandler() http.Handler { return s.admin.srv.Handler }

// memoryTransport takes a request to a NoListener stack's base URL
// straight to the handler its host names.
type memoryTransport struct{ s *Stack }

func (m memoryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	name, ok := strings.CutSuffix(req.URL.Hostname(), memoryHost)
	var h http.Handler
	switch {
	case !ok:
	case name == "admin":
		h = m.s.AdminHandler()
	default:
		h = m.s.Handler(name)
	}
	if h == nil {
		return nil, errors.New("simulators: " + req.URL.Host + " is not part of this in-memory stack")
	}
	in := req.Clone(req.Context())
	in.RequestURI = req.URL.RequestURI()
	in.RemoteAddr = "127.0.0.1:0"
	if in.Body == nil {
		in.Body = http.NoBody
	}
	rec := &wroteRecorder{ResponseRecorder: httptest.NewRecorder()}
	h.ServeHTTP(rec, in)
	if !rec.wrote {
		return nil, ErrBrokenInMemory
	}
	res := rec.Result()
	res.Request = req
	// As a client parses them off the wire: canonical names.
	parsed := make(http.Header, len(res.Header))
	for k, v := range res.Header {
		parsed[http.CanonicalHeaderKey(k)] = append(parsed[http.CanonicalHeaderKey(k)], v...)
	}
	res.Header = parsed
	return res, nil
}

// wroteRecorder notes whether the handler answered at all.
type wroteRecorder struct {
	*httptest.ResponseRecorder
	wrote bool
}

func (w *wroteRecorder) WriteHeader(status int) {
	w.wrote = true
	w.ResponseRecorder.WriteHeader(status)
}

func (w *wroteRecorder) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseRecorder.Write(b)
}
