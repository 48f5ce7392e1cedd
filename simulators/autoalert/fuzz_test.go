package autoalert_test

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/mockauth/mockauth/simulators/autoalert"
)

// FuzzAuthenticate: any body in any of the formats gets a documented
// status and an answer that parses in the negotiated format.
func FuzzAuthenticate(f *testing.F) {
	f.Add(uint8(0), uint8(0), `{"userName":"demo","password":"demo"}`)
	f.Add(uint8(2), uint8(1), `<AuthenticateRequest xmlns="http://schemas.datacontract.org/2004/07/AutoAlert.API.Models.User"><password>demo</password><userName>demo</userName></AuthenticateRequest>`)
	f.Add(uint8(4), uint8(0), "userName=demo&password=demo&code=1")
	f.Add(uint8(2), uint8(1), `<AuthenticateRequest xmlns="http://schemas.datacontract.org/2004/07/AutoAlert.API.Models.User"><password i:nil="true" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"/>`)
	f.Add(uint8(5), uint8(1), "x")
	types := []string{"application/json", "text/json", "application/xml", "text/xml", "application/x-www-form-urlencoded", "text/plain"}
	sim := autoalert.New(autoalert.Options{})
	f.Fuzz(func(t *testing.T, ct, accept uint8, body string) {
		r := httptest.NewRequest(http.MethodPost, autoalert.PathAuthenticate, strings.NewReader(body))
		ctype := types[int(ct)%len(types)]
		r.Header.Set("Content-Type", ctype)
		// Accept: application/xml, or no Accept and an XML body (the
		// request's own media type is negotiated then, as Web API does).
		wantXML := accept%2 == 1 || strings.HasSuffix(ctype, "/xml")
		if wantXML {
			r.Header.Set("Accept", "application/xml")
		}
		w := httptest.NewRecorder()
		sim.ServeHTTP(w, r)
		if !slices.Contains([]int{200, 400, 401, 403, 415}, w.Code) {
			t.Fatalf("status %d for %q", w.Code, body)
		}
		var v any
		if wantXML {
			err := xml.Unmarshal(w.Body.Bytes(), new(struct{}))
			if err != nil {
				t.Fatalf("answer is not XML: %v\n%s", err, w.Body)
			}
		} else if json.Unmarshal(w.Body.Bytes(), &v) != nil {
			t.Fatalf("answer is not JSON: %s", w.Body)
		}
	})
}

func FuzzParseFixtures(f *testing.F) {
	f.Add("users:\n  demo: {userID: 1, password: demo}\nautologinTokens:\n  0f8fad5b-d9cb-469f-a165-70867728950e: demo\n")
	f.Add("settings: {timezone: Europe/Paris, tokenLifetime: 1h}\n")
	f.Fuzz(func(t *testing.T, data string) {
		if _, err := autoalert.ParseFixtures("a.yaml", []byte(data)); err != nil && !strings.HasPrefix(err.Error(), "a.yaml") {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}
