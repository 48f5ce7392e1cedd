package simulators_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mockauth/mockauth/contracts"
	"github.com/mockauth/mockauth/simulators"
	"github.com/mockauth/mockauth/simulators/journal"
)

type pmKV struct{ Key, Value string }

type pmCollection struct {
	Info struct{ Name, Schema string }
	Item []struct {
		Name string
		Item []struct {
			Name    string
			Request struct {
				Method string
				Header []pmKV
				Body   *struct {
					Mode       string
					Raw        string
					URLEncoded []pmKV `json:"urlencoded"`
				}
				URL  struct{ Raw string }
				Auth *struct {
					Type  string
					Basic []pmKV
				}
			}
			Event []struct {
				Listen string
				Script struct{ Exec []string }
			}
		}
	}
	Variable []pmKV
}

// The collection parses, names the running stack, keeps each login's token,
// and every request in it matches its vendor's contract.
func TestAdmin_PostmanCollection(t *testing.T) {
	t.Parallel()
	s := start(t, simulators.Options{})
	got := send(t, http.DefaultClient, "GET", s.AdminURL()+"/__admin/postman", "", "")
	var c pmCollection
	if err := json.Unmarshal([]byte(got.body), &c); err != nil {
		t.Fatal(err)
	}
	if c.Info.Schema != simulators.PostmanSchema || len(c.Item) != 4 {
		t.Fatalf("collection info %+v with %d folders", c.Info, len(c.Item))
	}
	vars := map[string]string{}
	for _, v := range c.Variable {
		vars[v.Key] = v.Value
	}
	if vars["ucontact_url"] != s.URL("ucontact") || vars["exotel_url"] != s.URL("exotel") {
		t.Fatalf("variables %v do not point at the stack", vars)
	}
	subst := strings.NewReplacer("{{ucontact_url}}", s.URL("ucontact"), "{{crmcom_url}}", s.URL("crmcom"),
		"{{autoalert_url}}", s.URL("autoalert"), "{{exotel_url}}", s.URL("exotel"),
		"{{ucontact_token}}", "ZGVtbzp4", "{{ucontact_agent_token}}", "ZGVtbzp4", "{{crmcom_token}}", "4AD9C84FA60F9FE407140E20F707726A",
		"{{autoalert_token}}", "3681330f-08e5-4821-9485-9b8f6efca584", "{{exotel_admin_token}}", "a.b.c", "{{$timestamp}}", "1700000000")
	keeps := 0
	stubItems := map[string]string{}
	for _, folder := range c.Item {
		v, err := contracts.NewValidator(folder.Name)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range folder.Item {
			rq := it.Request
			if strings.HasSuffix(it.Name, " (stub)") {
				stubItems[folder.Name+" "+it.Name] = rq.Method + " " + rq.URL.Raw + " " + fmt.Sprint(rq.Header)
				if rq.Body != nil && rq.Body.Raw != "" {
					stubItems[folder.Name+" "+it.Name] += " " + rq.Body.Raw
				}
				continue
			}
			var body string
			if rq.Body != nil {
				body = rq.Body.Raw
				if rq.Body.Mode == "urlencoded" {
					form := url.Values{}
					for _, kv := range rq.Body.URLEncoded {
						form.Add(kv.Key, subst.Replace(kv.Value))
					}
					body = form.Encode()
				}
			}
			req, err := http.NewRequest(rq.Method, subst.Replace(rq.URL.Raw), strings.NewReader(subst.Replace(body)))
			if err != nil {
				t.Fatalf("%s %s: %v", folder.Name, it.Name, err)
			}
			for _, h := range rq.Header {
				req.Header.Set(h.Key, subst.Replace(h.Value))
			}
			if rq.Auth != nil {
				req.SetBasicAuth(rq.Auth.Basic[0].Value, rq.Auth.Basic[1].Value)
			}
			path := req.URL.Path
			if !v.Matches(req, path) {
				t.Errorf("%s %s: %s %s matches no operation of the contract", folder.Name, it.Name, rq.Method, path)
				continue
			}
			if _, violations := v.Request(req, "", []byte(subst.Replace(body))); len(violations) > 0 {
				t.Errorf("%s %s breaks the contract: %v", folder.Name, it.Name, violations)
			}
			for _, e := range it.Event {
				if e.Listen == "test" && strings.Contains(strings.Join(e.Script.Exec, "\n"), "pm.collectionVariables.set(") {
					keeps++
				}
			}
		}
	}
	if keeps < 4 {
		t.Fatalf("only %d requests keep a token for the calls after them", keeps)
	}
	// Each stub of the default catalogue, with the credential its vendor's
	// check takes from the token a login kept.
	for name, want := range map[string]string{
		"ucontact campaignstatus (stub)":         "POST {{ucontact_url}}/Integra/resources/Supervisor/campaignstatus [{Content-Type application/x-www-form-urlencoded} {Authorization Basic {{ucontact_token}}}]",
		"crmcom accounts_receivable_list (stub)": "GET {{crmcom_url}}/crmapi/rest/v2/accounts_receivable/list?token={{crmcom_token}} []",
		"crmcom activities_create (stub)":        `POST {{crmcom_url}}/crmapi/rest/v2/activities/create [{Content-Type application/json}] {"token":"{{crmcom_token}}"}`,
		"exotel whoami (stub)":                   "GET {{exotel_url}}/configuration/whoami [{Authorization Basic ZGVtby51c2VyOmRlbW8tdXNlci1wYXNz}]",
	} {
		if got := stubItems[name]; got != want {
			t.Errorf("Postman item %s:\n got %s\nwant %s", name, got, want)
		}
	}
	if len(stubItems) != 12 {
		t.Errorf("%d stub items, want the catalogue's 12: %v", len(stubItems), stubItems)
	}
}

// The collection sends the demo logins of the loaded fixtures.
func TestAdmin_PostmanUsesTheLoadedDemoLogins(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fx := "users:\n  alice: {password: alice-pass, fullname: Alice, demo: true}\nagents:\n  \"3001\": {password: agent-3001, demo: true, peer: {id: 9, accountcode: Aagent}}\n"
	if err := os.WriteFile(filepath.Join(dir, "ucontact.yaml"), []byte(fx), 0o644); err != nil {
		t.Fatal(err)
	}
	s := start(t, simulators.Options{FixturesDir: dir, Vendors: []string{"ucontact"}})
	var compact bytes.Buffer
	if err := json.Compact(&compact, []byte(send(t, http.DefaultClient, "GET", s.AdminURL()+"/__admin/postman", "", "").body)); err != nil {
		t.Fatal(err)
	}
	got := compact.String()
	for _, want := range []string{`{"key":"user","value":"alice"}`, `{"key":"password","value":"alice-pass"}`, `{"key":"agent","value":"3001"}`} {
		if !strings.Contains(got, want) {
			t.Errorf("collection lacks %s:\n%s", want, got)
		}
	}
	if strings.Contains(got, `"value":"demo"`) || strings.Contains(got, `"value":"1997"`) {
		t.Errorf("collection sends the embedded demo logins:\n%s", got)
	}
}

// newmanReport is what newman's JSON reporter writes, as far as the test
// reads it.
type newmanReport struct {
	Run struct {
		Stats struct {
			Requests, Assertions struct{ Total, Failed int }
		}
		Executions []struct {
			Item       struct{ Name string }
			Response   struct{ Code int }
			Assertions []struct {
				Assertion string
				Error     *struct{ Message string }
			}
		}
	}
}

// Issue 30: the generated collection, run by newman as a user runs it,
// tells the truth. Every request asserts the outcome it is named for (a
// wrong password its refusal); every assertion holds; and the stack's
// journal agrees: no request was refused for a missing, ended or unknown
// token (the query string reached the server; the calls that end a
// session ran last), and the vendor refused exactly the requests the
// collection expects it to.
func TestAdmin_PostmanCollectionUnderNewman(t *testing.T) {
	t.Parallel()
	newman, err := exec.LookPath("newman")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("no newman in CI: .ci/run must install it (npm install -g newman)")
		}
		t.Skip("no newman here (npm install -g newman to run the Postman test)")
	}
	s := start(t, simulators.Options{})
	coll := send(t, http.DefaultClient, "GET", s.AdminURL()+"/__admin/postman", "", "")
	dir := t.TempDir()
	collFile, reportFile := filepath.Join(dir, "mockauth.postman_collection.json"), filepath.Join(dir, "report.json")
	if err := os.WriteFile(collFile, []byte(coll.body), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// newman's own output is kept, not printed: its summary is this
	// test's material, not the verdict of the run.
	out, runErr := exec.CommandContext(ctx, newman, "run", collFile, "--reporters", "json", "--reporter-json-export", reportFile,
		"--timeout-request", "10000").CombinedOutput()
	data, err := os.ReadFile(reportFile)
	if err != nil {
		t.Fatalf("newman wrote no report (%v): %v\n%s", runErr, err, out)
	}
	var rep newmanReport
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	var c pmCollection
	if err := json.Unmarshal([]byte(coll.body), &c); err != nil {
		t.Fatal(err)
	}
	items, refusals := 0, 0
	for _, f := range c.Item {
		for _, it := range f.Item {
			items++
			for _, e := range it.Event {
				if strings.Contains(strings.Join(e.Script.Exec, "\n"), " is refused\"") {
					refusals++
				}
			}
		}
	}
	if len(rep.Run.Executions) != items || rep.Run.Stats.Requests.Failed != 0 {
		t.Errorf("newman ran %d of the collection's %d requests, %d failed", len(rep.Run.Executions), items, rep.Run.Stats.Requests.Failed)
	}
	for _, e := range rep.Run.Executions {
		if len(e.Assertions) == 0 {
			t.Errorf("%s asserts nothing", e.Item.Name)
		}
		for _, a := range e.Assertions {
			if a.Error != nil {
				t.Errorf("%s: %s: %s", e.Item.Name, a.Assertion, a.Error.Message)
			}
		}
	}
	if rep.Run.Stats.Assertions.Failed != 0 || runErr != nil {
		t.Errorf("newman: %d of %d assertions failed (%v)", rep.Run.Stats.Assertions.Failed, rep.Run.Stats.Assertions.Total, runErr)
	}
	s.Sync()
	entries := s.Requests(journal.Filter{}, 0)
	vendorErrors := 0
	for _, e := range entries {
		if e.Auth != "" && e.Auth != "ok" || e.Unmatched || e.Outcome == journal.OutcomeRefused || e.Outcome == journal.OutcomeFault {
			t.Errorf("%s %s (%s): %s, auth %q", e.Method, e.Path, e.Endpoint, e.Outcome, e.Auth)
		}
		if e.Outcome == journal.OutcomeVendorError {
			vendorErrors++
		}
	}
	if len(entries) != items || vendorErrors != refusals {
		t.Errorf("the journal holds %d requests (%d refused by the vendor); the collection sends %d, %d of them to be refused", len(entries), vendorErrors, items, refusals)
	}
}
