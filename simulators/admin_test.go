package simulators_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mockauth/mockauth/simulators"
	"github.com/mockauth/mockauth/simulators/journal"
	"github.com/mockauth/mockauth/simulators/ucontact"
)

func TestAdmin_Calls(t *testing.T) {
	t.Parallel()
	s := start(t, simulators.Options{Vendors: []string{ucontact.Name}})
	login(t, s, "demo", "demo")
	login(t, s, "demo", "wrong")
	send(t, s.Client(), http.MethodPost, s.URL(ucontact.Name)+ucontact.PathAgentLogin, formCT, "agent=1997&password=1997")

	testCases := []struct {
		name, method, path, body string
		wantStatus               int
		wantBody                 string // exact JSON when it starts with { or [, else a substring
	}{
		{"health", "GET", "/__admin/health", "", 200, `{"status":"ok","vendors":{"ucontact":"serving"},"contractChecksShed":0}`},
		{"count all", "POST", "/__admin/requests/count", "", 200, `{"count":3}`},
		{"count by path", "POST", "/__admin/requests/count", `{"vendor":"ucontact","method":"POST","path":"/Integra/resources/auth/getUserToken"}`, 200, `{"count":2}`},
		{"count other vendor", "POST", "/__admin/requests/count", `{"vendor":"crmcom"}`, 200, `{"count":0}`},
		{"count with a typo", "POST", "/__admin/requests/count", `{"vendr":"x"}`, 400, `unknown field \"vendr\"`},
		{"count with broken JSON", "POST", "/__admin/requests/count", `{"vendor":`, 400, "body is not the expected JSON"},
		{"requests bad limit", "GET", "/__admin/requests?limit=ten", "", 400, `limit must be a whole number`},
		{"requests after the second", "GET", "/__admin/requests?after=2", "", 200, `"id": 3`},
		{"requests before the second", "GET", "/__admin/requests?before=2", "", 200, `"id": 1`},
		{"requests bad after", "GET", "/__admin/requests?after=-1", "", 400, `after must be a request id, not \"-1\"`},
		{"requests unknown vendor", "GET", "/__admin/requests?vendor=nosuch", "", 400, `no vendor \"nosuch\"`},
		{"clock bad advance", "POST", "/__admin/clock", `{"advance":"soon"}`, 400, `advance must be a Go duration`},
		{"clock backwards", "POST", "/__admin/clock", `{"advance":"-1h"}`, 400, `must not be negative`},
		{"unknown call", "GET", "/__admin/nope", "", 404, `no admin call GET /__admin/nope`},
		{"wrong method", "PUT", "/__admin/health", "", 405, `PUT is not allowed`},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			got := send(t, http.DefaultClient, tc.method, s.AdminURL()+tc.path, "application/json", tc.body)
			if got.status != tc.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", got.status, tc.wantStatus, got.body)
			}
			if ct := got.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if strings.HasPrefix(tc.wantBody, "{") {
				assertJSONEqual(t, got.body, tc.wantBody)
			} else if !strings.Contains(got.body, tc.wantBody) {
				t.Fatalf("body = %s, want it to contain %s", got.body, tc.wantBody)
			}
		})
	}
}

func assertJSONEqual(t *testing.T, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("body %q is not JSON: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if string(gb) != string(wb) {
		t.Fatalf("body = %s, want %s", gb, wb)
	}
}

func TestAdmin_Vendors(t *testing.T) {
	t.Parallel()
	s := start(t, simulators.Options{})
	var vendors []simulators.VendorInfo
	if err := json.Unmarshal([]byte(send(t, http.DefaultClient, "GET", s.AdminURL()+"/__admin/vendors", "", "").body), &vendors); err != nil {
		t.Fatal(err)
	}
	if len(vendors) != len(simulators.VendorNames()) {
		t.Fatalf("%d vendors listed, want %d", len(vendors), len(simulators.VendorNames()))
	}
	u := vendors[0]
	if u.Name != "ucontact" || u.BaseURL != s.URL("ucontact") || u.Demo["user"] != "demo" || u.Demo["agentUser"] != "1997" {
		t.Fatalf("ucontact entry = %+v", u)
	}
	var paths []string
	for _, e := range u.Endpoints {
		paths = append(paths, e.Method+" "+e.Path)
	}
	if !strings.Contains(strings.Join(paths, ","), "POST /Integra/resources/auth/getUserToken") {
		t.Fatalf("endpoints = %v", paths)
	}
}

func TestAdmin_RequestsNewestFirstAndClear(t *testing.T) {
	t.Parallel()
	s := start(t, simulators.Options{})
	login(t, s, "demo", "a")
	login(t, s, "supervisor", "b")
	var got struct {
		Requests []struct {
			User   string
			Status int
		}
	}
	if err := json.Unmarshal([]byte(send(t, http.DefaultClient, "GET", s.AdminURL()+"/__admin/requests?vendor=ucontact&limit=1", "", "").body), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Requests) != 1 || got.Requests[0].User != "supervisor" {
		t.Fatalf("requests = %+v, want the newest (supervisor) only", got.Requests)
	}
	assertJSONEqual(t, send(t, http.DefaultClient, "DELETE", s.AdminURL()+"/__admin/requests", "", "").body, `{"cleared":2}`)
	assertJSONEqual(t, send(t, http.DefaultClient, "POST", s.AdminURL()+"/__admin/requests/count", "application/json", "{}").body, `{"count":0}`)
}

func TestAdmin_ClockAndReset(t *testing.T) {
	t.Parallel()
	s := start(t, simulators.Options{})
	tok := strings.Trim(login(t, s, "demo", "demo").body, `"`)
	logoff := func() int {
		req, _ := http.NewRequest(http.MethodPost, s.URL(ucontact.Name)+ucontact.PathAgentLogoff, strings.NewReader("agent=1997"))
		req.Header.Set("Content-Type", formCT)
		req.Header.Set("Authorization", "Basic "+tok)
		res, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if st := logoff(); st != 200 {
		t.Fatalf("fresh token: %d", st)
	}
	var c struct {
		Now    time.Time
		Offset string
	}
	if err := json.Unmarshal([]byte(send(t, http.DefaultClient, "POST", s.AdminURL()+"/__admin/clock", "application/json", `{"advance":"8h1m"}`).body), &c); err != nil {
		t.Fatal(err)
	}
	if c.Offset != "8h1m0s" || c.Now.Before(time.Now().Add(8*time.Hour)) {
		t.Fatalf("clock = %+v", c)
	}
	if st := logoff(); st != 401 {
		t.Fatalf("token after 8h1m: %d, want 401", st)
	}
	assertJSONEqual(t, send(t, http.DefaultClient, "POST", s.AdminURL()+"/__admin/reset", "application/json", "").body, `{"reset":true}`)
	if s.Clock().Offset() != 0 {
		t.Fatal("reset left the clock moved")
	}
	if n := len(s.Requests(journal.Filter{}, 0)); n != 0 {
		t.Fatalf("reset left %d journal entries", n)
	}
	if st := logoff(); st != 401 {
		t.Fatalf("token after reset: %d, want 401 (reset forgets tokens)", st)
	}
}
