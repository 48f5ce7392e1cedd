package ucontact

import (
	"github.com/mockauth/mockauth/contracts"
	"github.com/mockauth/mockauth/fixtures"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// Spec describes uContact to the rest of mockauth: the stack, the admin
// API, the Postman export, `mockauth env`, the contract check and the
// conformance runner read the vendor from here.
var Spec = vendor.Spec{
	Name:        Name,
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
	InBandError: isError,
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
		Token: vendor.JSONField("token"), Keep: "agentToken",
	},
	UserLogin: {
		Request: func(demo, _ map[string]string) vendor.Request {
			return vendor.Request{ContentType: vendor.FormType, Form: vendor.Form("user", demo["user"], "password", demo["password"])}
		},
		Token: vendor.JSONIndex(2),
	},
	AgentLogoff: {
		Request: func(demo, kept map[string]string) vendor.Request {
			return vendor.Request{ContentType: vendor.FormType, Auth: "Basic " + kept["agentToken"],
				Form: vendor.Form("agent", demo["agentUser"], "interface", "SIP/"+demo["agentUser"])}
		},
	},
	EndSession: {
		Request: func(demo, kept map[string]string) vendor.Request {
			return vendor.Request{ContentType: vendor.FormType, Form: vendor.Form("user", demo["user"], "token", kept["token"])}
		},
	},
}
