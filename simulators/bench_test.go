package simulators

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/mockauth/mockauth/internal/redistest"
	"github.com/mockauth/mockauth/simulators/internal/pipeline"
	"github.com/mockauth/mockauth/simulators/journal"
	"github.com/mockauth/mockauth/simulators/redact"
	"github.com/mockauth/mockauth/simulators/scenario"
	"github.com/mockauth/mockauth/simulators/ucontact"
)

// loginRequests are one demo login per vendor, as the benchmarks send them.
var loginRequests = []struct {
	vendor, method, path, contentType, body string
}{
	{"ucontact", "POST", "/Integra/resources/auth/getUserToken", "application/x-www-form-urlencoded", "user=demo&password=demo"},
	{"crmcom", "POST", "/crmapi/rest/v2/authentication/token", "application/json", `{"username":"mpadministrator","password":"1234","organisation":"CRMDEMO","unit":"EE63A82C4FEBE02FF34E90DD1EBA5ABE"}`},
	{"autoalert", "POST", "/User/authenticate", "application/json", `{"userName":"demo","password":"demo"}`},
	{"exotel", "GET", "/.well-known/jwks.json", "", ""},
}

func benchStack(b *testing.B) *Stack {
	b.Helper()
	s, err := Start(Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}

func serve(b *testing.B, h http.Handler, method, path, contentType, body string) {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 200 {
		b.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body)
	}
}

// BenchmarkBare is a plain net/http handler answering a uContact token's
// bytes: the baseline the pipeline is measured against.
func BenchmarkBare(b *testing.B) {
	body := []byte(`"ZGVtbzo0OTExZWM4OS00OTQ2LTQwYzctYTMzNC1iNzMwNjk3MjNmODE="`)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
		_, _ = w.Write(body)
	})
	b.ReportAllocs()
	for b.Loop() {
		serve(b, h, "POST", "/Integra/resources/auth/getUserToken", "application/x-www-form-urlencoded", "user=demo&password=demo")
	}
}

// BenchmarkVendor is each vendor's handler alone.
func BenchmarkVendor(b *testing.B) {
	s := benchStack(b)
	for _, lr := range loginRequests {
		b.Run(lr.vendor, func(b *testing.B) {
			sim := s.vendor(lr.vendor).sim()
			b.ReportAllocs()
			for b.Loop() {
				serve(b, sim, lr.method, lr.path, lr.contentType, lr.body)
			}
		})
	}
}

// BenchmarkPipeline is a login through everything: body cap, contract
// check, scenario engine, vendor handler, redacted journal.
func BenchmarkPipeline(b *testing.B) {
	s := benchStack(b)
	for _, lr := range loginRequests {
		b.Run(lr.vendor, func(b *testing.B) {
			h := s.vendor(lr.vendor).srv.Handler
			b.ReportAllocs()
			for b.Loop() {
				serve(b, h, lr.method, lr.path, lr.contentType, lr.body)
			}
		})
	}
}

// The layers one at a time.

func BenchmarkLayer_ContractCheck(b *testing.B) {
	v, err := pipeline.ValidatorFor(ucontact.Spec)
	if err != nil {
		b.Fatal(err)
	}
	body := []byte("user=demo&password=demo")
	h := http.Header{"Content-Type": {"text/plain;charset=UTF-8"}}
	resp := []byte(`"ZGVtbzo0OTExZWM4OS00OTQ2LTQwYzctYTMzNC1iNzMwNjk3MjNmODE="`)
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest("POST", "/Integra/resources/auth/getUserToken", nil)
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		x, _ := v.Request(r, "", body)
		x.Response(200, h, resp)
	}
}

func BenchmarkLayer_Redact(b *testing.B) {
	p := redact.NewPolicy()
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Authorization": {"Basic abc"}}
	b.ReportAllocs()
	for b.Loop() {
		p.Headers(h)
		p.Body("application/x-www-form-urlencoded", []byte("user=demo&password=demo"))
		p.Body("text/plain", []byte(`"ZGVtbzo0OTExZWM4OS00OTQ2LTQwYzctYTMzNC1iNzMwNjk3MjNmODE="`))
	}
}

func BenchmarkLayer_Scenarios(b *testing.B) {
	s := benchStack(b)
	if _, err := s.engine.Activate("crmcom-flaky", 0); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_, _ = s.engine.Decide(scenario.Query{Vendor: "ucontact", Endpoint: "getUserToken", Method: "POST", User: "demo"})
	}
}

func BenchmarkLayer_Journal(b *testing.B) {
	j := journal.New(1000)
	b.ReportAllocs()
	for b.Loop() {
		j.Add(journal.Entry{Vendor: "ucontact", Method: "POST", Path: "/x"})
	}
}

// BenchmarkLargeXMLLogin is an AutoAlert login of 1 MiB of XML (many
// small elements with attributes, the costliest for encoding/xml), each
// body unique so no verdict is remembered; "broken" ends in a bad tag, so
// the redaction cannot read it by structure (hardening issue 21, B10).
func BenchmarkLargeXMLLogin(b *testing.B) {
	pad := strings.Repeat(`<x a="1">pad</x>`, (MaxBodyBytes-400)/16)
	for _, c := range []struct{ name, end string }{
		{"well-formed", "<userName>demo</userName></AuthenticateRequest>"},
		{"broken", "<userName>demo</userName></AuthenticateRequest"},
	} {
		b.Run(c.name, func(b *testing.B) {
			s := benchStack(b)
			h := s.Handler("autoalert")
			i := 0
			for b.Loop() {
				i++
				body := `<AuthenticateRequest xmlns="http://schemas.datacontract.org/2004/07/AutoAlert.API.Models.User"><password>demo</password><n>` +
					strconv.Itoa(i) + "</n>" + pad + c.end
				r := httptest.NewRequest("POST", "/User/authenticate", strings.NewReader(body))
				r.Header.Set("Content-Type", "application/xml")
				h.ServeHTTP(httptest.NewRecorder(), r)
			}
			s.Sync() // the contract checks count too
		})
	}
}

// BenchmarkPipeline_Shared is BenchmarkPipeline's uContact login as a
// stack of plain (no secret), signed (a token secret: what replicas
// without a store run) and shared (--state on a local redis-server)
// state answers it: the hot path's cost of each (make bench).
func BenchmarkPipeline_Shared(b *testing.B) {
	redis := redistest.Start(b)
	lr := loginRequests[0]
	for _, c := range []struct {
		name string
		opts Options
	}{
		{"plain", Options{}},
		{"signed", Options{TokenSecret: strings.Repeat("k", MinTokenSecret)}},
		{"state", Options{State: redis.URL}},
	} {
		b.Run(c.name, func(b *testing.B) {
			s, err := Start(c.opts)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = s.Close() })
			h := s.vendor(lr.vendor).pipe
			b.ReportAllocs()
			for b.Loop() {
				serve(b, h, lr.method, lr.path, lr.contentType, lr.body)
			}
		})
	}
}
