package autoalert

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strings"

	"github.com/mockauth/mockauth/simulators/vendor"
)

// AuthToken is AutoAlert's check of the data methods (API_Intro): the
// token a login answered, as the body's token member, JSON or XML.
const AuthToken = "token"

var authSchemes = []vendor.AuthScheme{{
	Name: AuthToken,
	Doc:  "token member of the JSON or XML body: APIResult 400 \"" + MsgMissingToken + "\" without one, 401 \"" + MsgInvalidToken + "\" for an unknown, expired or ended one (in JSON or XML by negotiation; HTTP 200 with failures: in-body)",
	Sample: func(_ string, _, kept map[string]string) vendor.Request {
		return vendor.Request{ContentType: vendor.JSONType, Accept: vendor.JSONType, Body: `{"token":"` + kept["token"] + `"}`}
	},
}}

var _ vendor.Guard = (*Simulator)(nil)

// Stale implements vendor.Guard.
func (s *Simulator) Stale(string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.write(w, r, s.failure(failedResult(http.StatusUnauthorized, MsgInvalidToken)))
	})
}

// Authenticate implements vendor.Guard.
func (s *Simulator) Authenticate(_ string, r *http.Request, body []byte) (vendor.Login, *vendor.Refusal) {
	refuse := func(reason string, rep reply) (vendor.Login, *vendor.Refusal) {
		return vendor.Login{}, &vendor.Refusal{Reason: reason, Answer: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.write(w, r, s.failure(rep))
		})}
	}
	value := bodyToken(body)
	if strings.TrimSpace(value) == "" {
		return refuse(vendor.RefusedMissing, failedResult(http.StatusBadRequest, MsgMissingToken))
	}
	key := guidKey(value)
	t, err := s.tokens.Check(key)
	if err != nil {
		return refuse(vendor.TokenReason(value, err, s.tokens.Ended(key)), failedResult(http.StatusUnauthorized, MsgInvalidToken))
	}
	f := map[string]string{"user": t.Subject}
	if u, ok := s.fx.Users[t.Subject]; ok {
		f["fullName"] = u.FullName
	}
	return vendor.Login{User: t.Subject, Fields: f}, nil
}

// bodyToken reads the token member of a JSON object (its name matched as
// Json.NET matches it, regardless of case) or of an XML root element.
func bodyToken(body []byte) string {
	b := bytes.TrimSpace(body)
	if len(b) > 0 && b[0] == '<' {
		dec := xml.NewDecoder(bytes.NewReader(b))
		depth := 0
		for {
			tok, err := dec.Token()
			if err != nil {
				return ""
			}
			switch t := tok.(type) {
			case xml.StartElement:
				depth++
				if depth == 2 && strings.EqualFold(t.Name.Local, "token") {
					var v string
					if dec.DecodeElement(&v, &t) != nil {
						return ""
					}
					return v
				}
			case xml.EndElement:
				depth--
			}
		}
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return ""
	}
	for k, raw := range m {
		if strings.EqualFold(k, "token") {
			var v string
			if err := json.Unmarshal(raw, &v); err != nil {
				return string(raw) // 0 sent as a number
			}
			return v
		}
	}
	return ""
}

var _ vendor.SessionEnder = (*Simulator)(nil)

// EndSessions implements vendor.SessionEnder: every token of the login ends.
func (s *Simulator) EndSessions(user string) int { return s.tokens.EndSubject(user) }
