package contracts_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mockauth/mockauth/contracts"
	"github.com/mockauth/mockauth/fixtures"
	"github.com/mockauth/mockauth/simulators"
	"github.com/mockauth/mockauth/simulators/crmcom"
	"github.com/mockauth/mockauth/simulators/ucontact"
	"github.com/mockauth/mockauth/simulators/vendor"
)

func TestCheck_TheStackDoesNotDrift(t *testing.T) {
	stack, err := simulators.Start(simulators.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer stack.Close()
	vendors, err := stack.Vendors()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vendors {
		t.Run(v.Name, func(t *testing.T) {
			spec, _ := simulators.SpecOf(v.Name)
			rep, err := contracts.Check(context.Background(), stack.Client(), spec, v.BaseURL, v.Demo, nil)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			rep.Write(&out)
			if rep.Drifted() || len(rep.Results) < 2 {
				t.Fatalf("drift against the simulator:\n%s", out.String())
			}
			if strings.Contains(out.String(), "\"password\":\"1234\"") || strings.Contains(out.String(), "password=demo") {
				t.Fatalf("the report shows a password:\n%s", out.String())
			}
		})
	}
}

// TestCheck_UContactWikiGenerationDoesNotDrift: the contract accepts the
// vendor wiki's server generation too (md5secret the key, no token,
// limite 0.0, a bare 0), so a real tenant of either is no false drift.
func TestCheck_UContactWikiGenerationDoesNotDrift(t *testing.T) {
	name, data, err := fixtures.Variant("ucontact-integra")
	if err != nil {
		t.Fatal(err)
	}
	stack, err := simulators.Start(simulators.Options{Vendors: []string{ucontact.Name},
		Fixtures: map[string]vendor.File{ucontact.Name: {Name: name, Data: data}}})
	if err != nil {
		t.Fatal(err)
	}
	defer stack.Close()
	vendors, err := stack.Vendors()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := contracts.Check(context.Background(), stack.Client(), ucontact.Spec, vendors[0].BaseURL, vendors[0].Demo, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep.Write(&out)
	if rep.Drifted() || !strings.Contains(out.String(), "ok  AgentLogin\n") || !strings.Contains(out.String(), "ok  AgentLogoff\n") {
		t.Fatalf("drift against the wiki generation (or no AgentLogin in its report):\n%s", out.String())
	}
}

// A server that answers like uContact, with deliberate differences.
func driftedUContact() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		switch {
		case strings.HasSuffix(r.URL.Path, "/getUserToken") && r.PostForm.Get("password") == "demo":
			w.Header().Set("Content-Type", "application/json") // the real one sends text
			_, _ = w.Write([]byte(`ZGVtbzp4eXo=`))             // and quotes it
		case strings.HasSuffix(r.URL.Path, "/getUserToken"):
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusInternalServerError) // an undocumented status
			_, _ = w.Write([]byte(`oops`))
		case strings.HasSuffix(r.URL.Path, "/AgentLogin"):
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte(`{"id":"4","name":1997}`)) // wrong types, missing fields
		default:
			http.NotFound(w, r)
		}
	}))
}

func TestCheck_ReportsEachDifference(t *testing.T) {
	srv := driftedUContact()
	defer srv.Close()
	demo, err := simulators.DefaultDemo(ucontact.Spec)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := contracts.Check(context.Background(), srv.Client(), ucontact.Spec, srv.URL, demo, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Drifted() {
		t.Fatal("no drift reported")
	}
	var out bytes.Buffer
	rep.Write(&out)
	for _, want := range []string{
		"DRIFT  getUserToken\n",
		`response 200: response header Content-Type has unexpected value: "application/json"`,
		`no token in the answer (HTTP 200)`,
		`DRIFT  getUserToken, wrong password`,
		`response 500: status is not supported`,
		`DRIFT  AgentLogin, wrong password`,
		`"accountcode" is missing`,
		`not sent: it breaks the contract without the tokens earlier probes did not hand out (token, agentToken)`,
		`8 of 8 probes drifted from contracts/ucontact.yaml`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

// TestCheck_ReindentedAndReorderedCRMCOM: a server that writes CRM.COM's
// envelope indented and with its members in another order (a real
// tenant's serializer, a proxy's) is read by what it says: member order is
// reported as drift of its own, never as "the vendor's error", and the
// token it hands out is kept, so the probes after it do not cascade.
func TestCheck_ReindentedAndReorderedCRMCOM(t *testing.T) {
	rep, report := checkCRMCOMBehind(t, func(sim http.Handler, w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		var v any
		if json.Unmarshal(body, &v) == nil {
			// Members sorted by name (data before status; code,
			// description, message), two spaces of indent.
			body, _ = json.MarshalIndent(v, "", "  ")
		}
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})
	if strings.Contains(report, "the vendor's error") || strings.Contains(report, "no token in the answer") || strings.Contains(report, "not sent") {
		t.Errorf("a re-indented, re-ordered success read as a failure:\n%s", report)
	}
	// CRM.COM's own samples write its members in more than one order
	// (the R12 answer data first): no order of them is drift.
	for _, res := range rep.Results {
		for _, d := range res.Drift {
			t.Errorf("%s: drift: %s", res.Probe, d)
		}
	}
}

// checkCRMCOMBehind runs contract check against a server that answers
// through serve, in front of an in-memory CRM.COM: its report, and the
// report as text.
func checkCRMCOMBehind(t *testing.T, serve func(sim http.Handler, w http.ResponseWriter, r *http.Request)) (contracts.Report, string) {
	t.Helper()
	stack, err := simulators.Start(simulators.Options{NoListener: true, Vendors: []string{crmcom.Name}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stack.Close() })
	sim := stack.Handler(crmcom.Name)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { serve(sim, w, r) }))
	t.Cleanup(srv.Close)
	vendors, err := stack.Vendors()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := contracts.Check(context.Background(), srv.Client(), crmcom.Spec, srv.URL, vendors[0].Demo, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep.Write(&out)
	return rep, out.String()
}

// r12TokenAnswer is the public R12 token answer as captured (public code
// id 20105503753), spacing and all.
const r12TokenAnswer = `{  "data": {    "token": "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJ1c3IiOiJNUEFkbWluaXN0cmF0b3IiLCJvcmciOiJldmIyY19yMTIiLCJvdW4iOiIxIiwiZXhwIjoiMTQ5NDMzNjc0OCIsImlhdCI6IjE0OTQzMjk1NDgiLCJqdGkiOiIwNTE5MDA4MDQ2MUU0RkMxQjQ3MTFBNDRFNEIzNUIxMSJ9.RO35RvA_XghX8SugPfQZMnAJvfIBtZm-OD9bQwNSOjc"  },  "status": {    "code": "OK",    "description": "",    "message": ""  }}`

// contract check against a replay of R12's public token answer (its
// bytes, the token the stack minted in place of the captured one, so the
// calls after it can use it) reports it as the success it is, with no
// drift.
func TestCheck_R12TokenAnswerReplayed(t *testing.T) {
	rep, report := checkCRMCOMBehind(t, func(sim http.Handler, w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == crmcom.PathToken || r.URL.Path == crmcom.PathWebAPIKey {
			rec := httptest.NewRecorder()
			sim.ServeHTTP(rec, r)
			var got struct{ Data struct{ Token string } }
			if json.Unmarshal(rec.Body.Bytes(), &got) == nil && got.Data.Token != "" {
				captured := r12TokenAnswer[strings.Index(r12TokenAnswer, "eyJ"):strings.Index(r12TokenAnswer, `"  },`)]
				w.Header().Set("Content-Type", "application/json;charset=UTF-8")
				_, _ = io.WriteString(w, strings.Replace(r12TokenAnswer, captured, got.Data.Token, 1))
				return
			}
		}
		sim.ServeHTTP(w, r)
	})
	if strings.Contains(report, "the vendor's error") || strings.Contains(report, "no token in the answer") || rep.Drifted() {
		t.Errorf("R12's success read as a failure:\n%s", report)
	}
	for _, res := range rep.Results {
		for _, d := range res.Drift {
			t.Errorf("%s: drift: %s", res.Probe, d)
		}
	}
}
