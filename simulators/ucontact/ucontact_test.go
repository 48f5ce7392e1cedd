package ucontact_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mockauth/mockauth/contracts"
	"github.com/mockauth/mockauth/simulators/clock"
	"github.com/mockauth/mockauth/simulators/ucontact"
)

const form = "application/x-www-form-urlencoded"

// harness serves a simulator and checks every answer against the contract.
type harness struct {
	t     *testing.T
	sim   *ucontact.Simulator
	clock *clock.Simulated
	v     *contracts.Validator
}

func newHarness(t *testing.T, fx *ucontact.Fixtures) *harness {
	t.Helper()
	v, err := contracts.NewValidator(ucontact.Name)
	if err != nil {
		t.Fatal(err)
	}
	c := clock.NewSimulated()
	return &harness{t: t, sim: ucontact.New(ucontact.Options{Fixtures: fx, Clock: c}), clock: c, v: v}
}

type answer struct {
	status int
	header http.Header
	body   string
}

// do sends a request and fails the test if the request is fine by the
// contract but the answer is not.
func (h *harness) do(method, target, contentType, body string, header ...string) answer {
	h.t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	x, _ := h.v.Request(r, "", []byte(body))
	w := httptest.NewRecorder()
	h.sim.ServeHTTP(w, r)
	res := w.Result()
	data, _ := io.ReadAll(res.Body)
	if v := x.Response(res.StatusCode, res.Header, data); len(v) > 0 {
		h.t.Errorf("%s %s answer breaks the contract: %v", method, target, v)
	}
	return answer{status: res.StatusCode, header: res.Header, body: string(data)}
}

var tokenRE = regexp.MustCompile(`^"([A-Za-z0-9+/]+={0,2})"$`)

// decodeToken returns the user and uuid inside a token.
func decodeToken(t *testing.T, tok string) (string, string) {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(tok)
	if err != nil {
		t.Fatalf("token %q is not base64: %v", tok, err)
	}
	user, id, ok := strings.Cut(string(raw), ":")
	if !ok || !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(id) {
		t.Fatalf("token decodes to %q, want user:uuid", raw)
	}
	return user, id
}

func TestGetUserToken(t *testing.T) {
	testCases := []struct {
		name, contentType, body string
		wantToken               bool
		want                    string
	}{
		{"demo login", form, "user=demo&password=demo", true, ""},
		{"wrong password", form, "user=demo&password=nope", false, `"0"`},
		{"unknown user", form, "user=nobody&password=demo", false, `"0"`},
		{"missing password", form, "user=demo", false, `"0"`},
		{"empty body", form, "", false, `"0"`},
		{"broken form", form, "user=%zz&password=demo", false, `"0"`},
		{"json instead of a form", "application/json", `{"user":"demo","password":"demo"}`, false, `"0"`},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			got := h.do(http.MethodPost, ucontact.PathGetUserToken, tc.contentType, tc.body)
			if got.status != http.StatusOK {
				t.Fatalf("status = %d, want 200 (uContact answers errors with 200)", got.status)
			}
			if ct := got.header.Get("Content-Type"); ct != ucontact.ContentType {
				t.Errorf("Content-Type = %q, want %q", ct, ucontact.ContentType)
			}
			if !tc.wantToken {
				if got.body != tc.want {
					t.Fatalf("body = %q, want %q", got.body, tc.want)
				}
				return
			}
			m := tokenRE.FindStringSubmatch(got.body)
			if m == nil {
				t.Fatalf("body = %q, want a quoted base64 token", got.body)
			}
			if user, _ := decodeToken(t, m[1]); user != "demo" {
				t.Fatalf("token user = %q, want demo", user)
			}
		})
	}
}

func TestGetUserToken_FreshTokenPerLogin(t *testing.T) {
	h := newHarness(t, nil)
	a := h.do(http.MethodPost, ucontact.PathGetUserToken, form, "user=demo&password=demo").body
	b := h.do(http.MethodPost, ucontact.PathGetUserToken, form, "user=demo&password=demo").body
	if a == b {
		t.Fatalf("two logins gave the same token %s", a)
	}
}

func TestGetUserToken_BareZeroSetting(t *testing.T) {
	fx := ucontact.DefaultFixtures()
	fx.Settings.GetUserTokenError = ucontact.ErrorBare
	h := newHarness(t, &fx)
	if got := h.do(http.MethodPost, ucontact.PathGetUserToken, form, "user=demo&password=x").body; got != "0" {
		t.Fatalf("body = %q, want bare 0", got)
	}
}

// The vendor page's example agent, with every field in the page's order.
const wantPeer = `{"id":4,"name":"1997","host":"demo.ucontactcloud.com","nat":"yes","type":"friend","accountcode":"Vcisneros","callgroup":"","callerid":"1997","canreinvite":"","context":"agents","dtmfmode":"rfc2833","insecure":"","language":"es","mailbox":"","md5secret":"07a46a13aa5434e21e6a9aa870482720","pickupgroup":"","qualify":"yes","secret":"","disallow":"all","allow":"alaw;ulaw","port":"","defaultuser":"1997","subscribecontext":"default","record":"agent","email":"","phonetype":"SoftPhone","LogLevel":"SEVERE","limite":0,"transport":"wss","encryption":"yes","did":"","outboundproxy":"","fullname":"Victor Cisneros","token":"`

func TestAgentLogin(t *testing.T) {
	testCases := []struct {
		name, contentType, body, want string
	}{
		{"wrong password", form, "agent=1997&password=x", "0"},
		{"unknown agent", form, "agent=9999&password=1997", "0"},
		{"missing password", form, "agent=1997", "Error"},
		{"missing agent", form, "password=1997", "Error"},
		{"broken form", form, "agent=%&password=1997", "Error"},
		{"not a form", "application/json", `{"agent":"1997"}`, "Error"},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			got := h.do(http.MethodPost, ucontact.PathAgentLogin, tc.contentType, tc.body)
			if got.status != http.StatusOK || got.body != tc.want {
				t.Fatalf("got %d %q, want 200 %q", got.status, got.body, tc.want)
			}
		})
	}

	t.Run("page example", func(t *testing.T) {
		h := newHarness(t, nil)
		r := h.do(http.MethodPost, "http://demo.ucontactcloud.com"+ucontact.PathAgentLogin, form, "agent=1997&password=1997")
		if r.header.Get("Content-Type") != ucontact.ContentType {
			t.Errorf("Content-Type = %q, want text, not JSON", r.header.Get("Content-Type"))
		}
		if !strings.HasPrefix(r.body, wantPeer) || !strings.HasSuffix(r.body, `"}`) {
			t.Fatalf("body =\n%s\nwant the page's peer object, starting\n%s", r.body, wantPeer)
		}
		var peer struct{ Token string }
		if err := json.Unmarshal([]byte(r.body), &peer); err != nil {
			t.Fatal(err)
		}
		if user, _ := decodeToken(t, peer.Token); user != "Vcisneros" {
			t.Fatalf("agent token is for %q, want the accountcode Vcisneros", user)
		}
	})
}

func TestUserLogin(t *testing.T) {
	h := newHarness(t, nil)
	r := h.do(http.MethodPost, ucontact.PathUserLogin, form, "user=demo&password=demo")
	var arr []string
	if err := json.Unmarshal([]byte(r.body), &arr); err != nil || len(arr) != 3 {
		t.Fatalf("body = %q, want a JSON array of 3 strings", r.body)
	}
	if arr[0] != "demo" || arr[1] != "Demo User" {
		t.Errorf("array = %v, want [demo, Demo User, token]", arr)
	}
	decodeToken(t, arr[2])
	if got := h.do(http.MethodPost, ucontact.PathUserLogin, form, "user=demo&password=x").body; got != "0" {
		t.Fatalf("bad credentials body = %q, want 0", got)
	}
}

// login returns a fresh client token.
func (h *harness) login() string {
	h.t.Helper()
	m := tokenRE.FindStringSubmatch(h.do(http.MethodPost, ucontact.PathGetUserToken, form, "user=demo&password=demo").body)
	if m == nil {
		h.t.Fatal("demo login failed")
	}
	return m[1]
}

func TestAgentLogoff(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.login()
	testCases := []struct {
		name, auth, body string
		status           int
		want             string
	}{
		{"fresh token", "Basic " + tok, "agent=1997&interface=SIP/1997&message=break", 200, "OK"},
		{"no agent", "Basic " + tok, "interface=SIP/1997", 200, "Error"},
		{"no Authorization", "", "agent=1997", 401, "Unauthorized"},
		{"unknown token", "Basic ZGVtbzp4", "agent=1997", 401, "Unauthorized"},
		{"bearer scheme", "Bearer " + tok, "agent=1997", 401, "Unauthorized"},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			var hdr []string
			if tc.auth != "" {
				hdr = []string{"Authorization", tc.auth}
			}
			got := h.do(http.MethodPost, ucontact.PathAgentLogoff, form, tc.body, hdr...)
			if got.status != tc.status || got.body != tc.want {
				t.Fatalf("got %d %q, want %d %q", got.status, got.body, tc.status, tc.want)
			}
			if tc.status == 401 && got.header.Get("WWW-Authenticate") != ucontact.WWWAuthenticate {
				t.Errorf("WWW-Authenticate = %q", got.header.Get("WWW-Authenticate"))
			}
		})
	}
}

func TestToken_ExpiresOnTheSimulatedClock(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.login()
	logoff := func() int {
		return h.do(http.MethodPost, ucontact.PathAgentLogoff, form, "agent=1997", "Authorization", "Basic "+tok).status
	}
	if s := logoff(); s != 200 {
		t.Fatalf("fresh token: %d", s)
	}
	_ = h.clock.Advance(h.sim.TokenLifetime() - time.Minute)
	if s := logoff(); s != 200 {
		t.Fatalf("token a minute before expiry: %d", s)
	}
	_ = h.clock.Advance(time.Minute)
	if s := logoff(); s != 401 {
		t.Fatalf("expired token: %d, want 401", s)
	}
}

func TestEndSession(t *testing.T) {
	testCases := []struct {
		name  string
		query bool // token in the query string instead of the form
	}{{"form", false}, {"query", true}}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			tok := h.login()
			end := func() answer {
				v := "user=demo&token=" + strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(tok)
				if tc.query {
					return h.do(http.MethodPost, ucontact.PathEndSession+"?"+v, "", "")
				}
				return h.do(http.MethodPost, ucontact.PathEndSession, form, v)
			}
			if got := end(); got.status != 200 || got.body != "OK" {
				t.Fatalf("EndSession = %d %q, want 200 OK", got.status, got.body)
			}
			if got := end(); got.status != 401 {
				t.Fatalf("second EndSession = %d, want 401", got.status)
			}
			got := h.do(http.MethodPost, ucontact.PathAgentLogoff, form, "agent=1997", "Authorization", "Basic "+tok)
			if got.status != 401 {
				t.Fatalf("AgentLogoff after EndSession = %d, want 401", got.status)
			}
		})
	}
	t.Run("other user's token", func(t *testing.T) {
		h := newHarness(t, nil)
		tok := h.login()
		if got := h.do(http.MethodPost, ucontact.PathEndSession, form, "user=supervisor&token="+strings.ReplaceAll(tok, "=", "%3D")); got.status != 401 {
			t.Fatalf("EndSession with another user = %d, want 401", got.status)
		}
	})
}

func TestParseFixtures_Errors(t *testing.T) {
	testCases := []struct {
		name, data, want string
	}{
		{"unknown key", "users:\n  demo:\n    password: x\n    scenaro: y\n", "u.yaml:4: field scenaro not found"},
		{"bad error spelling", "settings:\n  getUserTokenError: zero\nusers:\n  demo: {password: x}\n", `u.yaml:2: getUserTokenError must be "quoted" or "bare", not "zero"`},
		{"no password", "users:\n  demo:\n    fullname: D\n", `u.yaml:2: user "demo" has no password`},
		{"agent without accountcode", "agents:\n  \"1\":\n    password: p\n", `u.yaml:2: agent "1" has no peer.accountcode`},
		{"bad duration", "settings:\n  tokenLifetime: soon\nusers:\n  demo: {password: x}\n", "u.yaml:2: "},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ucontact.ParseFixtures("u.yaml", []byte(tc.data))
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("error = %v, want prefix %q", err, tc.want)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	sim := ucontact.New(ucontact.Options{})
	testCases := []struct {
		path, body, endpoint, user string
	}{
		{ucontact.PathGetUserToken, "user=demo&password=x", ucontact.GetUserToken, "demo"},
		{ucontact.PathAgentLogin, "agent=1997&password=x", ucontact.AgentLogin, "1997"},
		{"/Integra/resources/auth/getusertoken", "user=demo", "", "demo"},
	}
	for _, tc := range testCases {
		r := httptest.NewRequest(http.MethodPost, tc.path, nil)
		r.Header.Set("Content-Type", form)
		c := sim.Describe(r, []byte(tc.body))
		if c.Endpoint != tc.endpoint || c.User != tc.user {
			t.Errorf("Describe(%s) = %+v, want endpoint %q user %q", tc.path, c, tc.endpoint, tc.user)
		}
	}
}
