package ucontact

import (
	"encoding/json"

	"github.com/mockauth/mockauth/contracts"
	"github.com/mockauth/mockauth/fixtures"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// Spec describes uContact to the rest of mockauth: the stack, the admin
// API, the Postman export, `mockauth env`, the contract check and the
// conformance runner read the vendor from here.
var Spec = vendor.Spec{
	Name:        Name,
	Auth:        authSchemes,
	Endpoints:   described,
	Flow:        []string{GetUserToken, AgentLogin, UserLogin, AgentLogoff, EndSession},
	Fixtures:    vendor.Must(fixtures.Default(Name)),
	Contract:    vendor.Must(contracts.Default(Name)),
	Conformance: conformance,
	// A Java server writes the name as given.
	HeaderSpelling: []string{"WWW-Authenticate"},
	Coverage:       coverage,
	Build: vendor.Builder(ParseFixtures, func(f *Fixtures, env vendor.Env) vendor.Simulator {
		return New(Options{Fixtures: f, Clock: env.Clock, Tokens: env.Tokens(Logins(f), TokenID)})
	}),
	InBandError:  isError,
	PostmanError: `(pm.response.code >= 400 || ["\"0\"", "0", "Error"].includes(pm.response.text()))`,
}

// described are the endpoints with their samples.
var described = vendor.WithSamples(endpoints, samples)

// samples are the documented exchanges, as the partner pages show them.
var samples = map[string]*vendor.Sample{
	GetUserToken: {
		Request: func(demo, _ map[string]string) vendor.Request {
			return vendor.Request{ContentType: vendor.FormType, Form: vendor.Form("user", demo["user"], "password", demo["password"])}
		},
		Token: vendor.QuotedText(), Keep: "token",
	},
	AgentLogin: {
		Request: func(demo, _ map[string]string) vendor.Request {
			return vendor.Request{ContentType: vendor.FormType, Form: vendor.Form("agent", demo["agentUser"], "password", demo["agentPassword"])}
		},
		Token: agentKey, Keep: "agentToken",
	},
	UserLogin: {
		Request: func(demo, _ map[string]string) vendor.Request {
			return vendor.Request{ContentType: vendor.FormType, Form: vendor.Form("user", demo["user"], "password", demo["password"])}
		},
		Token: userLoginKey, // either shape of settings.userLogin
	},
	AgentLogoff: {
		Request: func(demo, kept map[string]string) vendor.Request {
			return vendor.Request{ContentType: vendor.FormType, Auth: "Basic " + kept["agentToken"],
				Form: vendor.Form("agent", demo["agentUser"], "interface", "SIP/"+demo["agentUser"])}
		},
		Ends: true,
	},
	EndSession: {
		Request: func(demo, kept map[string]string) vendor.Request {
			return vendor.Request{ContentType: vendor.FormType, Form: vendor.Form("user", demo["user"], "token", kept["token"])}
		},
		Ends: true,
	},
}

// agentKey reads AgentLogin's key: the partner generation's token field,
// or on the wiki's generation the md5secret, which is the key there.
var agentKey = &vendor.Token{
	Read: func(b []byte) (string, bool) {
		var peer struct{ Token, MD5Secret string }
		if json.Unmarshal(b, &peer) != nil {
			return "", false
		}
		if peer.Token != "" {
			return peer.Token, true
		}
		_, ok := TokenID(peer.MD5Secret)
		return peer.MD5Secret, ok
	},
	JS: "(p => p.token || p.md5secret)(JSON.parse(pm.response.text()))",
}
