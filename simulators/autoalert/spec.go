package autoalert

import (
	"github.com/mockauth/mockauth/contracts"
	"github.com/mockauth/mockauth/fixtures"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// Spec describes AutoAlert to the rest of mockauth: the stack, the admin
// API, the Postman export, `mockauth env`, the contract check and the
// conformance runner read the vendor from here.
var Spec = vendor.Spec{
	Name:        Name,
	Auth:        authSchemes,
	Endpoints:   described,
	Flow:        []string{Authenticate, GetUsers, GetEntities, GetNotOwned, RenewToken, Logoff, Autologin},
	Fixtures:    vendor.Must(fixtures.Default(Name)),
	Contract:    vendor.Must(contracts.Default(Name)),
	Conformance: conformance,
	Coverage:    coverage,
	Build: vendor.Builder(ParseFixtures, func(f *Fixtures, env vendor.Env) vendor.Simulator {
		return New(Options{Fixtures: f, Clock: env.Clock, Tokens: env.Tokens(Logins(f), TokenID)})
	}),
	// The security code, beyond the usual passwords and tokens.
	SecretFields: []string{"code"},
	InBandError:  isError,
	PostmanError: `(pm.response.code !== 200 ? pm.response.code >= 400 : (function () {
		var b; try { b = pm.response.json(); } catch (e) { return /<error[^>]*>[^<]/.test(pm.response.text()); }
		var k = b && typeof b === "object" ? Object.keys(b).find(function (n) { return n.toLowerCase() === "code"; }) : undefined;
		return k !== undefined && b[k] !== null && b[k] !== 200; })())`,
}

// described are the endpoints with their samples.
var described = vendor.WithSamples(endpoints, samples)

// samples are the documented exchanges, in JSON as the help pages show
// them (and the login in XML too).
var samples = map[string]*vendor.Sample{
	Authenticate: {
		// userCode is the main login's security code, when it needs one
		// (a tenant's user in contract check --code; the demo user has none).
		Request: func(demo, _ map[string]string) vendor.Request {
			kv := []string{"userName", demo["user"], "password", demo["password"]}
			if demo["userCode"] != "" {
				kv = append(kv, "code", demo["userCode"])
			}
			return vendor.Request{ContentType: vendor.JSONType, Accept: vendor.JSONType, Body: vendor.JSON(kv...)}
		},
		Token: vendor.JSONField("token"), Keep: "token",
		Variants: []vendor.Variant{{
			Name: "XML",
			Request: func(demo, _ map[string]string) vendor.Request {
				code := "" // DataContract order: code, password, userName
				if demo["userCode"] != "" {
					code = "<code>" + vendor.EscapeXML(demo["userCode"]) + "</code>"
				}
				return vendor.Request{ContentType: vendor.XMLType, Accept: vendor.XMLType,
					Body: `<AuthenticateRequest xmlns="` + NSUser + `">` + code + `<password>` + vendor.EscapeXML(demo["password"]) +
						`</password><userName>` + vendor.EscapeXML(demo["user"]) + `</userName></AuthenticateRequest>`}
			},
		}},
	},
	GetUsers: tokenCall(),
	RenewToken: {
		Request: func(demo, kept map[string]string) vendor.Request {
			kv := []string{"token", kept["token"]}
			if demo["userCode"] != "" {
				kv = append(kv, "code", demo["userCode"])
			}
			return vendor.Request{ContentType: vendor.JSONType, Accept: vendor.JSONType, Body: vendor.JSON(kv...)}
		},
		Token: vendor.JSONField("token"), Keep: "token",
	},
	Logoff: func() *vendor.Sample { s := tokenCall(); s.Ends = true; return s }(),
	GetEntities: {
		Request: func(_, kept map[string]string) vendor.Request {
			return vendor.Request{ContentType: vendor.JSONType, Accept: vendor.JSONType, Body: `{"query":"","limit":5,"token":"` + kept["token"] + `"}`}
		},
	},
	GetNotOwned: {
		// API_Intro's own example: fromDateUTC as a US short date.
		Request: func(_, kept map[string]string) vendor.Request {
			return vendor.Request{ContentType: vendor.JSONType, Accept: vendor.JSONType, Body: vendor.JSON("token", kept["token"], "fromDateUTC", "1/1/2014")}
		},
		Variants: []vendor.Variant{{
			Name: "XML",
			Request: func(_, kept map[string]string) vendor.Request {
				return vendor.Request{ContentType: vendor.XMLType, Accept: vendor.XMLType,
					Body: `<GetNotOwnedRequest xmlns:i="` + NSInstance + `" xmlns="` + NSVehicle + `"><token xmlns="` + NSModels + `">` +
						kept["token"] + `</token><fromDateUTC>2024-01-01T00:00:00-08:00</fromDateUTC></GetNotOwnedRequest>`}
			},
		}},
	},
	Autologin: {
		Request: func(demo, _ map[string]string) vendor.Request {
			return vendor.Request{ContentType: vendor.JSONType, Accept: vendor.JSONType, Body: vendor.JSON("token", demo["autologinToken"])}
		},
		Token: vendor.JSONField("token"),
	},
}

// tokenCall is a method that takes the kept token in its JSON body.
func tokenCall() *vendor.Sample {
	return &vendor.Sample{Request: func(_, kept map[string]string) vendor.Request {
		return vendor.Request{ContentType: vendor.JSONType, Accept: vendor.JSONType, Body: vendor.JSON("token", kept["token"])}
	}}
}
