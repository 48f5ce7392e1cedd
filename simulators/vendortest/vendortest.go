// Package vendortest drives one vendor simulator in-process, the way its
// unit tests do: every request goes straight to the handler and every
// answer is checked against the vendor's contract, so a test that forgets
// to look at the contract still fails when the simulator drifts from it.
package vendortest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mockauth/mockauth/contracts"
	"github.com/mockauth/mockauth/simulators/stub"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// Harness serves one simulator to a test, with the stubs of the vendor's
// default fixtures behind its checks (as the stack serves them).
type Harness struct {
	t     testing.TB
	spec  vendor.Spec
	sim   vendor.Simulator
	v     *contracts.Validator
	stubs *stub.Set
}

// New returns a harness for sim, checked against its vendor's contract.
func New(t testing.TB, spec vendor.Spec, sim vendor.Simulator) *Harness {
	t.Helper()
	v, err := contracts.NewValidatorFrom(spec.Name, spec.Contract.Name, spec.Contract.Data)
	if err != nil {
		t.Fatal(err)
	}
	auth := make([]string, len(spec.Auth))
	for i, a := range spec.Auth {
		auth[i] = a.Name
	}
	stubs, err := stub.Parse(spec.Fixtures.Name, spec.Fixtures.Data, stub.Rules{Auth: auth, Operation: func(string) bool { return true }})
	if err != nil {
		t.Fatal(err)
	}
	return &Harness{t: t, spec: spec, sim: sim, v: v, stubs: stub.NewSet(stubs)}
}

// Answer is what the simulator answered.
type Answer struct {
	Status int
	Header http.Header
	Body   string
}

// Request describes one request; Header holds name/value pairs.
type Request struct {
	Method      string
	Target      string // path and query, or an absolute URL to set the Host
	ContentType string
	Body        string
	Header      []string
}

// Do sends a request and reports (as a test error) any way the answer
// breaks the contract. Request violations are returned, not reported: tests
// send bad requests on purpose.
func (h *Harness) Do(req Request) (Answer, []string) {
	h.t.Helper()
	r := httptest.NewRequest(req.Method, req.Target, strings.NewReader(req.Body))
	if req.ContentType != "" {
		r.Header.Set("Content-Type", req.ContentType)
	}
	for i := 0; i+1 < len(req.Header); i += 2 {
		r.Header.Set(req.Header[i], req.Header[i+1])
	}
	x, reqViolations := h.v.Request(r, h.sim.Describe(r, []byte(req.Body)).Path, []byte(req.Body))
	w := httptest.NewRecorder()
	var handler http.Handler = h.sim
	if st, params := h.stubs.Lookup(r, []byte(req.Body)); st != nil {
		guard, _ := h.sim.(vendor.Guard)
		handler = stub.Authorize(st, params, guard, r, []byte(req.Body)).Handler(h.spec.Name, []byte(req.Body), time.Now)
	}
	handler.ServeHTTP(w, r)
	res := w.Result()
	data, _ := io.ReadAll(res.Body)
	if v := x.Response(res.StatusCode, res.Header, data); len(v) > 0 {
		h.t.Errorf("%s %s: the answer breaks the contract: %v\nbody: %s", req.Method, req.Target, v, data)
	}
	return Answer{Status: res.StatusCode, Header: res.Header, Body: string(data)}, reqViolations
}

// Send is Do without the request violations.
func (h *Harness) Send(req Request) Answer {
	h.t.Helper()
	a, _ := h.Do(req)
	return a
}
