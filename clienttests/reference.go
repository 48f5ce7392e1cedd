package clienttests

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Reference is the careful client of every vendor endpoint, written as a
// user of the vendor would write it: a timeout on every attempt, retries
// of transient failures only (transport errors, 5xx, 429, garbled
// answers), Retry-After honoured, at most three attempts, the vendor's
// error answers ("0", Error, the envelope's code, the empty GUID) taken as
// failures and never as tokens.
type Reference struct {
	// AttemptTimeout bounds one request (default 1.5 s).
	AttemptTimeout time.Duration
	// HTTP is the client to use (default: a plain one).
	HTTP *http.Client
}

// Errors of the reference client.
var (
	// ErrRejected is the vendor refusing the login (no retry).
	ErrRejected = errors.New("login refused by the vendor")
	// errGarbled is an answer that does not parse (retried).
	errGarbled = errors.New("garbled answer")
	// errStale is a token a checking endpoint refused.
	errStale = errors.New("token refused")
)

const maxAttempts = 3

func (rc Reference) httpClient() *http.Client {
	if rc.HTTP != nil {
		return rc.HTTP
	}
	return http.DefaultClient
}

func (rc Reference) timeout() time.Duration {
	if rc.AttemptTimeout > 0 {
		return rc.AttemptTimeout
	}
	return 1500 * time.Millisecond
}

// request describes one call; parse turns its answer into a value or an
// error (ErrRejected: final; errGarbled or errStale: as the caller says).
type request struct {
	method, url, contentType, accept, auth, body string
	parse                                        func(status int, body []byte) (string, error)
}

// call sends a request, retrying transient failures.
func (rc Reference) call(ctx context.Context, r request) (string, error) {
	var last error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		v, retryAfter, err := rc.once(ctx, r)
		if err == nil || errors.Is(err, ErrRejected) || errors.Is(err, errStale) {
			return v, err
		}
		last = err
		if attempt == maxAttempts {
			break
		}
		wait := retryAfter
		if wait == 0 {
			wait = 100 * time.Millisecond * time.Duration(attempt)
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return "", fmt.Errorf("giving up: next try would pass the deadline: %w", last)
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	return "", fmt.Errorf("giving up after %d attempts: %w", maxAttempts, last)
}

// once makes one attempt; retryAfter is what a 429 or 503 asked for.
func (rc Reference) once(ctx context.Context, r request) (string, time.Duration, error) {
	actx, cancel := context.WithTimeout(ctx, rc.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(actx, r.method, r.url, strings.NewReader(r.body))
	if err != nil {
		return "", 0, fmt.Errorf("%w: %v", ErrRejected, err)
	}
	for k, v := range map[string]string{"Content-Type": r.contentType, "Accept": r.accept, "Authorization": r.auth} {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	res, err := rc.httpClient().Do(req)
	if err != nil {
		return "", 0, err // transport: retried
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return "", 0, err
	}
	if res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500 {
		secs, _ := strconv.Atoi(res.Header.Get("Retry-After"))
		return "", time.Duration(secs) * time.Second, fmt.Errorf("HTTP %d", res.StatusCode)
	}
	v, err := r.parse(res.StatusCode, body)
	return v, 0, err
}

// Login implements Client.
func (rc Reference) Login(ctx context.Context, env Env) (string, error) {
	base, c := strings.TrimSuffix(env.BaseURL, "/"), env.Creds
	login, check := rc.flows(base, env.Vendor, env.Endpoint, c)
	if login == nil {
		return "", fmt.Errorf("reference client: no client for %s %s", env.Vendor, env.Endpoint)
	}
	tok, err := rc.call(ctx, *login)
	if err != nil || check == nil {
		return tok, err
	}
	// A token-checking flow: prove the token, log in again once if refused.
	if _, err = rc.call(ctx, check(tok)); errors.Is(err, errStale) {
		if tok, err = rc.call(ctx, *login); err != nil {
			return "", err
		}
		_, err = rc.call(ctx, check(tok))
	}
	if err != nil {
		return "", err
	}
	return tok, nil
}

var (
	ucTokenRE = regexp.MustCompile(`^"([A-Za-z0-9+/]+={0,2})"$`)
	emptyGUID = "00000000-0000-0000-0000-000000000000"
)

func formBody(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v.Encode()
}

// flows returns the login request of an endpoint and, for token-checking
// endpoints, how to check a token.
func (rc Reference) flows(base, vendor, endpoint string, c map[string]string) (*request, func(tok string) request) {
	const form = "application/x-www-form-urlencoded"
	switch vendor {
	case "ucontact":
		userLogin := &request{method: "POST", url: base + "/Integra/resources/auth/getUserToken", contentType: form,
			body: formBody("user", c["user"], "password", c["password"]), parse: parseUContactToken}
		switch endpoint {
		case "getUserToken":
			return userLogin, nil
		case "UserLogin":
			userLogin.url, userLogin.parse = base+"/Integra/resources/auth/UserLogin", parseUserLogin
			return userLogin, nil
		case "AgentLogin":
			return &request{method: "POST", url: base + "/Integra/resources/auth/AgentLogin", contentType: form,
				body: formBody("agent", c["user"], "password", c["password"]), parse: parseAgentLogin}, nil
		case "AgentLogoff":
			return userLogin, func(tok string) request {
				return request{method: "POST", url: base + "/Integra/resources/api/AgentLogoff", contentType: form, auth: "Basic " + tok,
					body: formBody("agent", c["agent"]), parse: func(status int, body []byte) (string, error) {
						switch {
						case status == http.StatusUnauthorized:
							return "", errStale
						case status == 200 && string(body) == "OK":
							return "", nil
						}
						return "", errGarbled
					}}
			}
		}
	case "crmcom":
		login := map[string]string{"username": c["user"], "password": c["password"], "organisation": c["organisation"]}
		if c["unit"] != "" {
			login["unit"] = c["unit"]
		}
		body, _ := json.Marshal(login)
		tokenReq := &request{method: "POST", url: base + "/crmapi/rest/v2/authentication/token", contentType: "application/json", body: string(body), parse: parseCRMToken}
		switch endpoint {
		case "token":
			return tokenReq, nil
		case "show":
			return tokenReq, func(tok string) request {
				return request{method: "GET", url: base + "/crmapi/rest/v2/contact_information/show?contact_information_identifier=number%3DCI000111&token=" + url.QueryEscape(tok),
					parse: func(status int, body []byte) (string, error) {
						env, err := crmEnvelope(body)
						switch {
						case err != nil:
							return "", errGarbled
						case env.Status.Code == "INVALID_TOKEN" || env.Status.Code == "TOKEN_EXPIRED":
							return "", errStale
						}
						return "", nil
					}}
			}
		}
	case "autoalert":
		auth := rc.autoalertLogin(base, c)
		switch endpoint {
		case "authenticate":
			return auth, nil
		case "getusers":
			return auth, func(tok string) request {
				return request{method: "POST", url: base + "/User/getusers", contentType: "application/json", accept: "application/json",
					body: `{"token":"` + tok + `"}`, parse: func(status int, body []byte) (string, error) {
						switch {
						case status == http.StatusUnauthorized:
							return "", errStale
						case status == 200 && json.Valid(body):
							return "", nil
						}
						return "", errGarbled
					}}
			}
		}
	case "exotel":
		if endpoint == "basicauth" {
			return rc.exotelRegister(base, c), nil
		}
	}
	return nil, nil
}

func parseUContactToken(status int, body []byte) (string, error) {
	s := string(body)
	if s == `"0"` || s == "0" {
		return "", fmt.Errorf("%w: uContact answered %s", ErrRejected, s)
	}
	m := ucTokenRE.FindStringSubmatch(s)
	if status != 200 || m == nil {
		return "", errGarbled
	}
	if _, err := base64.StdEncoding.DecodeString(m[1]); err != nil {
		return "", errGarbled
	}
	return m[1], nil
}

func parseUserLogin(status int, body []byte) (string, error) {
	if string(body) == "0" {
		return "", fmt.Errorf("%w: uContact answered 0", ErrRejected)
	}
	var arr []string
	if status != 200 || json.Unmarshal(body, &arr) != nil || len(arr) < 3 || arr[2] == "" {
		return "", errGarbled
	}
	return arr[2], nil
}

func parseAgentLogin(status int, body []byte) (string, error) {
	if s := string(body); s == "0" || s == "Error" {
		return "", fmt.Errorf("%w: uContact answered %s", ErrRejected, s)
	}
	var peer struct {
		Token string `json:"token"`
	}
	if status != 200 || json.Unmarshal(body, &peer) != nil || peer.Token == "" {
		return "", errGarbled
	}
	return peer.Token, nil
}

type crmAnswer struct {
	Status struct {
		Code    string  `json:"code"`
		Message *string `json:"message"`
	} `json:"status"`
	Data json.RawMessage `json:"data"`
}

func crmEnvelope(body []byte) (crmAnswer, error) {
	var a crmAnswer
	if err := json.Unmarshal(body, &a); err != nil || a.Status.Code == "" {
		return a, errGarbled
	}
	return a, nil
}

func parseCRMToken(status int, body []byte) (string, error) {
	a, err := crmEnvelope(body)
	if err != nil {
		return "", err
	}
	if a.Status.Code != "OK" {
		msg := a.Status.Code
		if a.Status.Message != nil {
			msg += ": " + *a.Status.Message
		}
		return "", fmt.Errorf("%w: %s", ErrRejected, msg)
	}
	var d struct {
		Token string `json:"token"`
	}
	if json.Unmarshal(a.Data, &d) != nil || d.Token == "" {
		return "", errGarbled
	}
	return d.Token, nil
}

func (rc Reference) autoalertLogin(base string, c map[string]string) *request {
	r := &request{method: "POST", url: base + "/User/authenticate"}
	if c["format"] == "xml" {
		var b strings.Builder
		b.WriteString(`<AuthenticateRequest xmlns="http://schemas.datacontract.org/2004/07/AutoAlert.API.Models.User">`)
		// DataContract order: code, password, userName.
		for _, f := range [][2]string{{"code", c["code"]}, {"password", c["password"]}, {"userName", c["user"]}} {
			if f[1] != "" {
				b.WriteString("<" + f[0] + ">")
				_ = xml.EscapeText(&b, []byte(f[1]))
				b.WriteString("</" + f[0] + ">")
			}
		}
		b.WriteString("</AuthenticateRequest>")
		r.contentType, r.accept, r.body = "application/xml", "application/xml", b.String()
	} else {
		m := map[string]string{"userName": c["user"], "password": c["password"]}
		if c["code"] != "" {
			m["code"] = c["code"]
		}
		body, _ := json.Marshal(m)
		r.contentType, r.accept, r.body = "application/json", "application/json", string(body)
	}
	r.parse = func(status int, body []byte) (string, error) {
		var a struct {
			Token string  `json:"token" xml:"token"`
			Code  int     `json:"code"`
			Error *string `json:"error" xml:"error"`
		}
		var err error
		if c["format"] == "xml" {
			err = xml.Unmarshal(body, &a)
			if err == nil && status == 200 {
				a.Code = 200 // the XML carries no code element
			}
		} else {
			err = json.Unmarshal(body, &a)
		}
		switch {
		case err != nil:
			return "", errGarbled
		case status != 200 || a.Code != 200 || a.Token == emptyGUID:
			msg := fmt.Sprintf("HTTP %d", status)
			if a.Error != nil {
				msg += ": " + *a.Error
			}
			return "", fmt.Errorf("%w: %s", ErrRejected, msg)
		case !regexp.MustCompile(`^[0-9a-fA-F-]{36}$`).MatchString(a.Token):
			return "", errGarbled
		}
		return a.Token, nil
	}
	return r
}

// exotelRegister registers the credential and hands back its Basic value.
// A 409 after an attempt whose answer was lost may be that attempt's own
// success: whoami tells.
func (rc Reference) exotelRegister(base string, c map[string]string) *request {
	basic := base64.StdEncoding.EncodeToString([]byte(c["user"] + ":" + c["password"]))
	body, _ := json.Marshal(map[string]string{"username": c["user"], "password": c["password"], "context": "ContactCenter", "contextId": "1", "userRole": "Administrator"})
	return &request{method: "POST", url: base + "/configuration/basicauth", contentType: "application/json", accept: "application/json",
		auth: "Bearer " + c["bearer"], body: string(body), parse: func(status int, b []byte) (string, error) {
			switch {
			case status == http.StatusCreated && json.Valid(b):
				return basic, nil
			case status == http.StatusCreated:
				return "", errGarbled
			case status == http.StatusConflict:
				if rc.whoami(base, basic) {
					return basic, nil
				}
			}
			return "", fmt.Errorf("%w: HTTP %d: %s", ErrRejected, status, strings.TrimSpace(string(b)))
		}}
}

func (rc Reference) whoami(base, basic string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), rc.timeout())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/configuration/whoami", nil)
	req.Header.Set("Authorization", "Basic "+basic)
	res, err := rc.httpClient().Do(req)
	if err != nil {
		return false
	}
	res.Body.Close()
	return res.StatusCode == 200
}
