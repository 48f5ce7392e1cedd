package autoalert

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// errorField is the `error` member: null on success.
func errorField(msg string) *string {
	if msg == "" {
		return nil
	}
	return &msg
}

// baseFields are APIResult's members as a derived contract writes them
// first, in their own namespace. `code` is not a DataMember: the XML has none.
func baseFields(version int, msg string, ns string) []xmlField {
	return []xmlField{
		{name: "APIVersion", ns: ns, value: strconv.Itoa(version)},
		{name: "error", ns: ns, value: msg, null: msg == ""},
	}
}

// authResponse is AuthenticateResponse, members in the help's JSON order.
type authResponse struct {
	UserID            int     `json:"UserID"`
	IsEmployee        bool    `json:"IsEmployee"`
	ExpirationDateUtc string  `json:"expirationDateUtc"`
	APIVersion        int     `json:"APIVersion"`
	Token             string  `json:"token"`
	Code              int     `json:"code"`
	Error             *string `json:"error"`
	msg               string
}

func (a authResponse) JSON() []byte { a.Error = errorField(a.msg); return marshalJSON(a) }

func (a authResponse) XML() []byte {
	return dataContractXML("AuthenticateResponse", NSUser, append(baseFields(a.APIVersion, a.msg, NSAPI),
		xmlField{name: "IsEmployee", value: strconv.FormatBool(a.IsEmployee)},
		xmlField{name: "UserID", value: strconv.Itoa(a.UserID)},
		xmlField{name: "expirationDateUtc", value: a.ExpirationDateUtc},
		xmlField{name: "token", value: a.Token},
	))
}

// failedAuth is a login that did not happen: an AuthenticateResponse whose
// token is the empty GUID and whose expiry is DateTime.MinValue.
func failedAuth(status int, msg string) reply {
	return reply{status, authResponse{ExpirationDateUtc: minDateTime, APIVersion: apiVersion, Token: EmptyGUID, Code: status, msg: msg}}
}

// tokenResponse is the mobile Token renewtoken answers: camelCase names,
// APIVersion 1, root Token in the Mobile namespace.
type tokenResponse struct {
	APIVersion        int     `json:"APIVersion"` // the help page's member order
	Token             string  `json:"token"`
	UserID            int     `json:"userID"`
	IsEmployee        bool    `json:"isEmployee"`
	ExpirationDateUtc string  `json:"expirationDateUtc"`
	Code              int     `json:"code"`
	Error             *string `json:"error"`
	msg               string
}

func (t tokenResponse) JSON() []byte { t.Error = errorField(t.msg); return marshalJSON(t) }

func (t tokenResponse) XML() []byte {
	return dataContractXML("Token", NSMobile, append(baseFields(t.APIVersion, t.msg, NSAPI),
		xmlField{name: "expirationDateUtc", value: t.ExpirationDateUtc},
		xmlField{name: "isEmployee", value: strconv.FormatBool(t.IsEmployee)},
		xmlField{name: "token", value: t.Token},
		xmlField{name: "userID", value: strconv.Itoa(t.UserID)},
	))
}

func failedToken(status int, msg string) reply {
	return reply{status, tokenResponse{ExpirationDateUtc: minDateTime, APIVersion: apiVersionMobile, Token: EmptyGUID, Code: status, msg: msg}}
}

// apiResult is APIResult, the answer of logoff and of failed token checks.
type apiResult struct {
	APIVersion int     `json:"APIVersion"`
	Code       int     `json:"code"`
	Error      *string `json:"error"`
	msg        string
}

func (a apiResult) JSON() []byte { a.Error = errorField(a.msg); return marshalJSON(a) }

func (a apiResult) XML() []byte {
	return dataContractXML("APIResult", NSAPI, baseFields(a.APIVersion, a.msg, ""))
}

func failedResult(status int, msg string) reply {
	return reply{status, apiResult{APIVersion: apiVersionResult, Code: status, msg: msg}}
}

// userInfo is one user of getusers.
type userInfo struct {
	UserID     int    `json:"UserID"`
	UserName   string `json:"UserName"`
	FullName   string `json:"FullName"`
	IsEmployee bool   `json:"IsEmployee"`
}

// usersResponse is GetUsersResponse.
type usersResponse struct {
	Users      []userInfo `json:"Users"`
	APIVersion int        `json:"APIVersion"`
	Code       int        `json:"code"`
	Error      *string    `json:"error"`
}

func (u usersResponse) JSON() []byte { return marshalJSON(u) }

func (u usersResponse) XML() []byte {
	var list bytes.Buffer
	for _, x := range u.Users {
		fmt.Fprintf(&list, "<UserInfo><FullName>%s</FullName><IsEmployee>%t</IsEmployee><UserID>%d</UserID><UserName>%s</UserName></UserInfo>",
			escape(x.FullName), x.IsEmployee, x.UserID, escape(x.UserName))
	}
	return dataContractXML("GetUsersResponse", NSUser, append(baseFields(u.APIVersion, "", NSAPI),
		xmlField{name: "Users", value: list.String(), raw: true}))
}

// escape escapes element text as .NET's XmlWriter does: &, < and >;
// quotes stay literal (evidence D6).
var escape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace

// httpError is ASP.NET's HttpError: {"Message": ...} or <Error><Message>.
type httpError string

func (e httpError) JSON() []byte { return marshalJSON(map[string]string{"Message": string(e)}) }

func (e httpError) XML() []byte {
	return []byte("<Error><Message>" + escape(string(e)) + "</Message></Error>")
}
