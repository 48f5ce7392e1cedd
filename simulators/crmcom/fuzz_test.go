package crmcom_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mockauth/mockauth/simulators/crmcom"
)

// FuzzLogin: any body gets the JSON envelope, 200 or 400, never a panic.
func FuzzLogin(f *testing.F) {
	f.Add(`{"username":"mpadministrator","password":"1234","organisation":"CRMDEMO","unit":"EE63A82C4FEBE02FF34E90DD1EBA5ABE"}`)
	f.Add(`{"organisation":"CRMDEMO","access_token_identifier":{"identifier":"demo-id","pass_code":"1234"}}`)
	f.Add(`{"username":1}`)
	f.Add(`[]`)
	f.Add(`{"access_token_identifier":null}`)
	sim := crmcom.New(crmcom.Options{})
	f.Fuzz(func(t *testing.T, body string) {
		for _, path := range []string{crmcom.PathToken, crmcom.PathRelease} {
			r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
			w := httptest.NewRecorder()
			sim.ServeHTTP(w, r)
			var env struct {
				Status struct{ Code string }
			}
			if (w.Code != 200 && w.Code != 400) || json.Unmarshal(w.Body.Bytes(), &env) != nil || env.Status.Code == "" {
				t.Fatalf("%s %q: %d %s", path, body, w.Code, w.Body)
			}
		}
	})
}

func FuzzParseFixtures(f *testing.F) {
	f.Add("organisations:\n  O:\n    units: {U: u}\nusers:\n  u: {password: p, organisation: O, defaultUnit: U, units: [U]}\n")
	f.Add("settings: {tokens: jwt-two-hours}\n")
	f.Fuzz(func(t *testing.T, data string) {
		if _, err := crmcom.ParseFixtures("c.yaml", []byte(data)); err != nil && !strings.HasPrefix(err.Error(), "c.yaml") {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}
