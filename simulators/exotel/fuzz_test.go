package exotel_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/mockauth/mockauth/simulators/exotel"
)

// FuzzBasicAuth: any body, with a good bearer or any other, gets a
// documented status in the error shape, never a panic.
func FuzzBasicAuth(f *testing.F) {
	f.Add(true, `{"username":"u","password":"p","context":"ContactCenter","contextId":"1","userRole":"Administrator"}`)
	f.Add(true, `{"username":"u","password":"p","context":"ContactCenter","contextId":"1","userRole":"Administrator","dateExpiry":"2001-01-01T00:00:00Z"}`)
	f.Add(false, `eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.`)
	f.Add(true, `{"username":[]}`)
	sim := exotel.New(exotel.Options{})
	good, err := sim.AdminToken("demo.admin")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, useGood bool, body string) {
		bearer := body
		if useGood {
			bearer = good
		}
		r := httptest.NewRequest(http.MethodPost, exotel.PathBasicAuth, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+bearer)
		w := httptest.NewRecorder()
		sim.ServeHTTP(w, r)
		if !slices.Contains([]int{201, 400, 401, 403, 409, 415}, w.Code) || !json.Valid(w.Body.Bytes()) {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
		if strings.Contains(w.Body.String(), `"password":`) {
			t.Fatalf("an answer shows a password: %s", w.Body)
		}
	})
}

func FuzzParseFixtures(f *testing.F) {
	f.Add("roles: [Administrator]\ncontactCenters: {\"1\": A}\nadmins:\n  a: {password: p, role: Administrator, contactCenters: [\"1\"]}\n")
	f.Add("settings: {signingKey: \"-----BEGIN RSA PRIVATE KEY-----\\nAAAA\\n-----END RSA PRIVATE KEY-----\\n\"}\n")
	f.Fuzz(func(t *testing.T, data string) {
		if _, err := exotel.ParseFixtures("e.yaml", []byte(data)); err != nil && !strings.HasPrefix(err.Error(), "e.yaml") {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}
