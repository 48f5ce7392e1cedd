package contracts

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Credentials are the logins a contract check uses; empty fields take the
// demo logins of mockauth's fixtures, so a check against the stack needs none.
type Credentials struct {
	User, Password string
	Organisation   string // crmcom
	Unit           string // crmcom, optional
	Code           string // autoalert security code, optional
	Bearer         string // exotel admin token; else one is fetched with User/Password at /login
}

// Probe is one documented request a check sends.
type Probe struct {
	Name        string
	Method      string
	Path        string // query included
	ContentType string
	Accept      string
	Auth        string // Authorization header value
	Body        string
	// Expect returns what differs from the documented behaviour the probe
	// stands for ("" when nothing does), beyond what the schema checks.
	Expect func(status int, body string) string
	// Keep, when set, extracts a value (a token) for the probes after it.
	Keep func(body string) string
	// BreaksContract marks a probe that sends a request the contract
	// forbids on purpose, to see the server refuse it.
	BreaksContract bool
}

// Result is what one probe found.
type Result struct {
	Probe       string
	Sent        string
	Status      int
	ContentType string
	Body        string
	Drift       []string
}

// Report is a whole check.
type Report struct {
	Vendor  string
	BaseURL string
	Results []Result
}

// Drifted reports whether any probe found a difference.
func (r Report) Drifted() bool {
	for _, res := range r.Results {
		if len(res.Drift) > 0 {
			return true
		}
	}
	return false
}

// Write prints the drift report.
func (r Report) Write(w io.Writer) {
	fmt.Fprintf(w, "contract check: %s at %s\n", r.Vendor, r.BaseURL)
	n := 0
	for _, res := range r.Results {
		verdict := "ok"
		if len(res.Drift) > 0 {
			verdict = "DRIFT"
			n++
		}
		fmt.Fprintf(w, "\n%s  %s\n  sent:     %s\n  received: %d %s %s\n", verdict, res.Probe, res.Sent, res.Status, res.ContentType, short(res.Body))
		for _, d := range res.Drift {
			fmt.Fprintf(w, "  - %s\n", d)
		}
	}
	if n == 0 {
		fmt.Fprintf(w, "\nno drift: %d probes answered as the contract says\n", len(r.Results))
	} else {
		fmt.Fprintf(w, "\n%d of %d probes drifted from contracts/%s.yaml\n", n, len(r.Results), r.Vendor)
	}
}

func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 160 {
		return s[:160] + "…"
	}
	return s
}

// Check sends a vendor's probes to baseURL (a simulator or a real tenant),
// checks every answer against the contract, and reports each difference.
func Check(ctx context.Context, client *http.Client, vendor, baseURL string, c Credentials) (Report, error) {
	v, err := NewValidator(vendor)
	if err != nil {
		return Report{}, err
	}
	base := strings.TrimSuffix(baseURL, "/")
	rep := Report{Vendor: vendor, BaseURL: base}
	kept := ""
	probes, err := probesFor(vendor, c)
	if err != nil {
		return rep, err
	}
	// Probes are rebuilt before each is sent, so one can use what the
	// probe before it kept (a token).
	for i := 0; ; i++ {
		ps := probes(func() string { return kept })
		if i >= len(ps) {
			break
		}
		p := ps[i]
		res := Result{Probe: p.Name, Sent: p.Method + " " + p.Path}
		req, err := http.NewRequestWithContext(ctx, p.Method, base+p.Path, strings.NewReader(p.Body))
		if err != nil {
			return rep, err
		}
		for k, val := range map[string]string{"Content-Type": p.ContentType, "Accept": p.Accept, "Authorization": p.Auth} {
			if val != "" {
				req.Header.Set(k, val)
			}
		}
		if p.Body != "" {
			res.Sent += " " + short(p.Body)
		}
		res.Sent = redactForReport(res.Sent)
		x, reqViolations := v.Request(req, "", []byte(p.Body))
		if len(reqViolations) > 0 && !p.BreaksContract {
			return rep, fmt.Errorf("probe %q breaks the contract itself: %v", p.Name, reqViolations)
		}
		resp, err := client.Do(req)
		if err != nil {
			res.Drift = append(res.Drift, "no answer: "+err.Error())
			rep.Results = append(rep.Results, res)
			continue
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if err != nil {
			res.Drift = append(res.Drift, "answer cut: "+err.Error())
		}
		res.Status, res.ContentType, res.Body = resp.StatusCode, resp.Header.Get("Content-Type"), redactForReport(string(body))
		res.Drift = append(res.Drift, x.Response(resp.StatusCode, resp.Header, body)...)
		if p.Expect != nil {
			if d := p.Expect(resp.StatusCode, string(body)); d != "" {
				res.Drift = append(res.Drift, d)
			}
		}
		if p.Keep != nil {
			kept = p.Keep(string(body))
		}
		rep.Results = append(rep.Results, res)
	}
	return rep, nil
}

// secretInBody finds the values of secret fields in JSON, forms and
// queries, and quoted uContact tokens, for the report.
var secretInBody = regexp.MustCompile(`(?i)("?(?:password|pass_code|token)"?\s*[:=]\s*"?)[^"&,}<]*|^"[A-Za-z0-9+/]{16,}={0,2}"$`)

func redactForReport(body string) string {
	return xmlToken.ReplaceAllString(secretInBody.ReplaceAllString(body, "${1}***"), "${1}***")
}

// The XML token of AutoAlert is an element, not a field: <token>...</token>.
var xmlToken = regexp.MustCompile(`(<token>)[^<]*`)

// expectStatus returns an Expect that wants one status and a body check.
func expectStatus(want int, what string, ok func(string) bool) func(int, string) string {
	return func(status int, body string) string {
		if status != want || (ok != nil && !ok(body)) {
			return fmt.Sprintf("expected %s (HTTP %d), got HTTP %d", what, want, status)
		}
		return ""
	}
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

var (
	quotedToken = regexp.MustCompile(`^"[A-Za-z0-9+/]+={0,2}"$`)
	jsonToken   = regexp.MustCompile(`"token"\s*:\s*"([^"]+)"`)
)

func firstGroup(re *regexp.Regexp) func(string) string {
	return func(s string) string {
		if m := re.FindStringSubmatch(s); m != nil {
			return m[1]
		}
		return ""
	}
}

func jsonStr(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// probesFor returns a vendor's probes; kept gives the value the last Keep
// extracted (a token) when a probe is built.
func probesFor(vendor string, c Credentials) (func(kept func() string) []Probe, error) {
	const form = "application/x-www-form-urlencoded"
	switch vendor {
	case "ucontact":
		user, pw := or(c.User, "demo"), or(c.Password, "demo")
		good := url.Values{"user": {user}, "password": {pw}}.Encode()
		bad := url.Values{"user": {user}, "password": {pw + "-wrong"}}.Encode()
		return func(kept func() string) []Probe {
			return []Probe{
				{Name: "getUserToken, good login", Method: "POST", Path: "/Integra/resources/auth/getUserToken", ContentType: form, Body: good,
					Expect: expectStatus(200, `a quoted token, not "0"`, func(b string) bool { return quotedToken.MatchString(b) && b != `"0"` }),
					Keep:   func(b string) string { return strings.Trim(b, `"`) }},
				{Name: "getUserToken, wrong password", Method: "POST", Path: "/Integra/resources/auth/getUserToken", ContentType: form, Body: bad,
					Expect: expectStatus(200, `the error "0"`, func(b string) bool { return b == `"0"` || b == "0" })},
				{Name: "AgentLogin, wrong password", Method: "POST", Path: "/Integra/resources/auth/AgentLogin", ContentType: form, Body: "agent=" + url.QueryEscape(user) + "&password=wrong-" + url.QueryEscape(pw),
					Expect: expectStatus(200, "the error 0", func(b string) bool { return b == "0" })},
			}
		}, nil
	case "crmcom":
		login := map[string]any{"username": or(c.User, "mpadministrator"), "password": or(c.Password, "1234"), "organisation": or(c.Organisation, "CRMDEMO")}
		if c.Unit != "" || c.User == "" {
			login["unit"] = or(c.Unit, "EE63A82C4FEBE02FF34E90DD1EBA5ABE")
		}
		bad := map[string]any{"username": login["username"], "password": fmt.Sprint(login["password"]) + "-wrong", "organisation": login["organisation"]}
		noOrg := map[string]any{"username": login["username"], "password": login["password"]}
		statusIs := func(ok bool) func(string) bool {
			return func(b string) bool { return strings.Contains(b, `"code":"OK"`) == ok }
		}
		return func(kept func() string) []Probe {
			return []Probe{
				{Name: "authentication/token, good login", Method: "POST", Path: "/crmapi/rest/v2/authentication/token", ContentType: "application/json", Body: jsonStr(login),
					Expect: expectStatus(200, "status.code OK and a token", statusIs(true)), Keep: firstGroup(jsonToken)},
				{Name: "contact_information/show, fresh token", Method: "GET", Path: "/crmapi/rest/v2/contact_information/show?contact_information_identifier=number%3DCI000111&token=" + url.QueryEscape(kept()),
					Expect: func(status int, b string) string {
						if strings.Contains(b, `"INVALID_TOKEN"`) || strings.Contains(b, `"TOKEN_EXPIRED"`) {
							return "a fresh token was refused"
						}
						return ""
					}},
				{Name: "authentication/token/release", Method: "POST", Path: "/crmapi/rest/v2/authentication/token/release", ContentType: "application/json", Body: jsonStr(map[string]string{"token": kept()}),
					Expect: expectStatus(200, "status.code OK", statusIs(true))},
				{Name: "authentication/token, wrong password", Method: "POST", Path: "/crmapi/rest/v2/authentication/token", ContentType: "application/json", Body: jsonStr(bad),
					Expect: expectStatus(200, "an error in the envelope", statusIs(false))},
				{Name: "authentication/token, no organisation", Method: "POST", Path: "/crmapi/rest/v2/authentication/token", ContentType: "application/json", Body: jsonStr(noOrg), BreaksContract: true,
					Expect: expectStatus(200, "an error in the envelope", statusIs(false))},
			}
		}, nil
	case "autoalert":
		login := map[string]string{"userName": or(c.User, "demo"), "password": or(c.Password, "demo")}
		if c.Code != "" {
			login["code"] = c.Code
		}
		bad := map[string]string{"userName": login["userName"], "password": login["password"] + "-wrong"}
		xmlLogin := `<AuthenticateRequest xmlns="http://schemas.datacontract.org/2004/07/AutoAlert.API.Models.User">`
		if c.Code != "" {
			xmlLogin += "<code>" + xmlEscape(c.Code) + "</code>"
		}
		xmlLogin += "<password>" + xmlEscape(login["password"]) + "</password><userName>" + xmlEscape(login["userName"]) + "</userName></AuthenticateRequest>"
		return func(kept func() string) []Probe {
			return []Probe{
				{Name: "User/authenticate, JSON, good login", Method: "POST", Path: "/User/authenticate", ContentType: "application/json", Accept: "application/json", Body: jsonStr(login),
					Expect: expectStatus(200, "code 200 and a token", nil), Keep: firstGroup(jsonToken)},
				{Name: "User/getusers, fresh token", Method: "POST", Path: "/User/getusers", ContentType: "application/json", Accept: "application/json", Body: jsonStr(map[string]string{"token": kept()}),
					Expect: expectStatus(200, "the users", nil)},
				{Name: "User/logoff", Method: "POST", Path: "/User/logoff", ContentType: "application/json", Accept: "application/json", Body: jsonStr(map[string]string{"token": kept()}),
					Expect: expectStatus(200, "code 200", nil)},
				{Name: "User/authenticate, JSON, wrong password", Method: "POST", Path: "/User/authenticate", ContentType: "application/json", Accept: "application/json", Body: jsonStr(bad),
					Expect: expectStatus(401, "code 401 and an error", nil)},
				{Name: "User/authenticate, XML, good login", Method: "POST", Path: "/User/authenticate", ContentType: "application/xml", Accept: "application/xml", Body: xmlLogin,
					Expect: expectStatus(200, "an AuthenticateResponse", func(b string) bool { return strings.HasPrefix(b, "<AuthenticateResponse") })},
			}
		}, nil
	case "exotel":
		admin, adminPw := or(c.User, "demo.admin"), or(c.Password, "demo-admin-pass")
		unique := fmt.Sprintf("contract_check_%d", time.Now().UnixNano())
		body := jsonStr(map[string]string{"username": unique, "password": unique + "-pass", "context": "ContactCenter", "contextId": "1", "userRole": "Administrator"})
		return func(kept func() string) []Probe {
			bearer := c.Bearer
			if bearer == "" {
				bearer = kept()
			}
			ps := []Probe{}
			if c.Bearer == "" {
				ps = append(ps, Probe{Name: "login (admin bearer)", Method: "POST", Path: "/login", ContentType: form, Accept: "application/json",
					Body:   url.Values{"username": {admin}, "password": {adminPw}}.Encode(),
					Expect: expectStatus(200, "a bearer token", nil), Keep: firstGroup(jsonToken)})
			}
			return append(ps,
				Probe{Name: "configuration/basicauth, bad bearer", Method: "POST", Path: "/configuration/basicauth", ContentType: "application/json", Accept: "application/json", Auth: "Bearer x", Body: body,
					Expect: expectStatus(401, "401", nil)},
				Probe{Name: "configuration/basicauth, admin bearer", Method: "POST", Path: "/configuration/basicauth", ContentType: "application/json", Accept: "application/json", Auth: "Bearer " + bearer, Body: body,
					Expect: expectStatus(201, "the registered credential", nil)},
				Probe{Name: "configuration/whoami (stand-in), registered pair", Method: "GET", Path: "/configuration/whoami",
					Auth:   "Basic " + base64.StdEncoding.EncodeToString([]byte(unique+":"+unique+"-pass")),
					Expect: expectStatus(200, "the credential", nil)},
			)
		}, nil
	}
	return nil, fmt.Errorf("contracts: no probes for vendor %q", vendor)
}

func xmlEscape(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
