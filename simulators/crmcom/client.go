package crmcom

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/mockauth/mockauth/simulators/vendor"
)

// conformance: the login, and show, which proves its token.
var conformance = vendor.Conformance{
	Endpoints: []vendor.ConformanceEndpoint{
		{Name: Token, Flow: vendor.Flow{Login: login}, Cases: []vendor.Case{
			{Name: "no organisation", Creds: map[string]string{"organisation": ""}, WantError: true},
			{Name: "wrong unit", Creds: map[string]string{"unit": "0F1E2D3C4B5A69788796A5B4C3D2E1F0"}, WantError: true},
		}},
		{Name: Show, Checking: true, Flow: vendor.Flow{Login: login, Check: show}},
		// A POST method after login, token in the body (a stub of the
		// default fixtures).
		{Name: "activities_create", Protected: true, LoginEndpoint: Token, EndEndpoint: Release,
			Flow: vendor.Flow{Login: login, Check: tokenInBody(BasePath + "/activities/create"), End: tokenInBody(PathRelease)}},
		// The key is the whole login: no password to get wrong.
		{Name: WebAPIKey, Flow: vendor.Flow{Login: webAPIKeyLogin}, Skip: []string{"wrong password", "missing password"}},
	},
	Creds: func(endpoint, _ string, demo map[string]string) map[string]string {
		if endpoint == WebAPIKey {
			return map[string]string{"user": demo["apiKey"]}
		}
		return map[string]string{"user": demo["user"], "password": demo["password"], "organisation": demo["organisation"], "unit": demo["unit"]}
	},
}

// webAPIKeyLogin logs in with the key as the Basic user name, as public
// clients do: base64 of the key alone.
func webAPIKeyLogin(base string, c map[string]string) vendor.ClientCall {
	call := login(base, c)
	call.URL = base + PathWebAPIKey
	call.Request = vendor.Request{ContentType: vendor.JSONType, Auth: "Basic " + base64.StdEncoding.EncodeToString([]byte(c["user"]))}
	return call
}

// answer is the envelope as a client reads it.
type answer struct {
	Status struct {
		Code    string  `json:"code"`
		Message *string `json:"message"`
	} `json:"status"`
	Data json.RawMessage `json:"data"`
}

func readEnvelope(body []byte) (answer, error) {
	var a answer
	if err := json.Unmarshal(body, &a); err != nil || a.Status.Code == "" {
		return a, vendor.ErrGarbled
	}
	return a, nil
}

func login(base string, c map[string]string) vendor.ClientCall {
	kv := []string{"username", c["user"], "password", c["password"], "organisation", c["organisation"]}
	if c["unit"] != "" {
		kv = append(kv, "unit", c["unit"])
	}
	return vendor.ClientCall{Method: http.MethodPost, URL: base + PathToken,
		Request: vendor.Request{ContentType: vendor.JSONType, Body: vendor.JSON(kv...)},
		Parse: func(_ int, body []byte, _ func(vendor.ClientCall) (int, []byte, error)) (string, error) {
			a, err := readEnvelope(body)
			if err != nil {
				return "", err
			}
			if a.Status.Code != CodeOK {
				msg := a.Status.Code
				if a.Status.Message != nil {
					msg += ": " + *a.Status.Message
				}
				return "", fmt.Errorf("%w: %s", vendor.ErrRejected, msg)
			}
			var d struct {
				Token string `json:"token"`
			}
			if json.Unmarshal(a.Data, &d) != nil || d.Token == "" {
				return "", vendor.ErrGarbled
			}
			return d.Token, nil
		}}
}

func show(base string, _ map[string]string, tok string) vendor.ClientCall {
	return vendor.ClientCall{Method: http.MethodGet, URL: base + PathShow + "?contact_information_identifier=id%3D8A2C3E4F5061728394A5B6C7D8E9F001&token=" + url.QueryEscape(tok),
		Parse: tokenChecked(false)}
}

// tokenChecked reads the envelope of a method that checks the token: a
// refused token is stale; with strict, any other error code is final (show
// answers NOT_FOUND for a good token).
func tokenChecked(strict bool) func(int, []byte, func(vendor.ClientCall) (int, []byte, error)) (string, error) {
	return func(_ int, body []byte, _ func(vendor.ClientCall) (int, []byte, error)) (string, error) {
		a, err := readEnvelope(body)
		switch {
		case err != nil:
			return "", err
		case a.Status.Code == CodeInvalidToken || a.Status.Code == CodeTokenExpired:
			return "", vendor.ErrStale
		case strict && a.Status.Code != CodeOK:
			return "", fmt.Errorf("%w: %s", vendor.ErrRejected, a.Status.Code)
		}
		return "", nil
	}
}

// tokenInBody is a POST method that takes the token in its JSON body and
// answers the envelope; a refused token is stale.
func tokenInBody(path string) func(string, map[string]string, string) vendor.ClientCall {
	return func(base string, _ map[string]string, tok string) vendor.ClientCall {
		return vendor.ClientCall{Method: http.MethodPost, URL: base + path,
			Request: vendor.Request{ContentType: vendor.JSONType, Body: vendor.JSON("token", tok)},
			Parse:   tokenChecked(true)}
	}
}
