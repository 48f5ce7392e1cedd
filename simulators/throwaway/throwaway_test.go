// Package throwaway_test proves that a vendor is one unit: a sixth vendor,
// defined here and nowhere else (one endpoint, a fixture file and a
// contract), registered with simulators.Register, is served on the next
// port and reaches every surface with no other edit.
package throwaway_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mockauth/mockauth/clienttests"
	"github.com/mockauth/mockauth/contracts"
	"github.com/mockauth/mockauth/internal/freeports"
	"github.com/mockauth/mockauth/simulators"
	"github.com/mockauth/mockauth/simulators/spectest"
	"github.com/mockauth/mockauth/simulators/tokens"
	"github.com/mockauth/mockauth/simulators/vendor"
	"github.com/mockauth/mockauth/simulators/yamlfile"
)

const (
	name      = "acme"
	loginPath = "/api/login"
	login     = "login"
)

var fixtureYAML = []byte(`users:
  wile: {password: coyote, demo: true}
  road: {password: runner}
`)

var contractYAML = []byte(`openapi: 3.0.3
info: {title: Acme login (a throwaway test vendor), version: "1"}
paths:
  /api/login:
    post:
      operationId: login
      x-reading: a throwaway vendor of the tests; nothing real stands behind it
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [user, password]
              properties:
                user: {type: string}
                password: {type: string}
      responses:
        "200":
          description: a token
          x-reading: the test's own choice of a 32-hex token
          content:
            application/json:
              schema:
                type: object
                required: [token]
                additionalProperties: false
                properties:
                  token: {type: string, pattern: "^[0-9a-f]{32}$"}
        "401":
          description: bad credentials
          x-reading: the test's own choice of an error
          content:
            application/json:
              schema:
                type: object
                required: [error]
                additionalProperties: false
                properties:
                  error: {type: string}
x-no-route:
  x-reading: whatever the test's handler answers
`)

type user struct {
	Password string `yaml:"password"`
	Demo     bool   `yaml:"demo"`
}

type fixtures struct {
	Users map[string]user `yaml:"users"`
	demo  string
}

func parse(file string, data []byte) (fixtures, error) {
	var f fixtures
	doc, err := yamlfile.Decode(file, data, &f)
	if err != nil {
		return f, err
	}
	f.demo, err = yamlfile.OneDemo(doc, "users", f.Users, func(u user) bool { return u.Demo })
	return f, err
}

// acme is the whole simulator: a JSON login that mints a 32-hex token.
type acme struct {
	fx     fixtures
	tokens *tokens.Store
}

func (a *acme) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != loginPath || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	var req struct{ User, Password string }
	u, ok := user{}, false
	if json.NewDecoder(r.Body).Decode(&req) == nil {
		u, ok = a.fx.Users[req.User]
	}
	w.Header().Set("Content-Type", "application/json")
	if !ok || u.Password != req.Password || req.Password == "" {
		a.VendorError(w, r, login)
		return
	}
	id := a.tokens.NewID(r.Context(), req.User, time.Time{})
	tok := a.tokens.Add(r.Context(), tokens.Token{Value: hex.EncodeToString(id[:]), Subject: req.User})
	_ = json.NewEncoder(w).Encode(map[string]string{"token": tok.Value})
}

func (a *acme) Describe(r *http.Request, body []byte) vendor.Call {
	var req struct{ User string }
	_ = json.Unmarshal(body, &req)
	if r.URL.Path == loginPath {
		return vendor.Call{Endpoint: login, Path: loginPath, User: req.User}
	}
	return vendor.Call{}
}

func (a *acme) VendorError(w http.ResponseWriter, _ *http.Request, _ string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = w.Write([]byte(`{"error":"bad credentials"}` + "\n"))
}

func (a *acme) Demo() (map[string]string, error) {
	if u, ok := a.fx.Users[a.fx.demo]; ok {
		return map[string]string{"user": a.fx.demo, "password": u.Password}, nil
	}
	return map[string]string{}, nil
}

func (a *acme) UserScenarios() map[string]string { return nil }
func (a *acme) Reset()                           { a.tokens.Reset() }
func (a *acme) ValidToken(tok string) bool       { return a.tokens.Valid(tok) }

func loginRequest(user, password string) vendor.Request {
	return vendor.Request{ContentType: vendor.JSONType, Body: vendor.JSON("user", user, "password", password)}
}

func readToken(status int, body []byte, _ func(vendor.ClientCall) (int, []byte, error)) (string, error) {
	var a struct{ Token string }
	switch {
	case status == http.StatusUnauthorized:
		return "", vendor.ErrRejected
	case status != http.StatusOK || json.Unmarshal(body, &a) != nil || len(a.Token) != 32:
		return "", vendor.ErrGarbled
	}
	return a.Token, nil
}

var described = []vendor.Endpoint{{
	Name: login, Method: http.MethodPost, Path: loginPath, Doc: "login: user, password; answers a token",
	Sample: &vendor.Sample{
		Request: func(demo, _ map[string]string) vendor.Request { return loginRequest(demo["user"], demo["password"]) },
		Token:   vendor.JSONField("token"), Keep: "token",
	},
}}

var spec = vendor.Spec{
	Name:      name,
	Endpoints: described,
	Fixtures:  vendor.File{Name: "acme.yaml", Data: fixtureYAML},
	Contract:  vendor.File{Name: "acme-contract.yaml", Data: contractYAML},
	Build: vendor.Builder(parse, func(f *fixtures, env vendor.Env) vendor.Simulator {
		return &acme{fx: *f, tokens: env.Tokens(nil, nil)}
	}),
	Coverage: map[string]vendor.Recipe{
		"login 200": func(demo map[string]string, _ func(vendor.Step) (int, []byte)) vendor.Step {
			return vendor.SampleStep(described, login, demo, nil)
		},
		"login 401": func(demo map[string]string, _ func(vendor.Step) (int, []byte)) vendor.Step {
			return vendor.Step{Method: http.MethodPost, Path: loginPath, Request: loginRequest(demo["user"], "wrong")}
		},
	},
	Conformance: vendor.Conformance{
		Endpoints: []vendor.ConformanceEndpoint{{Name: login, Flow: vendor.Flow{Login: func(base string, c map[string]string) vendor.ClientCall {
			return vendor.ClientCall{Method: http.MethodPost, URL: base + loginPath, Request: loginRequest(c["user"], c["password"]), Parse: readToken}
		}}}},
		Creds: func(_, _ string, demo map[string]string) map[string]string { return demo },
	},
}

// mockauthBin is the real mockauth binary, for `mockauth env`.
var mockauthBin string

func TestMain(m *testing.M) {
	if err := simulators.Register(spec); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	dir, err := os.MkdirTemp("", "mockauth-throwaway")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	mockauthBin = filepath.Join(dir, "mockauth")
	if out, err := exec.Command("go", "build", "-o", mockauthBin, "github.com/mockauth/mockauth/cmd/mockauth").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building mockauth: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// startOnBase starts every registered vendor on consecutive ports.
func startOnBase(t *testing.T) (*simulators.Stack, int) {
	t.Helper()
	for attempt := 0; ; attempt++ {
		base, err := freeports.Base(simulators.Ports())
		if err != nil {
			t.Fatal(err)
		}
		s, err := simulators.Start(simulators.Options{PortBase: base})
		if err != nil && strings.Contains(err.Error(), "address already in use") && attempt < 3 {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s, base
	}
}

func get(t *testing.T, url string, out any) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
}

func TestSixthVendor_EverySurface(t *testing.T) {
	s, base := startOnBase(t)

	// Served on the next port, and its login works there.
	if want := fmt.Sprintf("http://127.0.0.1:%d", base+5); s.URL(name) != want || simulators.PortOffset(name) != 5 {
		t.Fatalf("acme at %q (offset %d), want %s", s.URL(name), simulators.PortOffset(name), want)
	}
	status, body, err := spectest.Send(s.Client(), s.URL(name), vendor.SampleStep(described, login, map[string]string{"user": "wile", "password": "coyote"}, nil))
	if err != nil || status != 200 {
		t.Fatalf("login on acme's port: %d %s %v", status, body, err)
	}

	// GET /__admin/vendors, with the demo login of its fixtures.
	var vendors []simulators.VendorInfo
	get(t, s.AdminURL()+"/__admin/vendors", &vendors)
	last := vendors[len(vendors)-1]
	if len(vendors) != 5 || last.Name != name || last.Demo["user"] != "wile" || last.Endpoints[0].Path != loginPath {
		t.Fatalf("/__admin/vendors: %+v", vendors)
	}

	// The Postman collection has its folder, its login keeping the token,
	// and the login with a wrong password, asserting its refusal.
	var pm struct {
		Item []struct {
			Name string
			Item []struct {
				Name  string
				Event []struct{ Script struct{ Exec []string } }
			}
		}
	}
	get(t, s.AdminURL()+"/__admin/postman", &pm)
	folder := pm.Item[len(pm.Item)-1]
	if folder.Name != name || len(folder.Item) != 2 || !strings.Contains(strings.Join(folder.Item[0].Event[0].Script.Exec, "\n"), `"acme_token"`) ||
		folder.Item[1].Name != "login (wrong password)" || !strings.Contains(strings.Join(folder.Item[1].Event[0].Script.Exec, "\n"), "is refused") {
		t.Fatalf("postman folder %+v", folder)
	}

	// mockauth env, the real binary, exports its URL and demo login.
	out, err := exec.Command(mockauthBin, "env", "--admin", s.AdminURL()).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"export MOCKAUTH_ACME_URL=" + s.URL(name) + "\n", "export MOCKAUTH_ACME_USER=wile\n", "export MOCKAUTH_ACME_PASSWORD=coyote\n"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("mockauth env lacks %q:\n%s", want, out)
		}
	}

	// contract check: its sample and a wrong password, no drift.
	rep, err := contracts.Check(context.Background(), s.Client(), spec, s.URL(name), last.Demo, nil)
	if err != nil {
		t.Fatal(err)
	}
	var report bytes.Buffer
	rep.Write(&report)
	if rep.Drifted() || !strings.Contains(report.String(), "no drift: 2 probes answered as the contract says") {
		t.Fatalf("contract check:\n%s", report.String())
	}
}

// The conformance runner takes it: the reference client passes every
// case, a client that hands back the body as its token fails.
func TestSixthVendor_Conformance(t *testing.T) {
	cases, err := clienttests.Cases(name, login)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range clienttests.RunCases(context.Background(), cases, clienttests.Reference{}, clienttests.Concurrency) {
		if !r.Passed {
			t.Errorf("reference client: %s: %s", r.Case.Name, r.Reason)
		}
	}
	naive := clienttests.ClientFunc(func(ctx context.Context, env clienttests.Env) (string, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, env.BaseURL+loginPath, strings.NewReader(loginRequest(env.Creds["user"], env.Creds["password"]).Body))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return "", err
		}
		defer res.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(res.Body)
		return strings.TrimSpace(b.String()), nil
	})
	failed := 0
	for _, r := range clienttests.RunCases(context.Background(), cases, naive, clienttests.Concurrency) {
		if !r.Passed {
			failed++
		}
	}
	if failed == 0 {
		t.Error("a client that hands back the answer's body passed every case")
	}
}

// The coverage test produces each documented response from its recipes.
func TestSixthVendor_Coverage(t *testing.T) { spectest.Coverage(t, spec) }
