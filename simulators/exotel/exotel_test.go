package exotel_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/mockauth/mockauth/fixtures"
	"github.com/mockauth/mockauth/simulators/clock"
	"github.com/mockauth/mockauth/simulators/exotel"
	"github.com/mockauth/mockauth/simulators/vendortest"
)

type harness struct {
	*vendortest.Harness
	t     *testing.T
	sim   *exotel.Simulator
	clock *clock.Simulated
}

// newHarness is the default fixtures with errorMessage: always: most
// tests read the message of an error (the default, Boot 2.5's, leaves it
// out; TestErrors_SpringBootBytes holds both).
func newHarness(t *testing.T) *harness {
	t.Helper()
	c := clock.NewSimulated()
	fx := exotel.DefaultFixtures()
	fx.Settings.ErrorMessage = exotel.ErrorMessageAlways
	sim := exotel.New(exotel.Options{Clock: c, Fixtures: &fx})
	return &harness{Harness: vendortest.New(t, exotel.Spec, sim), t: t, sim: sim, clock: c}
}

// The page's example body.
const pageBody = `{
"username": "customer_manager",
"password": "customer_manager@123",
"context": "ContactCenter",
"contextId": "1",
"dateExpiry": "2030-05-19T12:20:57.310Z",
"userRole": "Administrator"
}`

func (h *harness) register(bearer, contentType, body string) vendortest.Answer {
	h.t.Helper()
	hdr := []string{"Accept", "application/json"}
	if bearer != "" {
		hdr = append(hdr, "Authorization", "Bearer "+bearer)
	}
	return h.Send(vendortest.Request{Method: http.MethodPost, Target: exotel.PathBasicAuth, ContentType: contentType, Body: body, Header: hdr})
}

func (h *harness) token(admin string) string {
	h.t.Helper()
	tok, err := h.sim.AdminToken(admin)
	if err != nil {
		h.t.Fatal(err)
	}
	return tok
}

func (h *harness) whoami(user, password string) vendortest.Answer {
	h.t.Helper()
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	return h.Send(vendortest.Request{Method: http.MethodGet, Target: exotel.PathWhoAmI, Header: []string{"Authorization", "Basic " + basic}})
}

type errorBody struct {
	Status  int
	Error   string
	Message string
	Path    string
}

func decodeError(t *testing.T, a vendortest.Answer) errorBody {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal([]byte(a.Body), &e); err != nil {
		t.Fatalf("not the error shape: %s", a.Body)
	}
	return e
}

func TestBasicAuth_PageExampleThenWhoAmI(t *testing.T) {
	h := newHarness(t)
	a := h.register(h.token("demo.admin"), "application/json", pageBody)
	if a.Status != http.StatusCreated {
		t.Fatalf("page example: %d %s", a.Status, a.Body)
	}
	if strings.Contains(a.Body, "customer_manager@123") {
		t.Fatalf("the answer shows the password: %s", a.Body)
	}
	if !strings.Contains(a.Body, `"username":"customer_manager","context":"ContactCenter","contextId":"1","userRole":"Administrator","dateExpiry":"2030-05-19T12:20:57.310Z","createdBy":"demo.admin"`) {
		t.Fatalf("answer = %s", a.Body)
	}
	w := h.whoami("customer_manager", "customer_manager@123")
	if w.Status != 200 || w.Body != `{"username":"customer_manager","context":"ContactCenter","contextId":"1","userRole":"Administrator","dateExpiry":"2030-05-19T12:20:57.310Z"}` {
		t.Fatalf("whoami: %d %s", w.Status, w.Body)
	}
	if w := h.whoami("customer_manager", "wrong"); w.Status != 401 || w.Header.Get("WWW-Authenticate") != exotel.WWWAuthenticate {
		t.Fatalf("whoami wrong password: %d %v", w.Status, w.Header)
	}
	expiry, _ := time.Parse(time.RFC3339, "2030-05-19T12:20:57.310Z")
	_ = h.clock.Advance(expiry.Sub(h.clock.Now()) + time.Second)
	if w := h.whoami("customer_manager", "customer_manager@123"); w.Status != 401 {
		t.Fatalf("whoami after dateExpiry: %d %s", w.Status, w.Body)
	}
	if a := h.register(h.token("demo.admin"), "application/json", pageBody); a.Status != 400 || decodeError(t, a).Message != exotel.MsgPastExpiry {
		t.Fatalf("registering with a past dateExpiry: %d %s", a.Status, a.Body)
	}
}

func TestBasicAuth_Bearer(t *testing.T) {
	h := newHarness(t)
	good := h.token("demo.admin")
	parts := strings.Split(good, ".")

	// One character of the signature changed.
	sig := []byte(parts[2])
	sig[10] ^= 1
	if sig[10] == '.' || sig[10] == '=' {
		sig[10] = 'A'
	}
	tampered := parts[0] + "." + parts[1] + "." + string(sig)
	// One character of the claims changed.
	claims := []byte(parts[1])
	claims[5] ^= 2
	tamperedClaims := parts[0] + "." + string(claims) + "." + parts[2]

	// HS256 with the public key's bytes as the secret (the classic confusion attack).
	var jwks struct{ Keys []struct{ N, E string } }
	if err := json.Unmarshal([]byte(h.Send(vendortest.Request{Method: http.MethodGet, Target: exotel.PathJWKS}).Body), &jwks); err != nil || len(jwks.Keys) != 1 {
		t.Fatalf("jwks: %v", err)
	}
	n, _ := base64.RawURLEncoding.DecodeString(jwks.Keys[0].N)
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: 65537}
	mapClaims := jwt.MapClaims{"iss": exotel.Issuer, "sub": "demo.admin", "role": "Administrator", "contactCenters": []string{"1"}, "exp": time.Now().Add(time.Hour).Unix()}
	hs, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, mapClaims).SignedString(n)
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, mapClaims).SignedString(jwt.UnsafeAllowNoneSignatureType)
	otherKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	other, _ := jwt.NewWithClaims(jwt.SigningMethodRS512, mapClaims).SignedString(otherKey)

	// The JWKS key verifies the good token.
	if _, err := jwt.Parse(good, func(*jwt.Token) (any, error) { return pub, nil }, jwt.WithValidMethods([]string{"RS512"})); err != nil {
		t.Fatalf("the JWKS key does not verify the admin token: %v", err)
	}

	testCases := []struct {
		name, bearer, wantMsg string
	}{
		{"no bearer", "", exotel.MsgNoBearer},
		{"not a JWT", "abc", exotel.MsgBadBearer},
		{"signature changed", tampered, exotel.MsgBadBearer},
		{"claims changed", tamperedClaims, exotel.MsgBadBearer},
		{"HS256 with the public key", hs, exotel.MsgBadBearer},
		{"alg none", none, exotel.MsgBadBearer},
		{"another key", other, exotel.MsgBadBearer},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			a := h.register(tc.bearer, "application/json", pageBody)
			if e := decodeError(t, a); a.Status != 401 || e.Message != tc.wantMsg || e.Path != exotel.PathBasicAuth {
				t.Fatalf("got %d %s, want 401 %q", a.Status, a.Body, tc.wantMsg)
			}
		})
	}
	t.Run("expired", func(t *testing.T) {
		h := newHarness(t)
		tok := h.token("demo.admin")
		_ = h.clock.Advance(time.Hour + time.Second)
		if a := h.register(tok, "application/json", pageBody); a.Status != 401 || decodeError(t, a).Message != exotel.MsgExpiredBearer {
			t.Fatalf("got %d %s", a.Status, a.Body)
		}
	})
}

func TestBasicAuth_Refusals(t *testing.T) {
	body := func(repl ...string) string { return strings.NewReplacer(repl...).Replace(pageBody) }
	testCases := []struct {
		name, admin, contentType, body string
		wantStatus                     int
		wantField                      string
	}{
		{"supervisor", "demo.supervisor", "application/json", pageBody, 403, ""},
		{"another center's admin", "other.admin", "application/json", pageBody, 403, "contact center 1"},
		{"missing username", "demo.admin", "application/json", body(`"username": "customer_manager",`, ""), 400, "username"},
		{"missing password", "demo.admin", "application/json", body(`"password": "customer_manager@123",`, ""), 400, "password"},
		{"missing userRole", "demo.admin", "application/json", body(`,
"userRole": "Administrator"`, ""), 400, "userRole"},
		{"wrong context", "demo.admin", "application/json", body(`"ContactCenter"`, `"Billing"`), 400, "context"},
		{"unknown center", "demo.admin", "application/json", body(`"contextId": "1"`, `"contextId": "9"`), 400, "contextId"},
		{"unknown role", "demo.admin", "application/json", body(`"userRole": "Administrator"`, `"userRole": "Owner"`), 400, "userRole"},
		{"bad dateExpiry", "demo.admin", "application/json", body(`2030-05-19T12:20:57.310Z`, `next year`), 400, "dateExpiry"},
		{"not JSON", "demo.admin", "application/json", `{"username":`, 400, "JSON parse error: "},
		{"empty body", "demo.admin", "application/json", ``, 400, "JSON parse error: No content to map due to end-of-input"},
		{"form body", "demo.admin", "application/x-www-form-urlencoded", "username=x", 415, "Content type 'application/x-www-form-urlencoded' not supported"},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			a := h.register(h.token(tc.admin), tc.contentType, tc.body)
			e := decodeError(t, a)
			if a.Status != tc.wantStatus || e.Status != tc.wantStatus || !strings.Contains(e.Message, tc.wantField) {
				t.Fatalf("got %d %s, want %d, a message naming %q", a.Status, a.Body, tc.wantStatus, tc.wantField)
			}
		})
	}
	t.Run("415 names the type it takes", func(t *testing.T) {
		h := newHarness(t)
		a := h.register(h.token("demo.admin"), "text/plain;charset=UTF-8", "x")
		if e := decodeError(t, a); a.Status != 415 || a.Header.Get("Accept") != "application/json" || e.Message != "Content type 'text/plain;charset=UTF-8' not supported" {
			t.Fatalf("got %d Accept %q %s", a.Status, a.Header.Get("Accept"), a.Body)
		}
	})
	t.Run("duplicate username", func(t *testing.T) {
		h := newHarness(t)
		h.register(h.token("demo.admin"), "application/json", pageBody)
		a := h.register(h.token("demo.admin"), "application/json", body(`customer_manager@123`, `another-pass`))
		if e := decodeError(t, a); a.Status != 409 || e.Message != "username customer_manager is already registered" {
			t.Fatalf("got %d %s", a.Status, a.Body)
		}
		if w := h.whoami("customer_manager", "customer_manager@123"); w.Status != 200 {
			t.Fatal("the refused registration changed the first one")
		}
	})
	t.Run("default lifetime", func(t *testing.T) {
		h := newHarness(t)
		a := h.register(h.token("demo.admin"), "application/json", body(`"dateExpiry": "2030-05-19T12:20:57.310Z",`, ""))
		if a.Status != 201 {
			t.Fatalf("got %d %s", a.Status, a.Body)
		}
		_ = h.clock.Advance(30*24*time.Hour - time.Minute)
		if w := h.whoami("customer_manager", "customer_manager@123"); w.Status != 200 {
			t.Fatalf("credential expired before 30 days: %d", w.Status)
		}
		_ = h.clock.Advance(2 * time.Minute)
		if w := h.whoami("customer_manager", "customer_manager@123"); w.Status != 401 {
			t.Fatalf("credential alive after 30 days: %d", w.Status)
		}
	})
}

func TestLogin(t *testing.T) {
	h := newHarness(t)
	page := h.Send(vendortest.Request{Method: http.MethodGet, Target: exotel.PathLogin})
	if page.Status != 200 || !strings.Contains(page.Body, `<form method="post" action="/login">`) {
		t.Fatalf("login page: %d %s", page.Status, page.Body)
	}
	ok := h.Send(vendortest.Request{Method: http.MethodPost, Target: exotel.PathLogin, ContentType: "application/x-www-form-urlencoded", Body: "username=demo.admin&password=demo-admin-pass"})
	if ok.Status != 200 || !strings.Contains(ok.Body, `<textarea id="token"`) {
		t.Fatalf("login: %d %s", ok.Status, ok.Body)
	}
	tok := ok.Body[strings.Index(ok.Body, `aria-label="bearer token">`)+len(`aria-label="bearer token">`):]
	tok = tok[:strings.Index(tok, "</textarea>")]
	if a := h.register(tok, "application/json", pageBody); a.Status != 201 {
		t.Fatalf("the token the page showed does not work: %d %s", a.Status, a.Body)
	}
	js := h.Send(vendortest.Request{Method: http.MethodPost, Target: exotel.PathLogin, ContentType: "application/x-www-form-urlencoded", Body: "username=demo.admin&password=demo-admin-pass", Header: []string{"Accept", "application/json"}})
	if js.Status != 200 || !strings.HasPrefix(js.Body, `{"token":"eyJ`) {
		t.Fatalf("JSON login: %d %s", js.Status, js.Body)
	}
	bad := h.Send(vendortest.Request{Method: http.MethodPost, Target: exotel.PathLogin, ContentType: "application/x-www-form-urlencoded", Body: "username=demo.admin&password=x"})
	if bad.Status != 401 || !strings.Contains(bad.Body, exotel.MsgBadAdminLogin) {
		t.Fatalf("wrong login: %d %s", bad.Status, bad.Body)
	}
}

func TestParseFixtures_Errors(t *testing.T) {
	testCases := []struct{ name, data, want string }{
		{"unknown role", "roles: [Administrator]\ncontactCenters: {\"1\": A}\nadmins:\n  a:\n    password: p\n    role: Owner\n", `e.yaml:4: admin "a": role "Owner"`},
		{"unknown center", "roles: [Administrator]\ncontactCenters: {\"1\": A}\nadmins:\n  a:\n    password: p\n    role: Administrator\n    contactCenters: [\"2\"]\n", `e.yaml:4: admin "a": contact center "2"`},
		{"bad key", "settings:\n  signingKey: nope\nroles: [A]\nadmins:\n  a: {password: p, role: A}\n", `e.yaml:2: signingKey is not PEM`},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := exotel.ParseFixtures("e.yaml", []byte(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestAdminBearer_AsThePageShowsIt: the header is exactly {"alg":"RS512"}
// (jjwt style: no kid, no typ) and the payload starts with iss, as the
// vendor page's own bearer (eyJhbGciOiJSUzUxMiJ9.eyJpc3MiOi...).
func TestAdminBearer_AsThePageShowsIt(t *testing.T) {
	h := newHarness(t)
	tok := h.token("demo.admin")
	if !strings.HasPrefix(tok, "eyJhbGciOiJSUzUxMiJ9.eyJpc3MiOi") {
		t.Fatalf("bearer %s does not start as the page's does", tok)
	}
	parts := strings.Split(tok, ".")
	header, _ := base64.RawURLEncoding.DecodeString(parts[0])
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	if string(header) != `{"alg":"RS512"}` || !strings.HasPrefix(string(payload), `{"iss":"a`) { // the page's bearer payload begins so
		t.Fatalf("header %s, payload %s", header, payload)
	}
	if a := h.register(tok, "application/json", pageBody); a.Status != 201 {
		t.Fatalf("the bearer without kid is refused: %d %s", a.Status, a.Body)
	}
}

// TestErrors_SpringBootBytes: an error body is Spring Boot's, byte for
// byte: timestamp as Jackson writes it on the simulated clock, status,
// error, message, path and nothing else, < and > unescaped; with
// errorMessage: never (Boot 2.5's default) no message member.
func TestErrors_SpringBootBytes(t *testing.T) {
	at := time.Date(2030, 5, 19, 12, 20, 57, 310_000_000, time.UTC)
	for _, tc := range []struct {
		setting, want string
	}{
		{"", `{"timestamp":"2030-05-19T12:20:57.310+00:00","status":401,"error":"Unauthorized","path":"/configuration/basicauth"}`}, // Boot 2.5's default
		{"errorMessage: always", `{"timestamp":"2030-05-19T12:20:57.310+00:00","status":401,"error":"Unauthorized","message":"Full authentication is required: send Authorization: Bearer <admin token>","path":"/configuration/basicauth"}`},
		{"errorMessage: never", `{"timestamp":"2030-05-19T12:20:57.310+00:00","status":401,"error":"Unauthorized","path":"/configuration/basicauth"}`},
	} {
		fx := exotel.DefaultFixtures()
		if tc.setting != "" {
			var err error
			if fx, err = exotel.ParseFixtures("e.yaml", []byte("settings:\n  "+tc.setting+"\nadmins:\n  a: {password: p, role: Administrator, contactCenters: [\"1\"]}\ncontactCenters:\n  \"1\": One\nroles: [Administrator]\n")); err != nil {
				t.Fatal(err)
			}
		}
		c := clock.NewSimulated()
		_ = c.Advance(at.Sub(c.Now()))
		sim := exotel.New(exotel.Options{Fixtures: &fx, Clock: c})
		h := &harness{Harness: vendortest.New(t, exotel.Spec, sim), t: t, sim: sim, clock: c}
		a := h.register("", "application/json", pageBody)
		// The clock runs on between Advance and the answer: compare the
		// timestamp's second and its form, then the rest exactly.
		got := regexp.MustCompile(`"timestamp":"2030-05-19T12:20:5[78]\.\d{3}\+00:00"`).ReplaceAllString(a.Body, `"timestamp":"2030-05-19T12:20:57.310+00:00"`)
		if a.Status != 401 || got != tc.want || a.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%q: %d %s\n%s\nwant\n%s", tc.setting, a.Status, a.Header.Get("Content-Type"), a.Body, tc.want)
		}
	}
}

// TestCCMToken_ThePublicClientsRequest: the ccm-api token call as the one
// public client of it sends it (Content-Type application/json, Basic
// base64(api_key:api_token), no body) gets the page's answer; a wrong key
// 401 and an account without CCM 403, in the same envelope; the access
// token works as a Bearer.
func TestCCMToken_ThePublicClientsRequest(t *testing.T) {
	h := newHarness(t)
	call := func(sid, key, token string) vendortest.Answer {
		basic := base64.StdEncoding.EncodeToString([]byte(key + ":" + token))
		return h.Send(vendortest.Request{Method: http.MethodPost, Target: "/v2/accounts/" + sid + "/configuration/basicauth",
			ContentType: "application/json", Header: []string{"Authorization", "Basic " + basic}})
	}
	a := call("demoaccount1", "demo-api-key", "demo-api-token")
	page := regexp.MustCompile(`^\{"request_id":"[0-9a-f]{32}","method":"POST","http_code":200,"response":\{"code":200,"status":"success","data":\{"access_token":"(eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)","token_type":"Bearer","expires_in":86400\}\}\}$`)
	m := page.FindStringSubmatch(a.Body)
	if a.Status != 200 || m == nil || a.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("ccm-api token call: %d %s %s", a.Status, a.Header.Get("Content-Type"), a.Body)
	}
	who := h.Send(vendortest.Request{Method: http.MethodGet, Target: exotel.PathWhoAmI, Header: []string{"Authorization", "Bearer " + m[1]}})
	if who.Status != 200 || !strings.Contains(who.Body, `"contextId":"demoaccount1"`) {
		t.Errorf("the access token as Bearer: %d %s", who.Status, who.Body)
	}
	for _, tc := range []struct {
		name, sid, key, token string
		status                int
		errData               string
	}{
		{"wrong token", "demoaccount1", "demo-api-key", "wrong", 401, `{"code":1010,"message":"Authentication failed","description":"Invalid API key or token"}`},
		{"another account's pair", "noccmaccount", "demo-api-key", "demo-api-token", 401, `{"code":1010,"message":"Authentication failed"`},
		{"no CCM", "noccmaccount", "noccm-api-key", "noccm-api-token", 403, `"description":"Account not authorized for CCM"}`},
	} {
		a := call(tc.sid, tc.key, tc.token)
		want := fmt.Sprintf(`"method":"POST","http_code":%d,"response":{"code":%d,"status":"failure","error_data":`, tc.status, tc.status)
		if a.Status != tc.status || !strings.Contains(a.Body, want) || !strings.Contains(a.Body, tc.errData) || !strings.HasSuffix(a.Body, `,"data":null}}`) {
			t.Errorf("%s: %d %s", tc.name, a.Status, a.Body)
		}
	}
	_ = h.clock.Advance(24*time.Hour + time.Second)
	if who := h.Send(vendortest.Request{Method: http.MethodGet, Target: exotel.PathWhoAmI, Header: []string{"Authorization", "Bearer " + m[1]}}); who.Status != 401 {
		t.Errorf("the access token after 24 h: %d", who.Status)
	}
}

// TestRegistration_Upsert: with registration: upsert a username
// registered again is replaced (200) and its new password works.
func TestRegistration_Upsert(t *testing.T) {
	name, data, err := fixtures.Variant("exotel-upsert")
	if err != nil {
		t.Fatal(err)
	}
	fx, err := exotel.ParseFixtures(name, data)
	if err != nil {
		t.Fatal(err)
	}
	c := clock.NewSimulated()
	sim := exotel.New(exotel.Options{Fixtures: &fx, Clock: c})
	h := &harness{Harness: vendortest.New(t, exotel.Spec, sim), t: t, sim: sim, clock: c}
	if a := h.register(h.token("demo.admin"), "application/json", pageBody); a.Status != 201 {
		t.Fatalf("first registration: %d %s", a.Status, a.Body)
	}
	again := strings.Replace(pageBody, "customer_manager@123", "new-secret", 1)
	if a := h.register(h.token("demo.admin"), "application/json", again); a.Status != 200 || !strings.Contains(a.Body, `"username":"customer_manager"`) {
		t.Fatalf("second registration: %d %s", a.Status, a.Body)
	}
	if w := h.whoami("customer_manager", "new-secret"); w.Status != 200 {
		t.Errorf("the replaced credential: %d", w.Status)
	}
	if w := h.whoami("customer_manager", "customer_manager@123"); w.Status != 401 {
		t.Errorf("the old password still works: %d", w.Status)
	}
}

// Registrations are bounded (issue 21, B9): past maxRegistrations the
// oldest is forgotten, never a fixture's credential, and no field is kept
// longer than 256 characters.
func TestBasicAuth_RegistrationsAreBounded(t *testing.T) {
	fx, err := exotel.ParseFixtures("exotel.yaml", bytes.Replace(exotel.Spec.Fixtures.Data, []byte("maxRegistrations: 10000"), []byte("maxRegistrations: 3"), 1))
	if err != nil {
		t.Fatal(err)
	}
	fx.Settings.ErrorMessage = exotel.ErrorMessageAlways // the refusals' messages are read below
	c := clock.NewSimulated()
	sim := exotel.New(exotel.Options{Fixtures: &fx, Clock: c})
	h := &harness{Harness: vendortest.New(t, exotel.Spec, sim), t: t, sim: sim, clock: c}
	bearer := h.token("demo.admin")
	body := func(user, password string) string {
		return fmt.Sprintf(`{"username":%q,"password":%q,"context":"ContactCenter","contextId":"1","userRole":"Agent"}`, user, password)
	}
	for i := range 5 {
		if a := h.register(bearer, "application/json", body(fmt.Sprintf("user%d", i), "pass-word")); a.Status != 201 {
			t.Fatalf("registration %d: %d %s", i, a.Status, a.Body)
		}
	}
	for i, want := range []int{401, 401, 200, 200, 200} {
		if got := h.whoami(fmt.Sprintf("user%d", i), "pass-word").Status; got != want {
			t.Errorf("user%d after 5 registrations with room for 3: whoami %d, want %d", i, got, want)
		}
	}
	if got := h.whoami("demo.user", "demo-user-pass").Status; got != 200 {
		t.Errorf("the fixture's credential was forgotten: %d", got)
	}
	long := strings.Repeat("x", 257)
	for _, tc := range []struct{ body, field string }{{body(long, "p"), "username"}, {body("u", long), "password"}} {
		a := h.register(bearer, "application/json", tc.body)
		if e := decodeError(t, a); a.Status != 400 || e.Message != tc.field+" is longer than 256 characters" {
			t.Errorf("a %s of 257 characters: %d %q", tc.field, a.Status, e.Message)
		}
	}
}

// Issue 31, N2: one admin's flood of registrations forgets only its own:
// another admin's registration stays, and so do the fixture's.
func TestBasicAuth_AFloodForgetsOnlyTheFloodersOwn(t *testing.T) {
	data := bytes.Replace(exotel.Spec.Fixtures.Data, []byte("maxRegistrations: 10000"), []byte("maxRegistrations: 10000\n  maxRegistrationsPerAdmin: 5"), 1)
	fx, err := exotel.ParseFixtures("exotel.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	c := clock.NewSimulated()
	sim := exotel.New(exotel.Options{Fixtures: &fx, Clock: c})
	h := &harness{Harness: vendortest.New(t, exotel.Spec, sim), t: t, sim: sim, clock: c}
	body := func(user, contextID string) string {
		return fmt.Sprintf(`{"username":%q,"password":"pass-word","context":"ContactCenter","contextId":%q,"userRole":"Agent"}`, user, contextID)
	}
	other := h.token("other.admin")
	if a := h.register(other, "application/json", body("kept_by_other", "2")); a.Status != 201 {
		t.Fatalf("the other admin's registration: %d %s", a.Status, a.Body)
	}
	flooder := h.token("demo.admin")
	for i := range 50 {
		if a := h.register(flooder, "application/json", body(fmt.Sprintf("flood%d", i), "1")); a.Status != 201 {
			t.Fatalf("registration %d: %d %s", i, a.Status, a.Body)
		}
	}
	if got := h.whoami("kept_by_other", "pass-word").Status; got != 200 {
		t.Errorf("another admin's registration after a flood: whoami %d, want 200", got)
	}
	if got := h.whoami("flood0", "pass-word").Status; got != 401 {
		t.Errorf("the flooder's oldest registration outlived its bound: whoami %d", got)
	}
	if got := h.whoami("flood49", "pass-word").Status; got != 200 {
		t.Errorf("the flooder's newest registration: whoami %d", got)
	}
	if got := h.whoami("demo.user", "demo-user-pass").Status; got != 200 {
		t.Errorf("the fixture's credential was forgotten: %d", got)
	}
}
