package exotel

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/mockauth/mockauth/simulators/vendor"
)

// conformance: registering Basic credentials with the demo admin's bearer;
// the client hands back the Basic value of what it registered.
var conformance = vendor.Conformance{
	Endpoints: []vendor.ConformanceEndpoint{
		{Name: BasicAuth, Flow: vendor.Flow{Login: register},
			// Registration takes any username and password: what can be
			// wrong is the admin's bearer.
			Skip:  []string{"wrong password", "unknown user"},
			Cases: []vendor.Case{{Name: "bad bearer", Creds: map[string]string{"bearer": "not-a-jwt"}, WantError: true}}},
		{Name: CCMToken, Flow: vendor.Flow{Login: ccmLogin}, Cases: []vendor.Case{
			{Name: "an account not authorized for CCM (403)", Creds: map[string]string{"accountSid": "noccmaccount", "user": "noccm-api-key", "password": "noccm-api-token"}, WantError: true},
		}},
	},
	// basicauth: the client registers the page's example credential with
	// the demo admin's bearer. ccmtoken: the demo account's API key and
	// token (user, password) and SID (accountSid).
	Creds: func(endpoint, _ string, demo map[string]string) map[string]string {
		if endpoint == CCMToken {
			return map[string]string{"user": demo["apiKey"], "password": demo["apiToken"], "accountSid": demo["accountSid"]}
		}
		return map[string]string{"user": "customer_manager", "password": "customer_manager@123", "bearer": demo["adminToken"]}
	},
}

// ccmLogin is the page's ccm-api token call; it hands back the access token.
func ccmLogin(base string, c map[string]string) vendor.ClientCall {
	return vendor.ClientCall{Method: http.MethodPost, URL: base + strings.Replace(PathCCMToken, "{account_sid}", c["accountSid"], 1),
		Request: vendor.Request{ContentType: vendor.JSONType, Auth: vendor.Basic(c["user"], c["password"])},
		Parse: func(status int, b []byte, _ func(vendor.ClientCall) (int, []byte, error)) (string, error) {
			var env ccmEnvelope
			var data ccmToken
			if json.Unmarshal(b, &env) != nil {
				return "", vendor.ErrGarbled
			}
			raw, _ := json.Marshal(env.Response.Data)
			switch {
			case status == http.StatusUnauthorized || status == http.StatusForbidden:
				return "", fmt.Errorf("%w: HTTP %d", vendor.ErrRejected, status)
			case status != http.StatusOK || env.Response.Status != "success" || json.Unmarshal(raw, &data) != nil || data.AccessToken == "":
				return "", vendor.ErrGarbled
			}
			return data.AccessToken, nil
		}}
}

// register registers the credential and hands back its Basic value. A 409
// after an attempt whose answer was lost may be that attempt's own
// success: whoami tells.
func register(base string, c map[string]string) vendor.ClientCall {
	basic := vendor.Basic(c["user"], c["password"])
	return vendor.ClientCall{Method: http.MethodPost, URL: base + PathBasicAuth,
		Request: vendor.Request{ContentType: vendor.JSONType, Accept: vendor.JSONType, Auth: "Bearer " + c["bearer"],
			Body: vendor.JSON("username", c["user"], "password", c["password"], "context", ContextContactCenter, "contextId", "1", "userRole", RoleAdministrator)},
		Parse: func(status int, b []byte, do func(vendor.ClientCall) (int, []byte, error)) (string, error) {
			value := strings.TrimPrefix(basic, "Basic ")
			switch {
			case status == http.StatusCreated && json.Valid(b):
				return value, nil
			case status == http.StatusCreated:
				return "", vendor.ErrGarbled
			case status == http.StatusConflict:
				if st, _, err := do(vendor.ClientCall{Method: http.MethodGet, URL: base + PathWhoAmI, Request: vendor.Request{Auth: basic}}); err == nil && st == http.StatusOK {
					return value, nil
				}
			}
			return "", fmt.Errorf("%w: HTTP %d: %s", vendor.ErrRejected, status, strings.TrimSpace(string(b)))
		}}
}
