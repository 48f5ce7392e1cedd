package exotel

import (
	"errors"
	"net/http"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"github.com/mockauth/mockauth/simulators/vendor"
)

// Exotel's checks of the calls after login.
const (
	AuthBasic         = "basic"           // a credential registered at basicauth
	AuthBearer        = "bearer"          // a ccm-api access token
	AuthBasicOrBearer = "basic-or-bearer" // either, as the whoami stand-in takes them
)

var authSchemes = []vendor.AuthScheme{
	{Name: AuthBasic, Doc: "Authorization: Basic base64(username:password) of a credential registered at basicauth, before its dateExpiry; 401 in the Spring Boot error shape with WWW-Authenticate otherwise", Sample: basicSample},
	{Name: AuthBearer, Doc: "Authorization: Bearer <ccm-api access token>, before its expiry; the same 401 otherwise",
		Sample: func(_ string, _, kept map[string]string) vendor.Request {
			return vendor.Request{Auth: "Bearer " + kept["ccmToken"]}
		}},
	{Name: AuthBasicOrBearer, Doc: "either of basic and bearer", Sample: basicSample},
}

func basicSample(_ string, demo, _ map[string]string) vendor.Request {
	return vendor.Request{Auth: vendor.Basic(demo["user"], demo["password"])}
}

var _ vendor.Guard = (*Simulator)(nil)

// Stale implements vendor.Guard.
func (s *Simulator) Stale(string) http.Handler { return adapt(s.unauthorized) }

func (s *Simulator) unauthorized(r *http.Request) response {
	return s.fail(r, http.StatusUnauthorized, MsgBadCredentials).with("WWW-Authenticate", WWWAuthenticate)
}

// Authenticate implements vendor.Guard.
func (s *Simulator) Authenticate(scheme string, r *http.Request, _ []byte) (vendor.Login, *vendor.Refusal) {
	refuse := func(reason string) (vendor.Login, *vendor.Refusal) {
		return vendor.Login{}, &vendor.Refusal{Reason: reason, Answer: adapt(s.unauthorized)}
	}
	kind, raw, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	raw = strings.TrimSpace(raw)
	switch {
	case strings.EqualFold(kind, "Bearer") && scheme != AuthBasic:
		sid, expiry, err := s.checkCCMBearer(raw)
		if err != nil {
			reason := vendor.TokenReason(raw, nil, false)
			if errors.Is(err, jwt.ErrTokenExpired) {
				reason = vendor.RefusedExpired
			}
			return refuse(reason)
		}
		return vendor.Login{User: s.fx.Accounts[sid].APIKey, Fields: map[string]string{
			"user": s.fx.Accounts[sid].APIKey, "username": s.fx.Accounts[sid].APIKey, "context": ContextContactCenter,
			"contextId": sid, "userRole": "API", "dateExpiry": expiry.UTC().Format(isoMillis),
		}}, nil
	case strings.EqualFold(kind, "Basic") && scheme != AuthBearer:
		user, password, ok := r.BasicAuth()
		if !ok {
			return refuse(vendor.TokenReason(raw, nil, false))
		}
		s.mu.Lock()
		c, known := s.credentials[user]
		s.mu.Unlock()
		switch {
		case !known:
			return refuse(vendor.RefusedUnknown)
		case !c.matches(password):
			return refuse(vendor.RefusedWrong)
		case !s.clock.Now().Before(c.Expiry):
			return refuse(vendor.RefusedExpired)
		}
		return vendor.Login{User: c.Username, Fields: map[string]string{
			"user": c.Username, "username": c.Username, "context": c.Context, "contextId": c.ContextID,
			"userRole": c.UserRole, "dateExpiry": c.Expiry.UTC().Format(isoMillis),
		}}, nil
	}
	return refuse(vendor.RefusedMissing)
}
