package autoalert

import (
	"net/http"

	"github.com/mockauth/mockauth/simulators/vendor"
)

// unknownToken is a well-formed token no login handed out.
const unknownToken = "11111111-2222-3333-4444-555555555555"

// coverage produces every response contracts/autoalert.yaml documents.
var coverage = map[string]vendor.Recipe{
	"authenticate 200": func(demo map[string]string, _ func(vendor.Step) (int, []byte)) vendor.Step {
		return vendor.SampleStep(described, Authenticate, demo, nil)
	},
	"authenticate 400": post(PathAuthenticate, vendor.JSONType, "", func(demo map[string]string) string { return vendor.JSON("userName", demo["user"]) }),
	"authenticate 401": post(PathAuthenticate, vendor.JSONType, "", func(demo map[string]string) string {
		return vendor.JSON("userName", demo["user"], "password", "x")
	}),
	"authenticate 403": post(PathAuthenticate, vendor.JSONType, "", func(demo map[string]string) string {
		return vendor.JSON("userName", demo["codeUser"], "password", demo["codePassword"])
	}),
	"authenticate 415": fixed(PathAuthenticate, "text/plain", "", `userName=demo`),
	"autologin 200": func(demo map[string]string, _ func(vendor.Step) (int, []byte)) vendor.Step {
		return vendor.SampleStep(described, Autologin, demo, nil)
	},
	"autologin 400": fixed(PathAutologin, vendor.JSONType, "", `{}`),
	"helpPage 200": func(map[string]string, func(vendor.Step) (int, []byte)) vendor.Step {
		return vendor.Step{Method: http.MethodGet, Path: "/"}
	},
	"helpPageHelp 200": func(map[string]string, func(vendor.Step) (int, []byte)) vendor.Step {
		return vendor.Step{Method: http.MethodGet, Path: "/Help"}
	},
	"autologin 401": fixed(PathAutologin, vendor.JSONType, "", vendor.JSON("token", unknownToken)),
	"autologin 415": fixed(PathAutologin, "text/plain", "", `x`),
	"renewtoken 200": func(demo map[string]string, do func(vendor.Step) (int, []byte)) vendor.Step {
		kept := vendor.SendSample(described, Authenticate, demo, do)
		// The help page's XML form: the inherited token in AutoAlert.API.Models, first.
		return vendor.Step{Method: http.MethodPost, Path: PathRenewToken, Request: vendor.Request{ContentType: vendor.XMLType, Accept: vendor.XMLType,
			Body: `<RenewRequest xmlns:i="` + NSInstance + `" xmlns="` + NSUser + `"><token xmlns="` + NSModels + `">` + kept["token"] + `</token></RenewRequest>`}}
	},
	"renewtoken 400": fixed(PathRenewToken, vendor.JSONType, "", `{}`),
	"renewtoken 401": fixed(PathRenewToken, vendor.JSONType, "", vendor.JSON("token", unknownToken)),
	"renewtoken 403": func(demo map[string]string, do func(vendor.Step) (int, []byte)) vendor.Step {
		// The code user's token, renewed without its security code.
		_, body := do(vendor.Step{Method: http.MethodPost, Path: PathAuthenticate, Request: vendor.Request{ContentType: vendor.JSONType,
			Body: vendor.JSON("userName", demo["codeUser"], "password", demo["codePassword"], "code", demo["code"])}})
		tok, _ := vendor.JSONField("token").Read(body)
		return vendor.Step{Method: http.MethodPost, Path: PathRenewToken, Request: vendor.Request{ContentType: vendor.JSONType, Body: vendor.JSON("token", tok)}}
	},
	"renewtoken 415":  fixed(PathRenewToken, "text/plain", "", `x`),
	"logoff 200":      withToken(Logoff, ""),
	"logoff 400":      fixed(PathLogoff, vendor.JSONType, "", `{"token":`),
	"logoff 401":      fixed(PathLogoff, vendor.JSONType, "", vendor.JSON("token", unknownToken)),
	"logoff 415":      fixed(PathLogoff, "text/plain", "", `x`),
	"getusers 200":    withToken(GetUsers, vendor.XMLType),
	"getusers 400":    fixed(PathGetUsers, vendor.JSONType, "", `{}`),
	"getusers 401":    fixed(PathGetUsers, vendor.JSONType, "text/xml", vendor.JSON("token", unknownToken)),
	"getusers 415":    fixed(PathGetUsers, "text/plain", "", `x`),
	"getentities 200": withToken(GetEntities, vendor.XMLType),
	"getentities 400": fixed(PathGetEntities, vendor.JSONType, "", `{}`),
	"getentities 401": fixed(PathGetEntities, vendor.JSONType, "application/xml", vendor.JSON("token", unknownToken)),
	"getentities 415": fixed(PathGetEntities, "text/plain", "", `x`),
	"getnotowned 200": withToken(GetNotOwned, ""),
	"getnotowned 400": fixed(PathGetNotOwned, vendor.JSONType, "", `{}`),
	"getnotowned 401": fixed(PathGetNotOwned, vendor.JSONType, "", vendor.JSON("token", unknownToken, "fromDateUTC", "1/1/2014")),
	"getnotowned 415": fixed(PathGetNotOwned, "text/plain", "", `x`),
}

// withToken sends an endpoint's sample with the token of a fresh login,
// asking for accept ("" as the sample does).
func withToken(endpoint, accept string) vendor.Recipe {
	return func(demo map[string]string, do func(vendor.Step) (int, []byte)) vendor.Step {
		st := vendor.SampleStep(described, endpoint, demo, vendor.SendSample(described, Authenticate, demo, do))
		if accept != "" {
			st.Request.Accept = accept
		}
		return st
	}
}

// post is a POST whose body is made from the demo logins.
func post(path, contentType, accept string, body func(demo map[string]string) string) vendor.Recipe {
	return func(demo map[string]string, _ func(vendor.Step) (int, []byte)) vendor.Step {
		return vendor.Step{Method: http.MethodPost, Path: path, Request: vendor.Request{ContentType: contentType, Accept: accept, Body: body(demo)}}
	}
}

// fixed is a POST of a fixed body.
func fixed(path, contentType, accept, body string) vendor.Recipe {
	return post(path, contentType, accept, func(map[string]string) string { return body })
}
