package simulators_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/mockauth/mockauth/simulators"
	"github.com/mockauth/mockauth/simulators/crmcom"
	"github.com/mockauth/mockauth/simulators/exotel"
	"github.com/mockauth/mockauth/simulators/ucontact"
)

// What the vendors' frameworks answer on their own, one rule a framework
// rather than one an endpoint: Jersey (uContact, CRM.COM) answers OPTIONS
// on a resource 200 with Allow and its WADL, Spring (Exotel) 200 with
// Allow, or 403 to a CORS preflight; another method on any path the
// application serves (its /crm/ context, a stub's path) is 405 with Allow.
func TestFrameworks_OptionsAndMethodsOnEveryServedPath(t *testing.T) {
	t.Parallel()
	s := start(t, simulators.Options{})
	c := s.Client()
	for _, tc := range []struct {
		name, method, url  string
		header             []string
		status             int
		allow, contentType string
		body               string // a part of it
	}{
		{"uContact OPTIONS (Jersey)", http.MethodOptions, s.URL(ucontact.Name) + ucontact.PathGetUserToken, nil, 200,
			"OPTIONS,POST", "application/vnd.sun.wadl+xml", `<resource path="auth/getUserToken"><method name="POST"/>`},
		{"uContact OPTIONS on a stub's path", http.MethodOptions, s.URL(ucontact.Name) + "/Integra/resources/Supervisor/campaignstatus", nil, 200,
			"OPTIONS,POST", "application/vnd.sun.wadl+xml", `<resource path="Supervisor/campaignstatus">`},
		{"uContact GET on a stub's path", http.MethodGet, s.URL(ucontact.Name) + "/Integra/resources/Supervisor/campaignstatus", nil, 405,
			"POST", "text/html;charset=utf-8", "HTTP Status 405 – Method Not Allowed"},
		{"CRM.COM GET web_api_key/token under /crm", http.MethodGet, s.URL(crmcom.Name) + "/crm/authentication/web_api_key/token", nil, 405,
			"POST", "text/html;charset=utf-8", "HTTP Status 405 – Method Not Allowed"},
		{"CRM.COM OPTIONS under /crm", http.MethodOptions, s.URL(crmcom.Name) + "/crm/authentication/token", nil, 200,
			"OPTIONS,POST", "application/vnd.sun.wadl+xml", `<resource path="crm/authentication/token">`},
		{"Exotel OPTIONS (Spring)", http.MethodOptions, s.URL(exotel.Name) + exotel.PathBasicAuth, nil, 200,
			"POST,OPTIONS", "", ""},
		{"Exotel CORS preflight", http.MethodOptions, s.URL(exotel.Name) + exotel.PathBasicAuth,
			[]string{"Origin", "https://app.example.com", "Access-Control-Request-Method", "POST"}, 403, "", "", "Invalid CORS request"},
		{"unknown path stays 404", http.MethodOptions, s.URL(ucontact.Name) + "/Integra/resources/nope", nil, 404, "", "text/html;charset=utf-8", "HTTP Status 404"},
	} {
		r := send(t, c, tc.method, tc.url, "", "", tc.header...)
		if r.status != tc.status || r.header.Get("Allow") != tc.allow || r.header.Get("Content-Type") != tc.contentType || !strings.Contains(r.body, tc.body) {
			t.Errorf("%s: %d Allow %q Content-Type %q %q", tc.name, r.status, r.header.Get("Allow"), r.header.Get("Content-Type"), r.body)
		}
	}
}
