package crmcom

import (
	"encoding/base64"
	"time"

	"github.com/mockauth/mockauth/contracts"
	"github.com/mockauth/mockauth/fixtures"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// Spec describes CRM.COM to the rest of mockauth: the stack, the admin
// API, the Postman export, `mockauth env`, the contract check and the
// conformance runner read the vendor from here.
var Spec = vendor.Spec{
	Name:        Name,
	Auth:        authSchemes,
	Endpoints:   described,
	Flow:        []string{Token, WebAPIKey, Show, Update, Release},
	Fixtures:    vendor.Must(fixtures.Default(Name)),
	Contract:    vendor.Must(contracts.Default(Name)),
	Conformance: conformance,
	Coverage:    coverage,
	Build: vendor.Builder(ParseFixtures, func(f *Fixtures, env vendor.Env) vendor.Simulator {
		ts := env.Tokens(Logins(f), TokenID)
		if f.Settings.Tokens == TokensHourIdle {
			// A replica honouring another's token by its signature
			// counts the idle hour from its last use anywhere.
			ts.IdleFor(time.Hour)
		}
		return New(Options{Fixtures: f, Clock: env.Clock, Tokens: ts, JWTSecret: env.Key("crmcom-jwt")})
	}),
	InBandError:  isError,
	PostmanError: `(pm.response.code >= 400 || (function () { try { return pm.response.json().status.code !== "OK"; } catch (e) { return true; } })())`,
}

// described are the endpoints with their samples.
var described = vendor.WithSamples(endpoints, samples)

// samples are the documented exchanges, as the authentication page shows
// them (GET methods take the token in the query, POST methods in the body).
var samples = map[string]*vendor.Sample{
	Token: {
		Request: func(demo, _ map[string]string) vendor.Request {
			return vendor.Request{ContentType: vendor.JSONType, Body: loginJSON(demo, true)}
		},
		Token: vendor.JSONField("data", "token"), Keep: "token",
		Variants: []vendor.Variant{{
			Name: "no organisation", WantError: true, BreaksContract: true,
			Request: func(demo, _ map[string]string) vendor.Request {
				return vendor.Request{ContentType: vendor.JSONType, Body: loginJSON(demo, false)}
			},
		}},
	},
	WebAPIKey: {
		// As the public PHP client sends it: base64 of the key alone, no
		// colon, no body.
		Request: func(demo, _ map[string]string) vendor.Request {
			return vendor.Request{ContentType: vendor.JSONType, Auth: "Basic " + base64.StdEncoding.EncodeToString([]byte(demo["apiKey"]))}
		},
		Token: vendor.JSONField("data", "token"),
	},
	Show: {
		Request: func(_, kept map[string]string) vendor.Request {
			return vendor.Request{Query: []vendor.KV{{Key: "contact_information_identifier", Value: "id=8A2C3E4F5061728394A5B6C7D8E9F001"}, {Key: "token", Value: kept["token"]}}}
		},
	},
	Update: {
		// The token inside the JSON body, as every POST method takes it.
		Request: func(_, kept map[string]string) vendor.Request {
			return vendor.Request{ContentType: vendor.JSONType,
				Body: `{"token":"` + kept["token"] + `","contact_information_identifier":{"id":"8A2C3E4F5061728394A5B6C7D8E9F001"},"notes":"updated by the sample"}`}
		},
	},
	Release: {
		Request: func(_, kept map[string]string) vendor.Request {
			return vendor.Request{ContentType: vendor.JSONType, Body: vendor.JSON("token", kept["token"])}
		},
		Ends: true,
	},
}

// loginJSON is the page's login body for the demo user, with or without
// the mandatory organisation.
func loginJSON(demo map[string]string, withOrganisation bool) string {
	kv := []string{"username", demo["user"], "password", demo["password"]}
	if withOrganisation {
		kv = append(kv, "organisation", demo["organisation"])
	}
	if demo["unit"] != "" {
		kv = append(kv, "unit", demo["unit"])
	}
	return vendor.JSON(kv...)
}
