package ucontact_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/mockauth/mockauth/simulators/ucontact"
)

// FuzzRequest: any path, content type and body get one of the vendor's
// documented answers, never a panic.
func FuzzRequest(f *testing.F) {
	for _, seed := range []struct{ path, ct, body string }{
		{ucontact.PathGetUserToken, "application/x-www-form-urlencoded", "user=demo&password=demo"},
		{ucontact.PathAgentLogin, "application/x-www-form-urlencoded", "agent=1997&password=1997"},
		{ucontact.PathUserLogin, "application/x-www-form-urlencoded", "user=%zz"},
		{ucontact.PathEndSession, "", "user=demo&token=x"},
		{ucontact.PathAgentLogoff, "application/x-www-form-urlencoded; charset=utf-8", "agent=1997&interface=SIP/1997"},
		{ucontact.PathGetUserToken, "application/json", `{"user":"demo"}`},
	} {
		f.Add(seed.path, seed.ct, seed.body)
	}
	sim := ucontact.New(ucontact.Options{})
	f.Fuzz(func(t *testing.T, path, ct, body string) {
		r, err := http.NewRequest(http.MethodPost, "http://ucontact.test"+path, strings.NewReader(body))
		if err != nil || strings.ContainsAny(path, " \t\r\n") {
			return // not a request a client could send
		}
		r.Header.Set("Content-Type", ct)
		r.Header.Set("Authorization", "Basic "+body)
		w := httptest.NewRecorder()
		sim.ServeHTTP(w, r)
		if !slices.Contains([]int{200, 401, 404, 405}, w.Code) {
			t.Fatalf("%s %q: status %d", path, body, w.Code)
		}
	})
}

func FuzzParseFixtures(f *testing.F) {
	f.Add("users:\n  demo:\n    password: demo\n")
	f.Add("settings:\n  tokenLifetime: 1h\n  getUserTokenError: bare\nagents:\n  \"1\":\n    password: p\n    peer: {accountcode: A, id: 1}\n")
	f.Add("users: [\n")
	f.Fuzz(func(t *testing.T, data string) {
		fx, err := ucontact.ParseFixtures("f.yaml", []byte(data))
		if err == nil && len(fx.Users) == 0 && len(fx.Agents) == 0 {
			t.Fatal("fixtures with nobody to log in were accepted")
		}
		if err != nil && !strings.HasPrefix(err.Error(), "f.yaml") {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}
