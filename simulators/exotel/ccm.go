package exotel

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/gorilla/mux"
)

// The ccm-api token call of Exotel's current contact-center API
// (developer.exotel.com, "Token Generation"): the account's API key and
// token as Basic, no body, a Bearer access token in Exotel's v2 envelope.
const (
	CCMToken     = "ccmtoken"
	PathCCMToken = "/v2/accounts/{account_sid}/configuration/basicauth"

	// ccmTokenLifetime is the page's expires_in: 86400 s.
	ccmTokenLifetime = 86400
)

// Errors of the ccm-api envelope: the status table's descriptions; the
// application code of a 401 is Voice v2 (CCM)'s "Authentication failed".
const (
	MsgCCMAuthFailed = "Authentication failed"
	MsgCCMNoCCM      = "Account not authorized for CCM"
)

var ccmPath = regexp.MustCompile(`^/v2/accounts/([^/]+)/configuration/basicauth$`)

// ccmEnvelope is Exotel's v2 answer.
type ccmEnvelope struct {
	RequestID string      `json:"request_id"`
	Method    string      `json:"method"`
	HTTPCode  int         `json:"http_code"`
	Response  ccmResponse `json:"response"`
}

type ccmResponse struct {
	Code      int           `json:"code"`
	Status    string        `json:"status"`
	ErrorData *ccmErrorData `json:"error_data,omitempty"`
	Data      any           `json:"data"`
}

type ccmErrorData struct {
	Code        int    `json:"code"`
	Message     string `json:"message"`
	Description string `json:"description"`
}

type ccmToken struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
}

// requestID is an id for Exotel's request_id.
func requestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func ccmAnswer(status int, data any, errData *ccmErrorData) response {
	word := "success"
	if errData != nil {
		word = "failure"
	}
	return jsonAnswer(status, ccmEnvelope{RequestID: requestID(), Method: http.MethodPost, HTTPCode: status,
		Response: ccmResponse{Code: status, Status: word, ErrorData: errData, Data: data}})
}

// ccmAuthFailed is the 401: Voice v2 (CCM)'s code 1010.
func ccmAuthFailed() response {
	return ccmAnswer(http.StatusUnauthorized, nil, &ccmErrorData{Code: 1010, Message: MsgCCMAuthFailed, Description: "Invalid API key or token"})
}

// ccmTokenCall answers POST /v2/accounts/<sid>/configuration/basicauth.
func (s *Simulator) ccmTokenCall(r *http.Request) response {
	sid := mux.Vars(r)["account_sid"]
	key, secret, ok := r.BasicAuth()
	a, known := s.fx.Accounts[sid]
	if !ok || !known || key != a.APIKey || secret != a.APIToken {
		return ccmAuthFailed()
	}
	if !a.CCM {
		return ccmAnswer(http.StatusForbidden, nil, &ccmErrorData{Code: http.StatusForbidden, Message: "Forbidden", Description: MsgCCMNoCCM})
	}
	now := s.clock.Now()
	claims := jwt.RegisteredClaims{Subject: sid, IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(ccmTokenLifetime * time.Second))}
	// HS256 with {"alg":"HS256","typ":"JWT"}, as the page's sample token starts.
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.ccmKey())
	if err != nil {
		panic(err) // HS256 with a byte key cannot fail
	}
	return ccmAnswer(http.StatusOK, ccmToken{AccessToken: tok, TokenType: "Bearer", ExpiresIn: ccmTokenLifetime}, nil)
}

// ccmKey signs the access tokens: derived from the admin tokens' RSA key,
// so replicas that share settings.signingKey honour each other's.
func (s *Simulator) ccmKey() []byte {
	mac := hmac.New(sha256.New, s.signer().key.D.Bytes())
	mac.Write([]byte("exotel ccm access token"))
	return mac.Sum(nil)
}

// checkCCMBearer returns the account of a good ccm-api access token and
// when it expires.
func (s *Simulator) checkCCMBearer(raw string) (string, time.Time, error) {
	var claims jwt.RegisteredClaims
	_, err := jwt.ParseWithClaims(strings.TrimSpace(raw), &claims, func(*jwt.Token) (any, error) { return s.ccmKey(), nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithTimeFunc(s.clock.Now), jwt.WithExpirationRequired())
	if err != nil {
		return "", time.Time{}, err
	}
	if _, ok := s.fx.Accounts[claims.Subject]; !ok {
		return "", time.Time{}, errors.New("exotel: no such account")
	}
	return claims.Subject, claims.ExpiresAt.Time, nil
}
