package ucontact

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"

	"github.com/mockauth/mockauth/fixtures"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// integra is the fixture variant of the vendor wiki's server generation.
var integra = vendor.Must(fixtures.Variant("ucontact-integra"))

// conformance: the logins and AgentLogoff, which proves a user token; both
// server generations, and an old server without getUserToken.
var conformance = vendor.Conformance{
	Endpoints: []vendor.ConformanceEndpoint{
		{Name: GetUserToken, Flow: vendor.Flow{Login: getUserToken}, Cases: []vendor.Case{
			{Name: `bare 0 error (uContact's wiki spelling)`, Scenario: "cf-ucontact-bare-zero", WantError: true},
			{Name: "old server without getUserToken (404): fall back to UserLogin", Scenario: "cf-ucontact-legacy"},
			{Name: "the wiki's server generation: demo login", Fixtures: integra},
			{Name: "the wiki's server generation: wrong password (bare 0)", Fixtures: integra, Creds: map[string]string{"password": "wrong-password"}, WantError: true},
		}},
		{Name: AgentLogin, Flow: vendor.Flow{Login: agentLogin}, Cases: []vendor.Case{
			{Name: "the wiki's server generation: md5secret is the key", Fixtures: integra},
		}},
		{Name: UserLogin, Flow: vendor.Flow{Login: userLogin(PathUserLogin, parseUserLogin)}, Cases: []vendor.Case{
			{Name: "the wiki's server generation: demo login", Fixtures: integra},
		}},
		{Name: AgentLogoff, Checking: true, Flow: vendor.Flow{Login: getUserToken, Check: agentLogoff}},
		// The wallboard's call after login (a stub of the default fixtures).
		{Name: "campaignstatus", Protected: true, LoginEndpoint: GetUserToken, EndEndpoint: EndSession,
			Flow: vendor.Flow{Login: getUserToken, Check: campaignStatus, End: endSession}},
	},
	Creds: func(endpoint, role string, demo map[string]string) map[string]string {
		if endpoint == AgentLogin {
			return map[string]string{"user": demo["agentUser"], "password": demo["agentPassword"]}
		}
		// AgentLogoff names the demo agent.
		return map[string]string{"user": demo["user"], "password": demo["password"], "agent": demo["agentUser"]}
	},
}

var tokenRE = regexp.MustCompile(`^"([A-Za-z0-9+/]+={0,2})"$`)

func userLogin(path string, parse func(int, []byte) (string, error)) func(string, map[string]string) vendor.ClientCall {
	return func(base string, c map[string]string) vendor.ClientCall {
		return vendor.ClientCall{Method: http.MethodPost, URL: base + path,
			Request: vendor.Request{ContentType: vendor.FormType, Form: vendor.Form("user", c["user"], "password", c["password"])},
			Parse: func(status int, body []byte, _ func(vendor.ClientCall) (int, []byte, error)) (string, error) {
				return parse(status, body)
			}}
	}
}

func parseUserToken(status int, body []byte) (string, error) {
	s := string(body)
	if s == BodyQuotedZero || s == BodyBareZero {
		return "", fmt.Errorf("%w: uContact answered %s", vendor.ErrRejected, s)
	}
	m := tokenRE.FindStringSubmatch(s)
	if status != http.StatusOK || m == nil {
		return "", vendor.ErrGarbled
	}
	if _, err := base64.StdEncoding.DecodeString(m[1]); err != nil {
		return "", vendor.ErrGarbled
	}
	return m[1], nil
}

// getUserToken logs in at getUserToken, and on an old server without it
// (404) falls back to UserLogin, as integrators' clients do.
func getUserToken(base string, c map[string]string) vendor.ClientCall {
	call := userLogin(PathGetUserToken, parseUserToken)(base, c)
	call.Parse = func(status int, body []byte, do func(vendor.ClientCall) (int, []byte, error)) (string, error) {
		if status != http.StatusNotFound {
			return parseUserToken(status, body)
		}
		st, b, err := do(userLogin(PathUserLogin, parseUserLogin)(base, c))
		if err != nil {
			return "", err
		}
		return parseUserLogin(st, b)
	}
	return call
}

// parseUserLogin reads the key at the end of UserLogin's list: the last
// element, or its md5secret when it is the phone's peer (both shapes of
// settings.userLogin).
func parseUserLogin(status int, body []byte) (string, error) {
	if string(body) == BodyBareZero {
		return "", fmt.Errorf("%w: uContact answered 0", vendor.ErrRejected)
	}
	var arr []json.RawMessage
	if status != http.StatusOK || json.Unmarshal(body, &arr) != nil || len(arr) < 2 {
		return "", vendor.ErrGarbled
	}
	key, ok := userLoginKey.Read(body)
	if !ok {
		return "", vendor.ErrGarbled
	}
	return key, nil
}

// userLoginKey reads the key at the end of UserLogin's list: the sample's
// reader (Postman, proxy redaction) and the reference client's alike.
var userLoginKey = vendor.JSONLast("md5secret")

func agentLogin(base string, c map[string]string) vendor.ClientCall {
	return vendor.ClientCall{Method: http.MethodPost, URL: base + PathAgentLogin,
		Request: vendor.Request{ContentType: vendor.FormType, Form: vendor.Form("agent", c["user"], "password", c["password"])},
		Parse: func(status int, body []byte, _ func(vendor.ClientCall) (int, []byte, error)) (string, error) {
			if s := string(body); s == BodyBareZero || s == BodyError {
				return "", fmt.Errorf("%w: uContact answered %s", vendor.ErrRejected, s)
			}
			// The token field, or on the wiki's generation md5secret.
			key, ok := agentKey.Read(body)
			if status != http.StatusOK || !ok || key == "" {
				return "", vendor.ErrGarbled
			}
			return key, nil
		}}
}

func agentLogoff(base string, c map[string]string, tok string) vendor.ClientCall {
	return vendor.ClientCall{Method: http.MethodPost, URL: base + PathAgentLogoff,
		Request: vendor.Request{ContentType: vendor.FormType, Auth: "Basic " + tok, Form: vendor.Form("agent", c["agent"])},
		Parse: func(status int, body []byte, _ func(vendor.ClientCall) (int, []byte, error)) (string, error) {
			switch {
			case status == http.StatusUnauthorized:
				return "", vendor.ErrStale
			case status == http.StatusOK && string(body) == BodyOK:
				return "", nil
			}
			return "", vendor.ErrGarbled
		}}
}

// campaignStatus is the wallboard's call: form queue=, the token as Basic.
func campaignStatus(base string, _ map[string]string, tok string) vendor.ClientCall {
	return vendor.ClientCall{Method: http.MethodPost, URL: base + "/Integra/resources/Supervisor/campaignstatus",
		Request: vendor.Request{ContentType: vendor.FormType, Auth: "Basic " + tok, Form: vendor.Form("queue", "")},
		Parse: func(status int, body []byte, _ func(vendor.ClientCall) (int, []byte, error)) (string, error) {
			var campaigns map[string]json.RawMessage
			switch {
			case status == http.StatusUnauthorized:
				return "", vendor.ErrStale
			case status == http.StatusOK && json.Unmarshal(body, &campaigns) == nil:
				return "", nil
			}
			return "", vendor.ErrGarbled
		}}
}

// endSession ends the session: user and token in the form; 1 when ended.
func endSession(base string, c map[string]string, tok string) vendor.ClientCall {
	return vendor.ClientCall{Method: http.MethodPost, URL: base + PathEndSession,
		Request: vendor.Request{ContentType: vendor.FormType, Form: vendor.Form("user", c["user"], "token", tok)},
		Parse: func(status int, body []byte, _ func(vendor.ClientCall) (int, []byte, error)) (string, error) {
			switch {
			case status == http.StatusUnauthorized:
				return "", vendor.ErrStale
			case status == http.StatusOK && string(body) == BodyEnded:
				return "", nil
			}
			return "", vendor.ErrGarbled
		}}
}
