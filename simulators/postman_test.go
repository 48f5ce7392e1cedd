package simulators_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mockauth/mockauth/contracts"
	"github.com/mockauth/mockauth/simulators"
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
	if len(stubItems) != 8 {
		t.Errorf("%d stub items, want the catalogue's 8: %v", len(stubItems), stubItems)
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
