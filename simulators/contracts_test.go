package simulators_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/mockauth/mockauth/simulators"
	"github.com/mockauth/mockauth/simulators/journal"
)

// tomcatPage is Tomcat 9's error report for a status and message.
func tomcatPage(status int, reason, message, description string) string {
	title := fmt.Sprintf("HTTP Status %d – %s", status, reason)
	return `<!doctype html><html lang="en"><head><title>` + title + `</title><style type="text/css">body {font-family:Tahoma,Arial,sans-serif;} h1, h2, h3, b {color:white;background-color:#525D76;} h1 {font-size:22px;} h2 {font-size:16px;} h3 {font-size:14px;} p {font-size:12px;} a {color:black;} .line {height:1px;background-color:#525D76;border:none;}</style></head><body><h1>` + title +
		`</h1><hr class="line" /><p><b>Type</b> Status Report</p><p><b>Message</b> ` + message + `</p><p><b>Description</b> ` + description + `</p><hr class="line" /></body></html>`
}

const (
	tomcat404 = "The origin server did not find a current representation for the target resource or is not willing to disclose that one exists."
	tomcat405 = "The method received in the request-line is known by the origin server but not supported by the target resource."
)

// bootTimestamp is Jackson's form of a Spring Boot error's timestamp.
var bootTimestamp = regexp.MustCompile(`"timestamp":"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00)"`)

// TestNoRoute_VendorsOwnAnswers: a request no documented operation takes
// gets the vendor server's own 404 or 405, byte for byte, and the
// diagnosis in a header, the journal and the unmatched list.
func TestNoRoute_VendorsOwnAnswers(t *testing.T) {
	t.Parallel()
	s := start(t, simulators.Options{})
	if err := s.Clock().Advance(240 * time.Hour); err != nil {
		t.Fatal(err)
	}
	testCases := []struct {
		name, vendor, method, path string
		accept                     string
		status                     int
		header                     map[string]string // exact values; "" for absent
		body                       string            // {URL} is the vendor's URL; Exotel's timestamp is checked apart
		closest                    string            // the first near miss in the diagnosis
	}{
		{"uContact wrong method", "ucontact", "GET", "/Integra/resources/auth/getUserToken", "", 405,
			map[string]string{"Allow": "POST", "Content-Type": "text/html;charset=utf-8", "Content-Language": "en"},
			tomcatPage(405, "Method Not Allowed", "Method Not Allowed", tomcat405),
			"POST /Integra/resources/auth/getUserToken (getUserToken): method: sent GET, documented POST"},
		{"uContact wrong case", "ucontact", "POST", "/Integra/resources/auth/getusertoken", "", 404,
			map[string]string{"Allow": "", "Content-Type": "text/html;charset=utf-8"},
			tomcatPage(404, "Not Found", "Not Found", tomcat404),
			"POST /Integra/resources/auth/getUserToken (getUserToken): path differs in case: sent /Integra/resources/auth/getusertoken; ucontact paths are case-sensitive"},
		{"uContact outside the application", "ucontact", "POST", "/auth/getUserToken", "", 404,
			map[string]string{"Content-Type": "text/html;charset=utf-8"},
			tomcatPage(404, "Not Found", "The requested resource [&#47;auth&#47;getUserToken] is not available", tomcat404),
			"POST /Integra/resources/auth/getUserToken (getUserToken): path: sent /auth/getUserToken, documented /Integra/resources/auth/getUserToken (missing prefix /Integra/resources)"},
		{"CRM.COM wrong base path", "crmcom", "POST", "/crmapi/rest/v1/authentication/token", "", 404,
			map[string]string{"Allow": "", "Content-Type": "text/html;charset=utf-8"},
			tomcatPage(404, "Not Found", "Not Found", tomcat404),
			`POST /crmapi/rest/v2/authentication/token (token): path: sent /crmapi/rest/v1/authentication/token, documented /crmapi/rest/v2/authentication/token ("v1" where "v2" belongs)`},
		{"CRM.COM wrong method (Q10)", "crmcom", "GET", "/crmapi/rest/v2/authentication/token", "", 405,
			map[string]string{"Allow": "POST", "Content-Type": "text/html;charset=utf-8"},
			tomcatPage(405, "Method Not Allowed", "Method Not Allowed", tomcat405),
			"POST /crmapi/rest/v2/authentication/token (token): method: sent GET, documented POST"},
		{"AutoAlert wrong method (D8)", "autoalert", "GET", "/User/authenticate", "", 405,
			map[string]string{"Content-Type": "application/json; charset=utf-8"},
			`{"Message":"The requested resource does not support http method 'GET'."}`,
			"POST /User/authenticate (authenticate): method: sent GET, documented POST"},
		{"AutoAlert unknown route", "autoalert", "POST", "/User/authenticat", "", 404,
			map[string]string{"Content-Type": "application/json; charset=utf-8"},
			`{"Message":"No HTTP resource was found that matches the request URI '{URL}/User/authenticat'."}`,
			`POST /User/authenticate (authenticate): path: sent /User/authenticat, documented /User/authenticate ("authenticat" where "authenticate" belongs)`},
		{"AutoAlert unknown route, XML", "autoalert", "POST", "/User/authenticat", "application/xml", 404,
			map[string]string{"Content-Type": "application/xml; charset=utf-8"},
			`<Error><Message>No HTTP resource was found that matches the request URI '{URL}/User/authenticat'.</Message></Error>`,
			`POST /User/authenticate (authenticate)`},
		{"Exotel extra prefix", "exotel", "POST", "/api/v1/configuration/basicauth", "", 404,
			map[string]string{"Allow": "", "Content-Type": "application/json"},
			`{"timestamp":"T","status":404,"error":"Not Found","path":"/api/v1/configuration/basicauth"}`,
			"POST /configuration/basicauth (basicauth): path: sent /api/v1/configuration/basicauth, documented /configuration/basicauth (extra prefix /api/v1)"},
		{"Exotel inserted segment", "exotel", "GET", "/configuration/v1/whoami", "", 404,
			map[string]string{"Content-Type": "application/json"},
			`{"timestamp":"T","status":404,"error":"Not Found","path":"/configuration/v1/whoami"}`,
			"GET /configuration/whoami (whoami): path: sent /configuration/v1/whoami, documented /configuration/whoami (extra /v1 after /configuration)"},
		{"Exotel wrong method", "exotel", "PUT", "/login", "", 405,
			map[string]string{"Allow": "GET, POST", "Content-Type": "application/json"},
			`{"timestamp":"T","status":405,"error":"Method Not Allowed","path":"/login"}`,
			"GET /login (loginPage): method: sent PUT, documented GET"},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			got := send(t, s.Client(), tc.method, s.URL(tc.vendor)+tc.path, formCT, "", "Accept", tc.accept)
			body := got.body
			if m := bootTimestamp.FindStringSubmatch(body); m != nil {
				at, err := time.Parse("2006-01-02T15:04:05.000-07:00", m[1])
				if err != nil || at.Sub(s.Clock().Now()).Abs() > time.Minute {
					t.Errorf("timestamp %s, want the simulated clock's now (%s): %v", m[1], s.Clock().Now().UTC(), err)
				}
				body = strings.Replace(body, m[1], "T", 1)
			}
			want := strings.ReplaceAll(tc.body, "{URL}", s.URL(tc.vendor))
			if got.status != tc.status || body != want {
				t.Errorf("got %d\n%s\nwant %d\n%s", got.status, body, tc.status, want)
			}
			for name, value := range tc.header {
				if got.header.Get(name) != value {
					t.Errorf("%s: %q, want %q", name, got.header.Get(name), value)
				}
			}
			diagnosis := got.header.Get(simulators.HeaderDiagnosis)
			head := "no documented " + tc.vendor + " operation matches " + tc.method + " " + tc.path + "; closest: "
			if !strings.HasPrefix(diagnosis, head+tc.closest) {
				t.Errorf("diagnosis\n%s\nwant it to start\n%s%s", diagnosis, head, tc.closest)
			}
			entries := s.Requests(journal.Filter{Vendor: tc.vendor, Unmatched: true}, 0)
			found := false
			for _, e := range entries {
				found = found || (e.Diagnosis == diagnosis && e.Outcome == journal.OutcomeUnmatched)
			}
			if !found {
				t.Errorf("no unmatched journal entry carries the diagnosis")
			}
		})
	}
	unmatched := send(t, http.DefaultClient, "GET", s.AdminURL()+"/__admin/requests/unmatched", "", "")
	var ans struct{ Requests []journal.Entry }
	if err := json.Unmarshal([]byte(unmatched.body), &ans); err != nil {
		t.Fatal(err)
	}
	if len(ans.Requests) != len(testCases) || !ans.Requests[0].Unmatched || ans.Requests[0].Diagnosis == "" {
		t.Fatalf("unmatched list has %d entries, want %d, each with its diagnosis", len(ans.Requests), len(testCases))
	}
	login(t, s, "demo", "demo")
	assertJSONEqual(t, send(t, http.DefaultClient, "POST", s.AdminURL()+"/__admin/requests/count", "application/json", `{"unmatched":true}`).body, fmt.Sprintf(`{"count":%d}`, len(testCases)))
}

// TestNoRoute_EmptyErrorPages: the fixture setting errorPages: empty
// selects the other known servlet answer, the status alone.
func TestNoRoute_EmptyErrorPages(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, name := range []string{"ucontact", "crmcom"} {
		data, err := os.ReadFile(filepath.Join("..", "fixtures", name+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		data = bytes.Replace(data, []byte("errorPages: tomcat"), []byte("errorPages: empty"), 1)
		if err := os.WriteFile(filepath.Join(dir, name+".yaml"), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s := start(t, simulators.Options{FixturesDir: dir})
	for _, u := range []string{s.URL("ucontact") + "/Integra/resources/auth/getUserToken", s.URL("crmcom") + "/crmapi/rest/v2/authentication/token"} {
		got := send(t, s.Client(), "GET", u, "", "")
		if got.status != 405 || got.body != "" || got.header.Get("Allow") != "POST" || got.header.Get(simulators.HeaderDiagnosis) == "" {
			t.Errorf("GET %s: %d %v %q, want 405, Allow: POST, a diagnosis and no body", u, got.status, got.header, got.body)
		}
	}
}

func TestAdmin_Contracts(t *testing.T) {
	t.Parallel()
	s := start(t, simulators.Options{})
	var list []struct {
		Vendor, URL, Server string
		Operations          []string
	}
	if err := json.Unmarshal([]byte(send(t, http.DefaultClient, "GET", s.AdminURL()+"/__admin/contracts", "", "").body), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 4 || list[0].Vendor != "ucontact" || list[0].Server != s.URL("ucontact") || len(list[0].Operations) != 5 {
		t.Fatalf("contracts list = %+v", list)
	}
	for _, name := range simulators.VendorNames() {
		for _, accept := range []string{"application/json", ""} {
			got := send(t, http.DefaultClient, "GET", s.AdminURL()+"/__admin/contracts/"+name, "", "", "Accept", accept)
			loader := openapi3.NewLoader()
			doc, err := loader.LoadFromData([]byte(got.body))
			if err != nil {
				t.Fatalf("%s (Accept %q): %v", name, accept, err)
			}
			if err := doc.Validate(loader.Context); err != nil {
				t.Fatalf("%s (Accept %q) does not validate: %v", name, accept, err)
			}
			if len(doc.Servers) != 1 || doc.Servers[0].URL != s.URL(name) {
				t.Fatalf("%s servers = %v, want the running simulator", name, doc.Servers)
			}
		}
	}
	if got := send(t, http.DefaultClient, "GET", s.AdminURL()+"/__admin/contracts/nosuch", "", ""); got.status != 404 {
		t.Fatalf("unknown vendor contract: %d", got.status)
	}
}
