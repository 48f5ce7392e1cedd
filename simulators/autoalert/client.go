package autoalert

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/mockauth/mockauth/simulators/vendor"
)

// Roles of the demo logins: the code role needs a security code.
const roleCode = "code"

// conformance: authenticate (in JSON and XML, with a security code), and
// getusers, which proves its token.
var conformance = vendor.Conformance{
	Endpoints: []vendor.ConformanceEndpoint{
		{Name: Authenticate, Flow: vendor.Flow{Login: authenticate}, Cases: []vendor.Case{
			{Name: "demo login in XML", Creds: map[string]string{"format": "xml"}},
			{Name: "wrong password in XML", Creds: map[string]string{"format": "xml", "password": "wrong-password"}, WantError: true},
			{Name: "security code", Role: roleCode},
			{Name: "security code missing", Role: roleCode, Drop: []string{"code"}, WantError: true},
		}},
		{Name: GetUsers, Checking: true, Flow: vendor.Flow{Login: authenticate, Check: getUsers}},
		// A data method after login, token in the body, then logoff.
		{Name: GetEntities, Protected: true, LoginEndpoint: Authenticate, EndEndpoint: Logoff,
			Flow: vendor.Flow{Login: authenticate, Check: bodyTokenCall(PathGetEntities), End: bodyTokenCall(PathLogoff)}},
	},
	Creds: func(_, role string, demo map[string]string) map[string]string {
		if role == roleCode {
			return map[string]string{"user": demo["codeUser"], "password": demo["codePassword"], "code": demo["code"], "format": "json"}
		}
		return map[string]string{"user": demo["user"], "password": demo["password"], "format": "json"}
	},
}

var guidRE = regexp.MustCompile(`^[0-9a-fA-F-]{36}$`)

func authenticate(base string, c map[string]string) vendor.ClientCall {
	call := vendor.ClientCall{Method: http.MethodPost, URL: base + PathAuthenticate}
	if c["format"] == "xml" {
		var b strings.Builder
		b.WriteString(`<AuthenticateRequest xmlns="` + NSUser + `">`)
		// DataContract order: code, password, userName.
		for _, f := range [][2]string{{"code", c["code"]}, {"password", c["password"]}, {"userName", c["user"]}} {
			if f[1] != "" {
				b.WriteString("<" + f[0] + ">")
				b.WriteString(vendor.EscapeXML(f[1]))
				b.WriteString("</" + f[0] + ">")
			}
		}
		b.WriteString("</AuthenticateRequest>")
		call.Request = vendor.Request{ContentType: vendor.XMLType, Accept: vendor.XMLType, Body: b.String()}
	} else {
		kv := []string{"userName", c["user"], "password", c["password"]}
		if c["code"] != "" {
			kv = append(kv, "code", c["code"])
		}
		call.Request = vendor.Request{ContentType: vendor.JSONType, Accept: vendor.JSONType, Body: vendor.JSON(kv...)}
	}
	call.Parse = func(status int, body []byte, _ func(vendor.ClientCall) (int, []byte, error)) (string, error) {
		var a struct {
			Token string  `json:"token" xml:"token"`
			Code  int     `json:"code"`
			Error *string `json:"error" xml:"error"`
		}
		var err error
		if c["format"] == "xml" {
			err = xml.Unmarshal(body, &a)
			if err == nil && status == http.StatusOK {
				a.Code = http.StatusOK // the XML carries no code element
			}
		} else {
			err = json.Unmarshal(body, &a)
		}
		switch {
		case err != nil:
			return "", vendor.ErrGarbled
		case status != http.StatusOK || a.Code != http.StatusOK || a.Token == EmptyGUID:
			msg := fmt.Sprintf("HTTP %d", status)
			if a.Error != nil {
				msg += ": " + *a.Error
			}
			return "", fmt.Errorf("%w: %s", vendor.ErrRejected, msg)
		case !guidRE.MatchString(a.Token):
			return "", vendor.ErrGarbled
		}
		return a.Token, nil
	}
	return call
}

func getUsers(base string, c map[string]string, tok string) vendor.ClientCall {
	return bodyTokenCall(PathGetUsers)(base, c, tok)
}

// bodyTokenCall is a method that takes the token in its JSON body.
func bodyTokenCall(path string) func(string, map[string]string, string) vendor.ClientCall {
	return func(base string, _ map[string]string, tok string) vendor.ClientCall {
		return tokenCallAt(base+path, tok)
	}
}

func tokenCallAt(u, tok string) vendor.ClientCall {
	return vendor.ClientCall{Method: http.MethodPost, URL: u,
		Request: vendor.Request{ContentType: vendor.JSONType, Accept: vendor.JSONType, Body: vendor.JSON("token", tok)},
		Parse: func(status int, body []byte, _ func(vendor.ClientCall) (int, []byte, error)) (string, error) {
			switch {
			case status == http.StatusUnauthorized:
				return "", vendor.ErrStale
			case status == http.StatusOK && json.Valid(body):
				return "", nil
			}
			return "", vendor.ErrGarbled
		}}
}
