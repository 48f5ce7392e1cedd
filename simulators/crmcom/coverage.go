package crmcom

import (
	"net/http"

	"github.com/mockauth/mockauth/simulators/vendor"
)

// coverage produces every response contracts/crmcom.yaml documents.
var coverage = map[string]vendor.Recipe{
	"token 200": func(demo map[string]string, _ func(vendor.Step) (int, []byte)) vendor.Step {
		return vendor.SampleStep(described, Token, demo, nil)
	},
	"token 400": broken(PathToken, `{"username":`),
	"webApiKeyToken 200": func(demo map[string]string, _ func(vendor.Step) (int, []byte)) vendor.Step {
		return vendor.SampleStep(described, WebAPIKey, demo, nil)
	},
	"webApiKeyToken 400": broken(PathWebAPIKey, `{"unit":`),
	"release 200":        withToken(Release),
	"release 400":        broken(PathRelease, `nope`),
	"show 200":           withToken(Show),
	"update 200":         withToken(Update),
	"update 400":         broken(PathUpdate, `{"token":`),
}

// withToken sends an endpoint's sample with the token of a fresh login.
func withToken(endpoint string) vendor.Recipe {
	return func(demo map[string]string, do func(vendor.Step) (int, []byte)) vendor.Step {
		return vendor.SampleStep(described, endpoint, demo, vendor.SendSample(described, Token, demo, do))
	}
}

// broken is a POST whose body is not the JSON object the method reads.
func broken(path, body string) vendor.Recipe {
	return func(map[string]string, func(vendor.Step) (int, []byte)) vendor.Step {
		return vendor.Step{Method: http.MethodPost, Path: path, Request: vendor.Request{ContentType: vendor.JSONType, Body: body}}
	}
}
