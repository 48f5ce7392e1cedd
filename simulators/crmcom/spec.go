package crmcom

import (
	"github.com/mockauth/mockauth/contracts"
	"github.com/mockauth/mockauth/fixtures"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// Spec describes CRM.COM to the rest of mockauth: the stack, the admin
// API, the Postman export, `mockauth env`, the contract check and the
// conformance runner read the vendor from here.
var Spec = vendor.Spec{
	Name:      Name,
	Endpoints: endpoints,
	Fixtures:  vendor.Must(fixtures.Default(Name)),
	Contract:  vendor.Must(contracts.Default(Name)),
	Build: vendor.Builder(ParseFixtures, func(f *Fixtures, env vendor.Env) vendor.Simulator {
		return New(Options{Fixtures: f, Clock: env.Clock, Tokens: env.Tokens(Logins(f), TokenID), JWTSecret: env.Key("crmcom-jwt")})
	}),
	InBandError: isError,
}
