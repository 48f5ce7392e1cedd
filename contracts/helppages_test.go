package contracts

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// TestAutoAlert_HelpPageAnswersConform: the contract accepts AutoAlert's
// own answer samples (its help pages, stored with the simulator's tests),
// so contract check against the real service would not report them as
// drift.
func TestAutoAlert_HelpPageAnswersConform(t *testing.T) {
	v, err := NewValidator("autoalert")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("..", "simulators", "autoalert", "testdata", "help")
	for _, tc := range []struct{ method, path string }{
		{"authenticate", "/User/authenticate"},
		{"autologin", "/User/autologin"},
		{"renewtoken", "/User/renewtoken"},
		{"logoff", "/User/logoff"},
		{"getnotowned", "/Vehicle/getnotowned"},
	} {
		for _, f := range []struct{ ext, contentType string }{{"json", "application/json"}, {"xml", "application/xml"}} {
			answer, err := os.ReadFile(filepath.Join(dir, tc.method+".response."+f.ext))
			if os.IsNotExist(err) {
				continue // the page's sample is not stored
			}
			if err != nil {
				t.Fatal(err)
			}
			request, err := os.ReadFile(filepath.Join(dir, tc.method+".request."+f.ext))
			if err != nil {
				t.Fatal(err)
			}
			t.Run(tc.method+" "+f.ext, func(t *testing.T) {
				r := httptest.NewRequest(http.MethodPost, tc.path, nil)
				r.Header.Set("Content-Type", f.contentType)
				x, violations := v.Request(r, "", request)
				check(t, "request", violations, "")
				check(t, "response", x.Response(200, http.Header{"Content-Type": {f.contentType + "; charset=utf-8"}}, answer), "")
			})
		}
	}
}
