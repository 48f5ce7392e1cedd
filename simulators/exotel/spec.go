package exotel

import (
	"github.com/mockauth/mockauth/contracts"
	"github.com/mockauth/mockauth/fixtures"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// Spec describes Exotel to the rest of mockauth: the stack, the admin
// API, the Postman export, `mockauth env`, the contract check and the
// conformance runner read the vendor from here.
var Spec = vendor.Spec{
	Name:        Name,
	Auth:        authSchemes,
	LiveDemo:    []string{"adminToken"},
	Endpoints:   described,
	Flow:        []string{Login, JWKS, BasicAuth, WhoAmI, CCMToken},
	Fixtures:    vendor.Must(fixtures.Default(Name)),
	Contract:    vendor.Must(contracts.Default(Name)),
	Conformance: conformance,
	// A Java server writes the name as given.
	HeaderSpelling: []string{"WWW-Authenticate"},
	Coverage:       coverage,
	// registration: upsert answers a second registration 200.
	CoverageFixtures: coverageFixtures,
	Build: vendor.Builder(ParseFixtures, func(f *Fixtures, env vendor.Env) vendor.Simulator {
		o := Options{Fixtures: f, Clock: env.Clock}
		if env.Shared != nil {
			o.Shared = env.Shared("exotel:registrations")
		}
		o.Value = env.Value
		return New(o)
	}),
}

// described are the endpoints with their samples.
var described = vendor.WithSamples(endpoints, samples)

// samples are the documented exchanges: the admin's bearer (from the
// login stand-in), the page's registration with it, and the demo Basic
// credential on the whoami stand-in.
var samples = map[string]*vendor.Sample{
	Login: {
		Request: func(demo, _ map[string]string) vendor.Request {
			return vendor.Request{ContentType: vendor.FormType, Accept: vendor.JSONType, Form: vendor.Form("username", demo["adminUser"], "password", demo["adminPassword"])}
		},
		Token: vendor.JSONField("token"), Keep: "adminToken",
	},
	JWKS: {Request: func(_, _ map[string]string) vendor.Request { return vendor.Request{} }},
	BasicAuth: {
		Request: func(_, kept map[string]string) vendor.Request {
			return sampleRegistration(kept, "Bearer "+kept["adminToken"])
		},
		Variants: []vendor.Variant{{
			Name: "bad bearer", WantError: true,
			Request: func(_, kept map[string]string) vendor.Request { return sampleRegistration(kept, "Bearer x.y.z") },
		}},
	},
	WhoAmI: {
		Request: func(demo, _ map[string]string) vendor.Request {
			return vendor.Request{Auth: vendor.Basic(demo["user"], demo["password"])}
		},
	},
	CCMToken: {
		// The page's request: the account's Basic pair, no body.
		Request: func(demo, _ map[string]string) vendor.Request {
			return vendor.Request{PathParams: []vendor.KV{{Key: "account_sid", Value: demo["accountSid"]}},
				ContentType: vendor.JSONType, Auth: vendor.Basic(demo["apiKey"], demo["apiToken"])}
		},
		Token: vendor.JSONField("response", "data", "access_token"), Keep: "ccmToken",
	},
}

// sampleRegistration is the page's registration body for a name no earlier run took
// (the page's own example, customer_manager, can be registered once).
func sampleRegistration(kept map[string]string, auth string) vendor.Request {
	name := "sample_user_" + kept[vendor.RunID]
	return vendor.Request{ContentType: vendor.JSONType, Accept: vendor.JSONType, Auth: auth,
		Body: vendor.JSON("username", name, "password", name+"@123", "context", ContextContactCenter, "contextId", "1", "userRole", RoleAdministrator)}
}
