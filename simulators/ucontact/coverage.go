package ucontact

import (
	"net/http"

	"github.com/mockauth/mockauth/simulators/vendor"
)

// coverage produces every response contracts/ucontact.yaml documents.
var coverage = map[string]vendor.Recipe{
	"getUserToken 200": sample(GetUserToken),
	"AgentLogin 200":   sample(AgentLogin),
	"UserLogin 200":    sample(UserLogin),
	"EndSession 200": func(demo map[string]string, do func(vendor.Step) (int, []byte)) vendor.Step {
		return vendor.SampleStep(described, EndSession, demo, vendor.SendSample(described, GetUserToken, demo, do))
	},
	"EndSession 401": func(demo map[string]string, _ func(vendor.Step) (int, []byte)) vendor.Step {
		return vendor.Step{Method: http.MethodPost, Path: PathEndSession,
			Request: vendor.Request{ContentType: vendor.FormType, Form: vendor.Form("user", demo["user"], "token", "nope")}}
	},
	"AgentLogoff 200": func(demo map[string]string, do func(vendor.Step) (int, []byte)) vendor.Step {
		return vendor.SampleStep(described, AgentLogoff, demo, vendor.SendSample(described, AgentLogin, demo, do))
	},
	"AgentLogoff 401": func(demo map[string]string, _ func(vendor.Step) (int, []byte)) vendor.Step {
		return vendor.SampleStep(described, AgentLogoff, demo, map[string]string{"agentToken": "bm9wZTpub3Bl"})
	},
}

// sample is a recipe that sends an endpoint's sample alone.
func sample(endpoint string) vendor.Recipe {
	return func(demo map[string]string, _ func(vendor.Step) (int, []byte)) vendor.Step {
		return vendor.SampleStep(described, endpoint, demo, map[string]string{vendor.RunID: "coverage"})
	}
}
