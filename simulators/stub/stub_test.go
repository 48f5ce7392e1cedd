package stub_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mockauth/mockauth/simulators/stub"
	"github.com/mockauth/mockauth/simulators/vendor"
)

var rules = stub.Rules{Auth: []string{"token"}, Operation: func(id string) bool { return id == "whoami" }}

// Every bad stub is refused at its line, with what is wrong.
func TestParse_RefusesWithTheLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown key", "stubs:\n  a:\n    method: GET\n    path: /a\n    auth: none\n    reponse: {}\n", `f.yaml:6: stub a: unknown key "reponse"`},
		{"no response", "stubs:\n  a:\n    method: GET\n    path: /a\n    auth: none\n", `f.yaml:3: stub a: has no response`},
		{"no auth", "stubs:\n  a:\n    method: GET\n    path: /a\n    response: {body: x}\n", `f.yaml:3: stub a: has no auth`},
		{"auth not the vendor's", "stubs:\n  a:\n    method: GET\n    path: /a\n    auth: oauth\n    response: {body: x}\n", `f.yaml:5: stub a: auth "oauth": the vendor's checks are "token", or none`},
		{"method", "stubs:\n  a:\n    method: FETCH\n    path: /a\n    auth: none\n    response: {body: x}\n", `f.yaml:3: stub a: method "FETCH"`},
		{"relative path", "stubs:\n  a:\n    method: GET\n    path: a\n    auth: none\n    response: {body: x}\n", `f.yaml:4: stub a: path "a": must start with /`},
		{"bad path parameter", "stubs:\n  a:\n    method: GET\n    path: /a/{id\n    auth: none\n    response: {body: x}\n", `f.yaml:4: stub a: path "/a/{id"`},
		{"query in the path", "stubs:\n  a:\n    method: GET\n    path: /a?x=1\n    auth: none\n    response: {body: x}\n", `a path alone`},
		{"status", "stubs:\n  a:\n    method: GET\n    path: /a\n    auth: none\n    response: {status: 999, body: x}\n", `f.yaml:6: stub a: status "999"`},
		{"header with a line break", "stubs:\n  a:\n    method: GET\n    path: /a\n    auth: none\n    response:\n      headers: {X-A: \"1\\r\\nX-B: 2\"}\n      body: x\n", `f.yaml:7: stub a: header "X-A"`},
		{"template field", "stubs:\n  a:\n    method: GET\n    path: /a\n    auth: none\n    response:\n      body: |\n        line one\n        {{.Nope}}\n", `f.yaml:9: stub a: body template:`},
		{"template helper", "stubs:\n  a:\n    method: GET\n    path: /a\n    auth: none\n    response: {body: '{{shout .Method}}'}\n", `f.yaml:6: stub a: body template: function "shout" not defined (helpers: json, xml, date`},
		{"template unclosed", "stubs:\n  a:\n    method: GET\n    path: /a\n    auth: none\n    response:\n      body: |\n        {{if .Method}}\n", `f.yaml:9: stub a: body template: unexpected EOF`},
		{"name", "stubs:\n  \"a b\":\n    method: GET\n    path: /a\n    auth: none\n    response: {body: x}\n", `f.yaml:2: stub name "a b"`},
		{"duplicate name", "stubs:\n  a:\n    method: GET\n    path: /a\n    auth: none\n    response: {body: x}\n  a:\n    method: GET\n    path: /b\n    auth: none\n    response: {body: x}\n", `f.yaml:7: stub a is declared twice (first at line 2)`},
		{"both responses", "stubs:\n  a:\n    method: GET\n    path: /a\n    auth: none\n    response: {body: x}\n    responses: {application/json: {body: x}}\n", `response or responses`},
		{"a media type", "stubs:\n  a:\n    method: GET\n    path: /a\n    auth: none\n    responses: {json: {body: x}}\n", `f.yaml:6: stub a: responses: "json" is not a media type`},
		{"unknown operation", "stubs:\n  a:\n    method: GET\n    path: /a\n    auth: none\n    contract: whoarewe\n    response: {body: x}\n", `f.yaml:6: stub a: contract "whoarewe": no such operationId`},
		{"match key", "stubs:\n  a:\n    method: GET\n    path: /a\n    auth: none\n    match: {header: {a: b}}\n    response: {body: x}\n", `f.yaml:6: stub a: match: unknown key "header"`},
		{"match value", "stubs:\n  a:\n    method: GET\n    path: /a\n    auth: none\n    match: {json: {a: [1]}}\n    response: {body: x}\n", `f.yaml:6: stub a: match.json.a: a value, not a list`},
		{"not a mapping", "stubs: [a]\n", `f.yaml:1: stubs must be a mapping`},
		{"reading and evidence", "stubs:\n  a:\n    method: GET\n    path: /a\n    auth: none\n    reading: r\n    evidence: e\n    response: {body: x}\n", `f.yaml:7: stub a: reading or evidence, not both`},
		{"broken YAML", "stubs:\n  a: [\n", `f.yaml`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := stub.Parse("f.yaml", []byte(tc.yaml), rules)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestParse_NoSection(t *testing.T) {
	t.Parallel()
	for _, data := range []string{"users: {}\n", "stubs:\n", "stubs: {}\n"} {
		stubs, err := stub.Parse("f.yaml", []byte(data), rules)
		if err != nil || len(stubs) != 0 {
			t.Errorf("%q: %v %v", data, stubs, err)
		}
	}
	_, without, _ := stub.ParseFile("f.yaml", []byte("users: {}\n"), rules)
	_, empty, _ := stub.ParseFile("f.yaml", []byte("stubs: {}\n"), rules)
	if without || !empty {
		t.Error("ParseFile: a file without stubs: takes the default catalogue (not declared), one with `stubs: {}` none (declared)")
	}
}

const catalogue = `stubs:
  order:
    method: GET
    path: /orders/{id}
    auth: token
    match: {query: {view: "*"}}
    response:
      headers: {Content-Type: application/json}
      body: '{"id":{{json .Path.id}},"view":{{json .Query.view}},"by":{{json .Login.user}}}'
  search-json:
    method: POST
    path: /search
    auth: none
    match: {json: {filter.kind: car}}
    response: {body: 'car {{.Field "filter.kind"}} {{.Field "limit"}}'}
  search-xml:
    method: POST
    path: /search
    auth: none
    match: {xml: {Filter.Kind: truck}}
    response: {body: 'truck {{.Field "token"}}'}
  search-form:
    method: POST
    path: /search
    auth: none
    match: {form: {kind: bike}}
    response: {body: 'bike {{.Form.kind}} {{date "2006-01-02" .Now}} {{add "24h" .Now | date "2006-01-02"}}'}
  negotiated:
    method: POST
    path: /negotiated
    auth: none
    responses:
      application/json: {headers: {Content-Type: application/json}, body: '{"a":1}'}
      application/xml: {headers: {Content-Type: application/xml}, body: '<a>1</a>'}
`

// Requests find their stub by method, path and fields; the answer renders
// over the request, the login and the clock.
func TestSet_MatchesAndRenders(t *testing.T) {
	t.Parallel()
	stubs, err := stub.Parse("f.yaml", []byte(catalogue), rules)
	if err != nil {
		t.Fatal(err)
	}
	set := stub.NewSet(stubs)
	now := func() time.Time { return time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		name, method, target, ct, accept, body string
		wantStub, wantBody                     string
	}{
		{"path parameter and query", "GET", "/orders/42?view=full", "", "", "", "order", `{"id":"42","view":"full","by":"wile"}`},
		{"query field missing", "GET", "/orders/42", "", "", "", "", ""},
		{"JSON field", "POST", "/search", "application/json", "", `{"filter":{"kind":"car"},"limit":3}`, "search-json", "car car 3"},
		{"XML field", "POST", "/search", "application/xml", "", `<Req xmlns="urn:x"><token>t0k</token><Filter><Kind>truck</Kind></Filter></Req>`, "search-xml", "truck t0k"},
		{"form field and clock", "POST", "/search", "application/x-www-form-urlencoded", "", "kind=bike", "search-form", "bike bike 2026-11-26 2026-11-27"},
		{"no field matches", "POST", "/search", "application/json", "", `{"filter":{"kind":"boat"}}`, "", ""},
		{"broken JSON matches nothing", "POST", "/search", "application/json", "", `{"filter":`, "", ""},
		{"another method", "PUT", "/search", "", "", "", "", ""},
		{"XML by Accept", "POST", "/negotiated", "", "application/xml", "", "negotiated", "<a>1</a>"},
		{"JSON by quality", "POST", "/negotiated", "", "application/xml;q=0.5, application/json", "", "negotiated", `{"a":1}`},
		{"the first for */*", "POST", "/negotiated", "", "*/*", "", "negotiated", `{"a":1}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, tc.target, strings.NewReader(tc.body))
			if tc.ct != "" {
				r.Header.Set("Content-Type", tc.ct)
			}
			if tc.accept != "" {
				r.Header.Set("Accept", tc.accept)
			}
			st, params := set.Lookup(r, []byte(tc.body))
			if tc.wantStub == "" {
				if st != nil {
					t.Fatalf("matched %s", st.Name)
				}
				return
			}
			if st == nil || st.Name != tc.wantStub {
				t.Fatalf("matched %v, want %s", st, tc.wantStub)
			}
			c := stub.Call{Stub: st, Params: params, Login: vendor.Login{User: "wile"}}
			w := httptest.NewRecorder()
			c.Handler("acme", []byte(tc.body), now).ServeHTTP(w, r)
			if w.Body.String() != tc.wantBody {
				t.Errorf("body %q, want %q", w.Body.String(), tc.wantBody)
			}
		})
	}
}

// A stub added later (at run time) wins over an earlier one on the same
// method and path.
func TestSet_LaterWins(t *testing.T) {
	t.Parallel()
	a, _ := stub.ParseOne("a", "a", []byte("method: GET\npath: /x\nauth: none\nresponse: {body: a}\n"), rules)
	b, _ := stub.ParseOne("b", "b", []byte("method: GET\npath: /x\nauth: none\nresponse: {body: b}\n"), rules)
	st, _ := stub.NewSet([]*stub.Stub{a, b}).Lookup(httptest.NewRequest("GET", "/x", nil), nil)
	if st != b {
		t.Fatalf("matched %v, want the later stub", st)
	}
}

// refusingGuard refuses every credential with its own answer.
type refusingGuard struct{}

func (refusingGuard) Authenticate(string, *http.Request, []byte) (vendor.Login, *vendor.Refusal) {
	return vendor.Login{}, &vendor.Refusal{Reason: vendor.RefusedExpired, Answer: refusingGuard{}.Stale("token")}
}

func (refusingGuard) Stale(string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte("stale"))
	})
}

func TestAuthorize_TheVendorsRefusal(t *testing.T) {
	t.Parallel()
	st, err := stub.ParseOne("s", "s", []byte("method: GET\npath: /x\nauth: token\nresponse: {body: secret}\n"), rules)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/x", nil)
	c := stub.Authorize(st, nil, refusingGuard{}, r, nil)
	w := httptest.NewRecorder()
	c.Handler("acme", nil, time.Now).ServeHTTP(w, r)
	if c.Verdict() != "expired" || w.Code != 401 || w.Body.String() != "stale" {
		t.Errorf("verdict %q, answer %d %q", c.Verdict(), w.Code, w.Body.String())
	}
	open, _ := stub.ParseOne("o", "o", []byte("method: GET\npath: /x\nauth: none\nresponse: {body: hi}\n"), rules)
	if v := stub.Authorize(open, nil, refusingGuard{}, r, nil).Verdict(); v != "" {
		t.Errorf("auth: none ran the check: %q", v)
	}
}

// A template cannot make an answer larger than the cap, whatever the
// request holds.
func TestRender_Bounded(t *testing.T) {
	t.Parallel()
	st, err := stub.ParseOne("s", "s", []byte("method: POST\npath: /x\nauth: none\nresponse: {body: '{{range .Form}}{{.}}{{.}}{{.}}{{.}}{{end}}{{range .Form}}{{.}}{{.}}{{.}}{{.}}{{end}}'}\n"), rules)
	if err != nil {
		t.Fatal(err)
	}
	body := "a=" + strings.Repeat("x", 200<<10)
	r := httptest.NewRequest("POST", "/x", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	stub.Call{Stub: st}.Handler("acme", []byte(body), time.Now).ServeHTTP(w, r)
	if w.Code != 500 || !strings.Contains(w.Body.String(), "larger than") {
		t.Errorf("%d %q", w.Code, w.Body.String()[:min(80, w.Body.Len())])
	}
}

// A request no stub's method and path could match is told so before the
// router runs; one that could is the router's to decide, as before.
func TestSet_LookupPrefilter(t *testing.T) {
	t.Parallel()
	stubs, err := stub.Parse("f.yaml", []byte(`stubs:
  item:
    method: POST
    path: /api/{id}/items
    auth: none
    response: {body: item}
  plain:
    method: GET
    path: /status
    auth: none
    response: {body: up}
`), rules)
	if err != nil {
		t.Fatal(err)
	}
	set := stub.NewSet(stubs)
	for _, tc := range []struct {
		method, path, want string
	}{
		{"POST", "/api/7/items", "item"},
		{"GET", "/api/7/items", ""},
		{"POST", "/api/7/other", ""},
		{"POST", "/apix/7/items", ""},
		{"GET", "/status", "plain"},
		{"get", "/status", ""}, // the router's method match is exact, and so is the filter
		{"GET", "/Status", ""},
		{"POST", "/elsewhere", ""},
	} {
		st, _ := set.Lookup(httptest.NewRequest(tc.method, tc.path, nil), nil)
		got := ""
		if st != nil {
			got = st.Name
		}
		if got != tc.want {
			t.Errorf("%s %s: stub %q, want %q", tc.method, tc.path, got, tc.want)
		}
	}
}

// Issue 31, N10: a stub cannot make the stack work without end or hold
// without bound. A template's ranges are over the request's data or a
// small number, nested twice at most, and it calls no other template; a
// stub has at most MaxResponses answers of MaxStubBytes in all; a path
// parameter's pattern is short and cheap; one rendering mints at most
// MaxMints tokens; and a stub that would answer one of the vendor's own
// operations (a login) says override: true.
func TestParse_Budgets(t *testing.T) {
	t.Parallel()
	withDocs := stub.Rules{Auth: []string{"token"}, Documented: []string{"POST /auth/login", "GET /configuration/whoami"}}
	stubOf := func(body string) string {
		return "method: GET\npath: /x\nauth: none\nresponse: {body: '" + body + "'}\n"
	}
	many := "method: GET\npath: /x\nauth: none\nresponses:\n"
	for i := range stub.MaxResponses + 1 {
		many += fmt.Sprintf("  text/t%d: {body: x}\n", i)
	}
	big := "method: GET\npath: /x\nauth: none\nresponses:\n"
	for i := range 3 {
		big += fmt.Sprintf("  text/t%d: {body: %s}\n", i, strings.Repeat("x", 60<<10))
	}
	testCases := []struct {
		name, stub, want string
	}{
		{"range over a large number", stubOf("{{range 1000000000}}x{{end}}"), "{{range 1000000000}}: at most 1000"},
		{"range over a helper", stubOf("{{range unix .Now}}x{{end}}"), "{{range}} takes a field of the request"},
		{"ranges nested three deep", stubOf("{{range .Form}}{{range .Form}}{{range .Form}}x{{end}}{{end}}{{end}}"), "ranges nested deeper than 2"},
		{"a template that calls one", stubOf(`{{define "a"}}{{template "a"}}{{end}}{{template "a"}}`), "is not taken"},
		{"too many answers", many, fmt.Sprintf("responses: %d, at most %d", stub.MaxResponses+1, stub.MaxResponses)},
		{"answers too large together", big, "bytes of bodies, at most"},
		{"a long pattern", "method: GET\npath: /x/{id:" + strings.Repeat("[0-9]", 20) + "}\nauth: none\nresponse: {body: x}\n", "at most 64"},
		{"a costly pattern", "method: GET\npath: /x/{id:(a{1,20}){1,20}}\nauth: none\nresponse: {body: x}\n", "too costly to match"},
		{"a login shadowed", "method: POST\npath: /auth/login\nauth: none\nresponse: {body: x}\n", "would answer the vendor's own POST /auth/login: say override: true"},
		{"every path caught", "method: GET\npath: /{rest:.*}\nauth: none\nresponse: {body: x}\n", "would answer the vendor's own GET /configuration/whoami"},
	}
	for _, tc := range testCases {
		if _, err := stub.ParseOne("s.yaml", "s", []byte(tc.stub), withDocs); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, err := stub.ParseOne("s.yaml", "s", []byte("method: POST\npath: /auth/login\nauth: none\noverride: true\nresponse: {body: x}\n"), withDocs); err != nil {
		t.Errorf("a login stub that says override: true: %v", err)
	}
	for _, ok := range []string{"{{range .Form}}{{range .Query}}x{{end}}{{end}}", "{{range 3}}x{{end}}", "{{range $k, $v := .Form}}{{$k}}{{end}}"} {
		if _, err := stub.ParseOne("s.yaml", "s", []byte(stubOf(ok)), withDocs); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	st, err := stub.ParseOne("s.yaml", "s", []byte(stubOf("{{range 20}}{{$.Token}} {{end}}")), withDocs)
	if err != nil {
		t.Fatal(err)
	}
	minted := 0
	c := stub.Call{Stub: st, Mint: func(context.Context, string) (string, error) { minted++; return "t", nil }}
	w := httptest.NewRecorder()
	c.Handler("acme", nil, time.Now).ServeHTTP(w, httptest.NewRequest("GET", "/x", nil))
	if minted > stub.MaxMints || w.Code != 500 {
		t.Errorf("a loop of {{.Token}}: %d minted, answer %d", minted, w.Code)
	}
}
