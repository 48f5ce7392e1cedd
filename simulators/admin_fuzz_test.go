package simulators_test

import (
	"net/http"
	"testing"

	"github.com/mockauth/mockauth/simulators"
)

// FuzzAdminJSON: any body to the admin calls that read JSON is answered
// 200 or 400 with a JSON error, never a 500 or a crash.
func FuzzAdminJSON(f *testing.F) {
	f.Add(`{"vendor":"ucontact","method":"POST","path":"/x"}`)
	f.Add(`{"advance":"61m"}`)
	f.Add(`{"advance":"-1h"}`)
	f.Add(`{"unmatched":true}`)
	f.Add(`[`)
	s, err := simulators.Start(simulators.Options{Vendors: []string{"ucontact"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = s.Close() })
	f.Fuzz(func(t *testing.T, body string) {
		for _, path := range []string{"/__admin/requests/count", "/__admin/clock"} {
			got := send(t, http.DefaultClient, "POST", s.AdminURL()+path, "application/json", body)
			if got.status != 200 && got.status != 400 {
				t.Fatalf("POST %s %q: %d %s", path, body, got.status, got.body)
			}
		}
	})
}
