package ucontact

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"

	"github.com/mockauth/mockauth/simulators/vendor"
)

// conformance: the logins and AgentLogoff, which proves a user token.
var conformance = vendor.Conformance{
	Endpoints: []vendor.ConformanceEndpoint{
		{Name: GetUserToken, Flow: vendor.Flow{Login: userLogin(PathGetUserToken, parseUserToken)},
			Cases: []vendor.Case{{Name: `bare 0 error (uContact's wiki spelling)`, Scenario: "cf-ucontact-bare-zero", WantError: true}}},
		{Name: AgentLogin, Flow: vendor.Flow{Login: agentLogin}},
		{Name: UserLogin, Flow: vendor.Flow{Login: userLogin(PathUserLogin, parseUserLogin)}},
		{Name: AgentLogoff, Checking: true, Flow: vendor.Flow{Login: userLogin(PathGetUserToken, parseUserToken), Check: agentLogoff}},
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

func parseUserLogin(status int, body []byte) (string, error) {
	if string(body) == BodyBareZero {
		return "", fmt.Errorf("%w: uContact answered 0", vendor.ErrRejected)
	}
	var arr []string
	if status != http.StatusOK || json.Unmarshal(body, &arr) != nil || len(arr) < 3 || arr[2] == "" {
		return "", vendor.ErrGarbled
	}
	return arr[2], nil
}

func agentLogin(base string, c map[string]string) vendor.ClientCall {
	return vendor.ClientCall{Method: http.MethodPost, URL: base + PathAgentLogin,
		Request: vendor.Request{ContentType: vendor.FormType, Form: vendor.Form("agent", c["user"], "password", c["password"])},
		Parse: func(status int, body []byte, _ func(vendor.ClientCall) (int, []byte, error)) (string, error) {
			if s := string(body); s == BodyBareZero || s == BodyError {
				return "", fmt.Errorf("%w: uContact answered %s", vendor.ErrRejected, s)
			}
			var peer struct {
				Token string `json:"token"`
			}
			if status != http.StatusOK || json.Unmarshal(body, &peer) != nil || peer.Token == "" {
				return "", vendor.ErrGarbled
			}
			return peer.Token, nil
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
