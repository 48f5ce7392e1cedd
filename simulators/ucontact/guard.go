package ucontact

import (
	"net/http"
	"strings"

	"github.com/mockauth/mockauth/simulators/tokens"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// AuthToken is uContact's check of the calls after login, as AgentLogoff
// makes it: the login's token as Basic, or a portal API token as Bearer.
const AuthToken = "token"

var authSchemes = []vendor.AuthScheme{{
	Name: AuthToken,
	Doc:  "Authorization: Basic <getUserToken, UserLogin or AgentLogin token> (read as settings.tokenParsing says), or Bearer <portal API token>; 401 Unauthorized otherwise, whether the token is unknown, expired or ended",
	Sample: func(_ string, _, kept map[string]string) vendor.Request {
		return vendor.Request{Auth: "Basic " + kept["token"], ContentType: vendor.FormType, Form: []vendor.KV{}}
	},
}}

var _ vendor.Guard = (*Simulator)(nil)

// Stale implements vendor.Guard.
func (s *Simulator) Stale(string) http.Handler {
	return s.adapt(func(*http.Request) response { return unauthorized() })
}

// Authenticate implements vendor.Guard.
func (s *Simulator) Authenticate(_ string, r *http.Request, _ []byte) (vendor.Login, *vendor.Refusal) {
	refuse := func(reason string) (vendor.Login, *vendor.Refusal) {
		return vendor.Login{}, &vendor.Refusal{Reason: reason, Answer: s.adapt(func(*http.Request) response { return unauthorized() })}
	}
	scheme, value := authorization(r)
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		owner, ok := s.apiTokenOwner(value)
		if !ok {
			return refuse(vendor.TokenReason(value, tokens.ErrUnknown, false))
		}
		return vendor.Login{User: owner, Fields: map[string]string{"user": owner, "kind": "apiToken"}}, nil
	case strings.EqualFold(scheme, "Basic"):
		t, err := s.session(value)
		if err != nil {
			canonical := value
			if s.fx.Settings.TokenParsing != TokenExact {
				canonical = lenientBase64(value)
			}
			return refuse(vendor.TokenReason(value, err, s.tokens.Ended(canonical)))
		}
		return vendor.Login{User: t.Subject, Fields: map[string]string{"user": t.Subject, "kind": t.Kind}}, nil
	}
	return refuse(vendor.RefusedMissing)
}

var _ vendor.SessionEnder = (*Simulator)(nil)

// EndSessions implements vendor.SessionEnder: every token of the login ends.
func (s *Simulator) EndSessions(user string) int { return s.tokens.EndSubject(user) }
