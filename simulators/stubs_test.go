package simulators_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mockauth/mockauth/simulators"
	"github.com/mockauth/mockauth/simulators/autoalert"
	"github.com/mockauth/mockauth/simulators/crmcom"
	"github.com/mockauth/mockauth/simulators/exotel"
	"github.com/mockauth/mockauth/simulators/internal/pipeline"
	"github.com/mockauth/mockauth/simulators/journal"
	"github.com/mockauth/mockauth/simulators/stub"
	"github.com/mockauth/mockauth/simulators/ucontact"
)

// flow is one vendor's life of a token on its calls after login: log in,
// call, let the clock pass the lifetime, log in again, end the session.
type flow struct {
	vendor string
	life   time.Duration // advancing the clock this far kills a token
	login  func(t *testing.T, s *simulators.Stack) string
	// calls are protected calls; each reports whether the vendor let it
	// through, and the body to check.
	calls []func(t *testing.T, s *simulators.Stack, token string) (bool, reply)
	end   func(t *testing.T, s *simulators.Stack, token string) // nil: the vendor has no end
	// refused is the exact answer the vendor gives a stale token.
	refused func(t *testing.T, r reply)
}

func ucontactFlow() flow {
	return flow{
		vendor: ucontact.Name, life: time.Hour,
		login: func(t *testing.T, s *simulators.Stack) string {
			r := login(t, s, "demo", "demo")
			return strings.Trim(r.body, `"`)
		},
		calls: []func(*testing.T, *simulators.Stack, string) (bool, reply){
			func(t *testing.T, s *simulators.Stack, tok string) (bool, reply) {
				r := send(t, s.Client(), http.MethodPost, s.URL(ucontact.Name)+"/Integra/resources/Supervisor/campaignstatus", formCT, "queue=",
					"Authorization", "Basic "+tok)
				return r.status == 200 && strings.HasPrefix(r.body, `{"Ventas<-":{`), r
			},
		},
		end: func(t *testing.T, s *simulators.Stack, tok string) {
			r := send(t, s.Client(), http.MethodPost, s.URL(ucontact.Name)+ucontact.PathEndSession, formCT, url.Values{"user": {"demo"}, "token": {tok}}.Encode())
			if r.body != ucontact.BodyEnded {
				t.Fatalf("EndSession: %d %q", r.status, r.body)
			}
		},
		refused: func(t *testing.T, r reply) {
			if r.status != 401 || r.body != ucontact.BodyUnauthorized || r.header.Get("WWW-Authenticate") != ucontact.WWWAuthenticate {
				t.Errorf("a stale token: %d %v %q, want 401 Unauthorized with WWW-Authenticate", r.status, r.header, r.body)
			}
		},
	}
}

func crmcomFlow() flow {
	base := func(s *simulators.Stack) string { return s.URL(crmcom.Name) + "/crmapi/rest/v2" }
	return flow{
		vendor: crmcom.Name, life: time.Hour,
		login: func(t *testing.T, s *simulators.Stack) string {
			r := send(t, s.Client(), http.MethodPost, s.URL(crmcom.Name)+crmcom.PathToken, "application/json",
				`{"username":"mpadministrator","password":"1234","organisation":"CRMDEMO"}`)
			var env struct{ Data struct{ Token string } }
			if err := json.Unmarshal([]byte(r.body), &env); err != nil || env.Data.Token == "" {
				t.Fatalf("login: %q", r.body)
			}
			return env.Data.Token
		},
		calls: []func(*testing.T, *simulators.Stack, string) (bool, reply){
			func(t *testing.T, s *simulators.Stack, tok string) (bool, reply) { // token in the query
				r := send(t, s.Client(), http.MethodGet, base(s)+"/accounts_receivable/list?token="+url.QueryEscape(tok), "", "")
				return strings.HasPrefix(r.body, `{"status":{"code":"OK"`) && strings.Contains(r.body, `"organisation":"CRMDEMO"`), r
			},
			func(t *testing.T, s *simulators.Stack, tok string) (bool, reply) { // token in the body
				r := send(t, s.Client(), http.MethodPost, base(s)+"/activities/create", "application/json", `{"token":"`+tok+`","type":"call"}`)
				// Its id as every CRM.COM id in public samples: 32 upper-case hex digits.
				return strings.HasPrefix(r.body, `{"status":{"code":"OK"`) && strings.Contains(r.body, `"created_by":"mpadministrator"`) &&
					regexp.MustCompile(`"id":"[0-9A-F]{32}"`).MatchString(r.body), r
			},
		},
		end: func(t *testing.T, s *simulators.Stack, tok string) {
			r := send(t, s.Client(), http.MethodPost, s.URL(crmcom.Name)+crmcom.PathRelease, "application/json", `{"token":"`+tok+`"}`)
			if !strings.HasPrefix(r.body, `{"status":{"code":"OK"`) {
				t.Fatalf("release: %q", r.body)
			}
		},
		refused: func(t *testing.T, r reply) {
			if r.status != 200 || !regexp.MustCompile(`^\{"status":\{"code":"(TOKEN_EXPIRED|INVALID_TOKEN)"`).MatchString(r.body) {
				t.Errorf("a stale token: %d %q, want HTTP 200 and the envelope's TOKEN_EXPIRED or INVALID_TOKEN", r.status, r.body)
			}
		},
	}
}

func autoalertFlow() flow {
	call := func(t *testing.T, s *simulators.Stack, ct, body string) reply {
		return send(t, s.Client(), http.MethodPost, s.URL(autoalert.Name)+"/Search/getentities", ct, body, "Accept", ct)
	}
	return flow{
		vendor: autoalert.Name, life: 24 * time.Hour,
		login: func(t *testing.T, s *simulators.Stack) string {
			r := send(t, s.Client(), http.MethodPost, s.URL(autoalert.Name)+autoalert.PathAuthenticate, "application/json", `{"userName":"demo","password":"demo"}`)
			var a struct{ Token string }
			if err := json.Unmarshal([]byte(r.body), &a); err != nil || a.Token == "" {
				t.Fatalf("authenticate: %q", r.body)
			}
			return a.Token
		},
		calls: []func(*testing.T, *simulators.Stack, string) (bool, reply){
			func(t *testing.T, s *simulators.Stack, tok string) (bool, reply) {
				r := call(t, s, "application/json", `{"token":"`+tok+`","query":""}`)
				return r.status == 200 && strings.Contains(r.body, `"Entities":[`), r
			},
			func(t *testing.T, s *simulators.Stack, tok string) (bool, reply) {
				r := call(t, s, "application/xml", `<GetEntitiesRequest xmlns="http://schemas.datacontract.org/2004/07/AutoAlert.API.Models.Search"><token xmlns="http://schemas.datacontract.org/2004/07/AutoAlert.API.Models">`+tok+`</token></GetEntitiesRequest>`)
				return r.status == 200 && strings.Contains(r.body, "<Entities>"), r
			},
			func(t *testing.T, s *simulators.Stack, tok string) (bool, reply) { // a stub, XML in and out
				r := send(t, s.Client(), http.MethodPost, s.URL(autoalert.Name)+"/Search/mine", "application/xml",
					`<Mine xmlns="urn:x"><token>`+tok+`</token></Mine>`, "Accept", "application/xml")
				return r.status == 200 && r.body == "<Mine><user>demo</user></Mine>", r
			},
			func(t *testing.T, s *simulators.Stack, tok string) (bool, reply) { // the same stub, JSON
				r := send(t, s.Client(), http.MethodPost, s.URL(autoalert.Name)+"/Search/mine", "application/json",
					`{"Token":"`+tok+`"}`, "Accept", "application/json")
				return r.status == 200 && r.body == `{"user":"demo"}`, r
			},
		},
		end: func(t *testing.T, s *simulators.Stack, tok string) {
			r := send(t, s.Client(), http.MethodPost, s.URL(autoalert.Name)+autoalert.PathLogoff, "application/json", `{"token":"`+tok+`"}`)
			if r.status != 200 {
				t.Fatalf("logoff: %d %q", r.status, r.body)
			}
		},
		refused: func(t *testing.T, r reply) {
			if r.status != 401 || !strings.Contains(r.body, autoalert.MsgInvalidToken) {
				t.Errorf("a stale token: %d %q, want 401 %q", r.status, r.body, autoalert.MsgInvalidToken)
			}
		},
	}
}

func exotelFlow() flow {
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("demo.user:demo-user-pass"))
	return flow{
		vendor: exotel.Name, life: 720 * time.Hour,
		// A registered credential is the login; a fresh stack's clock
		// restarts it, as logging in again does for the other vendors.
		login: func(t *testing.T, s *simulators.Stack) string { return basic },
		calls: []func(*testing.T, *simulators.Stack, string) (bool, reply){
			func(t *testing.T, s *simulators.Stack, auth string) (bool, reply) {
				r := send(t, s.Client(), http.MethodGet, s.URL(exotel.Name)+exotel.PathWhoAmI, "", "", "Authorization", auth)
				return r.status == 200 && strings.HasPrefix(r.body, `{"username":"demo.user","context":"ContactCenter","contextId":"1","userRole":"Agent","dateExpiry":"`), r
			},
		},
		refused: func(t *testing.T, r reply) {
			if r.status != 401 || r.header.Get("WWW-Authenticate") != exotel.WWWAuthenticate || !strings.Contains(r.body, `"status":401,"error":"Unauthorized"`) {
				t.Errorf("a stale credential: %d %v %q", r.status, r.header, r.body)
			}
		},
	}
}

// mineStub is a stub added at run time that answers in JSON or XML.
const mineStub = `
method: POST
path: /Search/mine
auth: token
responses:
  application/json:
    headers: {Content-Type: application/json; charset=utf-8}
    body: '{"user":{{json .Login.user}}}'
  application/xml:
    headers: {Content-Type: application/xml; charset=utf-8}
    body: '<Mine><user>{{xml .Login.user}}</user></Mine>'
`

// TestStubs_TokenLifeOnCallsAfterLogin is the done-when: a call
// after login takes the login's token; past the lifetime the vendor's own
// refusal; a new login works again; an ended token is refused.
func TestStubs_TokenLifeOnCallsAfterLogin(t *testing.T) {
	t.Parallel()
	for _, f := range []flow{ucontactFlow(), crmcomFlow(), autoalertFlow(), exotelFlow()} {
		t.Run(f.vendor, func(t *testing.T) {
			t.Parallel()
			s := start(t, simulators.Options{Vendors: []string{f.vendor}})
			if f.vendor == autoalert.Name {
				if _, _, err := s.PutStub(autoalert.Name, "mine", []byte(mineStub)); err != nil {
					t.Fatal(err)
				}
			}
			tok := f.login(t, s)
			for i, call := range f.calls {
				if ok, r := call(t, s, tok); !ok {
					t.Fatalf("call %d with a fresh token: %d %q", i, r.status, r.body)
				}
			}
			if err := s.Clock().Advance(f.life + time.Minute); err != nil {
				t.Fatal(err)
			}
			for i, call := range f.calls {
				ok, r := call(t, s, tok)
				if ok {
					t.Fatalf("call %d past the lifetime: let through: %q", i, r.body)
				}
				f.refused(t, r)
			}
			seen := verdicts(s, f.vendor)
			if f.vendor == exotel.Name {
				s.Reset() // the credential registered anew on the clock's start
			}
			tok = f.login(t, s)
			for i, call := range f.calls {
				if ok, r := call(t, s, tok); !ok {
					t.Fatalf("call %d after logging in again: %d %q", i, r.status, r.body)
				}
			}
			if f.end != nil {
				f.end(t, s, tok)
				for i, call := range f.calls {
					ok, r := call(t, s, tok)
					if ok {
						t.Fatalf("call %d with an ended token: let through", i)
					}
					f.refused(t, r)
				}
			}
			for v := range verdicts(s, f.vendor) {
				seen[v] = true
			}
			want := []string{"ok", "expired"}
			if f.end != nil {
				want = append(want, "ended")
			}
			for _, w := range want {
				if !seen[w] {
					t.Errorf("journal: no call judged %q (saw %v)", w, seen)
				}
			}
		})
	}
}

// verdicts are the vendor's checks of protected calls in the journal.
func verdicts(s *simulators.Stack, vendorName string) map[string]bool {
	seen := map[string]bool{}
	for _, e := range s.Requests(journal.Filter{Vendor: vendorName}, 0) {
		if e.Auth != "" {
			seen[e.Auth] = true
		}
	}
	return seen
}

func TestStubs_ZeroTokenIsNamed(t *testing.T) {
	t.Parallel()
	s := start(t, simulators.Options{Vendors: []string{ucontact.Name}})
	r := send(t, s.Client(), http.MethodPost, s.URL(ucontact.Name)+"/Integra/resources/Supervisor/campaignstatus", formCT, "queue=", "Authorization", `Basic "0"`)
	if r.status != 401 {
		t.Fatalf("status %d", r.status)
	}
	e := s.Requests(journal.Filter{Vendor: ucontact.Name}, 1)[0]
	if e.Auth != "zero" || e.Endpoint != "campaignstatus" || e.Stub != "fixtures" {
		t.Errorf("journal: auth %q endpoint %q stub %q", e.Auth, e.Endpoint, e.Stub)
	}
}

func TestStubs_BrokenFileRefusedWithLine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := "users: {u: {password: p}}\nstubs:\n  x:\n    method: GET\n    path: /a\n    auth: token\n    response:\n      body: |\n        ok\n        {{.Nope}}\n"
	writeFile(t, filepath.Join(dir, "ucontact.yaml"), bad)
	_, err := simulators.Start(simulators.Options{Vendors: []string{ucontact.Name}, FixturesDir: dir})
	if err == nil || !strings.Contains(err.Error(), "ucontact.yaml:10:") || !strings.Contains(err.Error(), "Nope") {
		t.Fatalf("err = %v, want ucontact.yaml:10 naming .Nope", err)
	}
}

// A reload takes a good stubs file, keeps what is loaded when the file is
// bad, and keeps the stubs added at run time either way.
func TestStubs_ReloadKeepsTheOldSetOnABadFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "crmcom.yaml")
	base := readFile(t, "../fixtures/crmcom.yaml")
	head, _, _ := strings.Cut(string(base), "\nstubs:")
	stubsOf := func(body string) string {
		return head + "\nstubs:\n  ping:\n    method: GET\n    path: /ping\n    auth: none\n    response: {body: " + body + "}\n"
	}
	writeFile(t, file, stubsOf("one"))
	s := start(t, simulators.Options{Vendors: []string{crmcom.Name}, FixturesDir: dir})
	get := func(path string) reply { return send(t, s.Client(), http.MethodGet, s.URL(crmcom.Name)+path, "", "") }
	if _, _, err := s.PutStub(crmcom.Name, "added", []byte("method: GET\npath: /added\nauth: none\nresponse: {body: here}\n")); err != nil {
		t.Fatal(err)
	}
	if r := get("/ping"); r.body != "one" {
		t.Fatalf("before reload: %q", r.body)
	}
	writeFile(t, file, head+"\nstubs:\n  ping:\n    method: GET\n    path: /ping\n    auth: token\n    response:\n      body: '{{json .Nope}}'\n")
	err := s.ReloadFixtures(dir)
	if err == nil || !strings.Contains(err.Error(), "crmcom.yaml:") || !strings.Contains(err.Error(), "Nope") {
		t.Fatalf("reload of a bad file: %v", err)
	}
	if r := get("/ping"); r.body != "one" {
		t.Errorf("after a bad reload: %q, want the old stub's", r.body)
	}
	writeFile(t, file, stubsOf("two"))
	if err := s.ReloadFixtures(dir); err != nil {
		t.Fatal(err)
	}
	if r := get("/ping"); r.body != "two" {
		t.Errorf("after a good reload: %q", r.body)
	}
	if r := get("/added"); r.body != "here" {
		t.Errorf("the run-time stub after a reload: %d %q", r.status, r.body)
	}
	if err := s.DeleteStub(crmcom.Name, "ping"); !errors.Is(err, simulators.ErrFixtureStub) {
		t.Errorf("deleting a fixture's stub: %v", err)
	}
}

// Scenarios select a stub by its name, as any endpoint; a stub near a
// request that matched nothing is named in the diagnosis.
func TestStubs_ScenariosAndDiagnosis(t *testing.T) {
	t.Parallel()
	scenarios := "scenarios:\n  wallboard-down:\n    rules:\n      - match: {vendor: ucontact, endpoint: campaignstatus}\n        fault: {type: status, status: 503, body: down}\n"
	s := start(t, simulators.Options{Vendors: []string{ucontact.Name}, Scenarios: []byte(scenarios), ScenariosName: "test.yaml", Activate: []string{"wallboard-down"}})
	tok := strings.Trim(login(t, s, "demo", "demo").body, `"`)
	r := send(t, s.Client(), http.MethodPost, s.URL(ucontact.Name)+"/Integra/resources/Supervisor/campaignstatus", formCT, "queue=", "Authorization", "Basic "+tok)
	if r.status != 503 || r.body != "down" {
		t.Errorf("campaignstatus under its scenario: %d %q", r.status, r.body)
	}
	r = send(t, s.Client(), http.MethodPost, s.URL(ucontact.Name)+"/Integra/resources/Supervisor/campaignStatus", formCT, "queue=")
	if d := r.header.Get(simulators.HeaderDiagnosis); r.status != 404 || !strings.Contains(d, "campaignstatus (stub)") {
		t.Errorf("near miss of a stub: %d %q", r.status, d)
	}
}

// Every default stub that names the members its cited client reads
// answers each of them with the type that client's reading needs (the
// wallboard slices talked and hold, and shows the counts).
func TestDefaultStubs_AnswerWhatTheirClientsRead(t *testing.T) {
	t.Parallel()
	checked := 0
	for _, spec := range simulators.Specs() {
		v, err := pipeline.ValidatorFor(spec)
		if err != nil {
			t.Fatal(err)
		}
		stubs, err := pipeline.FixtureStubs(spec, v, spec.Fixtures)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range stubs {
			if len(st.Reads) == 0 {
				continue
			}
			checked++
			for _, res := range st.Responses {
				w := httptest.NewRecorder()
				if err := res.Render(w, stub.Data{}); err != nil {
					t.Fatalf("%s %s: %v", spec.Name, st.Name, err)
				}
				for _, p := range stub.CheckReads(w.Body.Bytes(), st.Reads) {
					t.Errorf("%s stub %s: %s", spec.Name, st.Name, p)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no default stub names what its client reads")
	}
}
