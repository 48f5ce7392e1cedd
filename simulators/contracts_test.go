package simulators_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/mockauth/mockauth/simulators"
	"github.com/mockauth/mockauth/simulators/journal"
)

func TestNearMisses(t *testing.T) {
	t.Parallel()
	s := start(t, simulators.Options{})
	testCases := []struct {
		name, vendor, method, path string
		want                       string // first closest line
	}{
		{"wrong case", "ucontact", "POST", "/Integra/resources/auth/getusertoken",
			"  POST /Integra/resources/auth/getUserToken (getUserToken): path differs in case: sent /Integra/resources/auth/getusertoken; ucontact paths are case-sensitive"},
		{"wrong method", "ucontact", "GET", "/Integra/resources/auth/getUserToken",
			"  POST /Integra/resources/auth/getUserToken (getUserToken): method: sent GET, documented POST"},
		{"wrong base path", "crmcom", "POST", "/crmapi/rest/v1/authentication/token",
			`  POST /crmapi/rest/v2/authentication/token (token): path: sent /crmapi/rest/v1/authentication/token, documented /crmapi/rest/v2/authentication/token ("v1" where "v2" belongs)`},
		{"wrong path", "autoalert", "POST", "/User/authenticat",
			`  POST /User/authenticate (authenticate): path: sent /User/authenticat, documented /User/authenticate ("authenticat" where "authenticate" belongs)`},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			got := send(t, s.Client(), tc.method, s.URL(tc.vendor)+tc.path, formCT, "")
			wantHead := "mockauth: no documented " + tc.vendor + " operation matches " + tc.method + " " + tc.path + "\nclosest documented operations:\n"
			if got.status != 404 || !strings.HasPrefix(got.body, wantHead+tc.want+"\n") {
				t.Fatalf("got %d\n%s\nwant 404 starting\n%s%s", got.status, got.body, wantHead, tc.want)
			}
		})
	}
	unmatched := send(t, http.DefaultClient, "GET", s.AdminURL()+"/__admin/requests/unmatched", "", "")
	var ans struct{ Requests []journal.Entry }
	if err := json.Unmarshal([]byte(unmatched.body), &ans); err != nil {
		t.Fatal(err)
	}
	if len(ans.Requests) != len(testCases) || !ans.Requests[0].Unmatched {
		t.Fatalf("unmatched list has %d entries, want %d", len(ans.Requests), len(testCases))
	}
	login(t, s, "demo", "demo")
	assertJSONEqual(t, send(t, http.DefaultClient, "POST", s.AdminURL()+"/__admin/requests/count", "", `{"unmatched":true}`).body, `{"count":4}`)
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
