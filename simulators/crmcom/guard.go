package crmcom

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/mockauth/mockauth/simulators/tokens"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// AuthToken is CRM.COM's check of every method after login (the
// Introduction page): the token in the query of a GET, in the JSON body
// of a POST.
const AuthToken = "token"

var authSchemes = []vendor.AuthScheme{{
	Name: AuthToken,
	Doc:  "token in the query (GET, DELETE) or in the JSON body (POST, PUT): the envelope's MANDATORY_FIELD_MISSING, TOKEN_EXPIRED or INVALID_TOKEN (HTTP 200) otherwise",
	Sample: func(method string, _, kept map[string]string) vendor.Request {
		if method == http.MethodGet || method == http.MethodDelete || method == http.MethodHead {
			return vendor.Request{Query: []vendor.KV{{Key: "token", Value: kept["token"]}}}
		}
		return vendor.Request{ContentType: vendor.JSONType, Body: `{"token":"` + kept["token"] + `"}`}
	},
}}

var _ vendor.Guard = (*Simulator)(nil)

// Stale implements vendor.Guard.
func (s *Simulator) Stale(string) http.Handler {
	return s.adapt(func(*http.Request) response { return fail(CodeInvalidToken) })
}

// Authenticate implements vendor.Guard.
func (s *Simulator) Authenticate(_ string, r *http.Request, body []byte) (vendor.Login, *vendor.Refusal) {
	refuse := func(reason string, res response) (vendor.Login, *vendor.Refusal) {
		return vendor.Login{}, &vendor.Refusal{Reason: reason, Answer: s.adapt(func(*http.Request) response { return res })}
	}
	var value string
	switch r.Method {
	case http.MethodGet, http.MethodDelete, http.MethodHead:
		value = r.URL.Query().Get("token")
	default:
		var req struct {
			Token json.RawMessage `json:"token"`
		}
		if len(bytes.TrimSpace(body)) > 0 && json.Unmarshal(body, &req) != nil {
			return refuse(vendor.RefusedMissing, fail(CodeMalformedRequest))
		}
		if err := json.Unmarshal(req.Token, &value); err != nil && len(req.Token) > 0 {
			value = string(req.Token) // a number: 0 kept as a token
		}
	}
	t, res, good := s.checkToken(value)
	if !good {
		var err error = tokens.ErrUnknown
		if res.body.Status.Code == CodeTokenExpired {
			err = tokens.ErrExpired
		}
		return refuse(vendor.TokenReason(value, err, s.tokens.Ended(canonicalJWT(value))), res)
	}
	f := map[string]string{"user": t.Subject}
	if d, ok := t.Data.(tokenData); ok {
		f["organisation"], f["unit"] = d.Organisation, d.Unit
	}
	return vendor.Login{User: t.Subject, Fields: f}, nil
}

var _ vendor.SessionEnder = (*Simulator)(nil)

// EndSessions implements vendor.SessionEnder: every token of the login ends.
func (s *Simulator) EndSessions(user string) int { return s.tokens.EndSubject(user) }
