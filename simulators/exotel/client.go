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
	},
	// The client registers the page's example credential with the demo
	// admin's bearer.
	Creds: func(_, _ string, demo map[string]string) map[string]string {
		return map[string]string{"user": "customer_manager", "password": "customer_manager@123", "bearer": demo["adminToken"]}
	},
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
