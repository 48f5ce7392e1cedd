package exotel

import (
	"net/http"

	"github.com/mockauth/mockauth/fixtures"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// coverage produces every response contracts/exotel.yaml documents.
var coverage = map[string]vendor.Recipe{
	"loginPage 200": fixed(http.MethodGet, PathLogin, vendor.Request{}),
	"login 200": func(demo map[string]string, _ func(vendor.Step) (int, []byte)) vendor.Step {
		st := vendor.SampleStep(described, Login, demo, nil)
		st.Request.Accept = "" // the browser's answer: the HTML page with the token
		return st
	},
	"login 401": func(demo map[string]string, _ func(vendor.Step) (int, []byte)) vendor.Step {
		return vendor.SampleStep(described, Login, map[string]string{"adminUser": demo["adminUser"], "adminPassword": "x"}, nil)
	},
	"jwks 200": func(demo map[string]string, _ func(vendor.Step) (int, []byte)) vendor.Step {
		return vendor.SampleStep(described, JWKS, demo, nil)
	},
	"basicauth 201": withBearer(func(kept map[string]string) vendor.Request {
		return sampleRegistration(kept, "Bearer "+kept["adminToken"])
	}),
	"basicauth 400": withBearer(func(kept map[string]string) vendor.Request {
		return vendor.Request{ContentType: vendor.JSONType, Auth: "Bearer " + kept["adminToken"], Body: vendor.JSON("username", "x")}
	}),
	"basicauth 401": withBearer(func(kept map[string]string) vendor.Request { return sampleRegistration(kept, "Bearer x.y.z") }),
	// The embedded fixtures' second contact center, which the demo admin
	// does not manage.
	"basicauth 403": withBearer(func(kept map[string]string) vendor.Request {
		return vendor.Request{ContentType: vendor.JSONType, Auth: "Bearer " + kept["adminToken"],
			Body: vendor.JSON("username", "x", "password", "y", "context", ContextContactCenter, "contextId", "2", "userRole", RoleAdministrator)}
	}),
	"basicauth 409": func(demo map[string]string, do func(vendor.Step) (int, []byte)) vendor.Step {
		st := vendor.SampleStep(described, BasicAuth, demo, vendor.SendSample(described, Login, demo, do))
		do(st) // the first registration of the name; the second is refused
		return st
	},
	// With registration: upsert (coverageFixtures), the second
	// registration of a name replaces it.
	"basicauth 200": func(demo map[string]string, do func(vendor.Step) (int, []byte)) vendor.Step {
		st := vendor.SampleStep(described, BasicAuth, demo, vendor.SendSample(described, Login, demo, do))
		do(st)
		return st
	},
	"basicauth 415": withBearer(func(kept map[string]string) vendor.Request {
		return vendor.Request{ContentType: vendor.FormType, Auth: "Bearer " + kept["adminToken"], Form: vendor.Form("username", "x")}
	}),
	"whoami 200": func(demo map[string]string, _ func(vendor.Step) (int, []byte)) vendor.Step {
		return vendor.SampleStep(described, WhoAmI, demo, nil)
	},
	"whoami 401": fixed(http.MethodGet, PathWhoAmI, vendor.Request{Auth: vendor.Basic("x", "y")}),
	"ccmtoken 200": func(demo map[string]string, _ func(vendor.Step) (int, []byte)) vendor.Step {
		return vendor.SampleStep(described, CCMToken, demo, nil)
	},
	"ccmtoken 401": func(demo map[string]string, _ func(vendor.Step) (int, []byte)) vendor.Step {
		st := vendor.SampleStep(described, CCMToken, demo, nil)
		st.Request.Auth = vendor.Basic(demo["apiKey"], "wrong-token")
		return st
	},
	// The embedded fixtures' account that may not use the contact center.
	"ccmtoken 403": fixed(http.MethodPost, PathCCMToken, vendor.Request{PathParams: []vendor.KV{{Key: "account_sid", Value: "noccmaccount"}},
		Auth: vendor.Basic("noccm-api-key", "noccm-api-token")}),
}

// withBearer is a registration request made with the demo admin's bearer.
func withBearer(req func(kept map[string]string) vendor.Request) vendor.Recipe {
	return func(demo map[string]string, do func(vendor.Step) (int, []byte)) vendor.Step {
		return vendor.Step{Method: http.MethodPost, Path: PathBasicAuth, Request: req(vendor.SendSample(described, Login, demo, do))}
	}
}

// fixed is a request that needs nothing before it.
func fixed(method, path string, r vendor.Request) vendor.Recipe {
	return func(map[string]string, func(vendor.Step) (int, []byte)) vendor.Step {
		return vendor.Step{Method: method, Path: path, Request: r}
	}
}

// coverageFixtures are the variants some recipes need.
var coverageFixtures = map[string]vendor.File{
	"basicauth 200": vendor.Must(fixtures.Variant("exotel-upsert")),
}
