package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mockauth/mockauth/simulators"
)

// envExports runs mockauth env against a stack and returns its exports.
func envExports(t *testing.T, args ...string) map[string]string {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := run(context.Background(), append([]string{"env"}, args...), &out, &errOut); code != 0 {
		t.Fatalf("env %v exited %d: %s", args, code, errOut.String())
	}
	vars := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		if !ok || !strings.HasPrefix(line, "export MOCKAUTH_") {
			t.Fatalf("not an export line: %q", line)
		}
		vars[k] = strings.Trim(v, "'")
	}
	return vars
}

// exchange sends one request and returns status and body.
func exchange(t *testing.T, method, u, contentType, body string, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func form(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v.Encode()
}

func jsonBody(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var quotedTokenBody = regexp.MustCompile(`^"[A-Za-z0-9+/]+={0,2}"$`)

// otherDemos are fixtures whose demo logins differ from the embedded ones.
var otherDemos = map[string]string{
	"ucontact.yaml": `users:
  alice: {password: alice-pass, fullname: Alice A, demo: true}
  bob: {password: bob-pass, fullname: Bob B}
agents:
  "3001": {password: agent-3001, demo: true, peer: {id: 9, accountcode: Aagent, fullname: Agent Three}}
`,
	"crmcom.yaml": `organisations:
  ACME: {units: {"11111111111111111111111111111111": Main}}
users:
  carol: {password: carol-pass, organisation: ACME, defaultUnit: "11111111111111111111111111111111", units: ["11111111111111111111111111111111"], demo: true}
accessTokens:
  carol-key: {passCode: "9999", authenticationCode: carol-code, user: carol, demo: true}
`,
	"autoalert.yaml": `users:
  dave: {userID: 7, password: dave-pass, fullName: Dave D, demo: true}
  erin: {userID: 8, password: erin-pass, securityCode: "777777", fullName: Erin E, demo: true}
autologinTokens:
  6f9619ff-8b86-4011-b42d-00c04fc964ff: dave
`,
	"exotel.yaml": `contactCenters: {"7": Seven}
roles: [Administrator, Agent]
admins:
  frank.admin: {password: frank-pass, role: Administrator, contactCenters: ["7"], demo: true}
credentials:
  grace: {password: grace-pass, contextId: "7", userRole: Agent, demo: true}
`,
}

// Every login mockauth env exports works right now: after start and again
// after a reset, with the embedded fixtures and with a directory whose
// demo logins differ. A variable no check below uses fails the test, so a
// new export cannot go unproven.
func TestEnv_EveryExportedLoginWorks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, data := range otherDemos {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, fixtures := range []string{"", dir} {
		t.Run("fixtures="+fixtures, func(t *testing.T) { exportedLoginsWork(t, fixtures) })
	}
}

func exportedLoginsWork(t *testing.T, fixturesDir string) {
	stack, err := simulators.Start(simulators.Options{FixturesDir: fixturesDir})
	if err != nil {
		t.Fatal(err)
	}
	defer stack.Close()
	if fixturesDir != "" {
		vars := envExports(t, "--admin", stack.AdminURL())
		for k, want := range map[string]string{"MOCKAUTH_UCONTACT_USER": "alice", "MOCKAUTH_UCONTACT_AGENT_USER": "3001", "MOCKAUTH_CRMCOM_USER": "carol",
			"MOCKAUTH_AUTOALERT_USER": "dave", "MOCKAUTH_AUTOALERT_CODE_USER": "erin", "MOCKAUTH_EXOTEL_USER": "grace", "MOCKAUTH_EXOTEL_ADMIN_USER": "frank.admin"} {
			if vars[k] != want {
				t.Errorf("%s=%q, want the loaded fixtures' %q", k, vars[k], want)
			}
		}
	}

	for _, round := range []string{"after start", "after a reset"} {
		vars := envExports(t, "--admin", stack.AdminURL())
		used := map[string]bool{"MOCKAUTH_ADMIN_URL": true}
		get := func(name string) string {
			t.Helper()
			v, ok := vars[name]
			if !ok || v == "" {
				t.Fatalf("%s: env exports no %s:\n%v", round, name, vars)
			}
			used[name] = true
			return v
		}
		check := func(what string, ok bool, status int, body string) {
			t.Helper()
			if !ok {
				t.Errorf("%s: %s: HTTP %d %q", round, what, status, body)
			}
		}

		uc := get("MOCKAUTH_UCONTACT_URL")
		st, body := exchange(t, "POST", uc+"/Integra/resources/auth/getUserToken", "application/x-www-form-urlencoded",
			form("user", get("MOCKAUTH_UCONTACT_USER"), "password", get("MOCKAUTH_UCONTACT_PASSWORD")))
		check("uContact getUserToken with USER/PASSWORD", st == 200 && quotedTokenBody.MatchString(body), st, body)
		st, body = exchange(t, "POST", uc+"/Integra/resources/auth/AgentLogin", "application/x-www-form-urlencoded",
			form("agent", get("MOCKAUTH_UCONTACT_AGENT_USER"), "password", get("MOCKAUTH_UCONTACT_AGENT_PASSWORD")))
		check("uContact AgentLogin with AGENT_USER/AGENT_PASSWORD", st == 200 && strings.Contains(body, `"token":"`), st, body)

		cc := get("MOCKAUTH_CRMCOM_URL") + "/crmapi/rest/v2/authentication/token"
		ok := `{"status":{"code":"OK"`
		st, body = exchange(t, "POST", cc, "application/json", jsonBody(t, map[string]string{
			"username": get("MOCKAUTH_CRMCOM_USER"), "password": get("MOCKAUTH_CRMCOM_PASSWORD"),
			"organisation": get("MOCKAUTH_CRMCOM_ORGANISATION"), "unit": get("MOCKAUTH_CRMCOM_UNIT")}))
		check("CRM.COM token with USER/PASSWORD/ORGANISATION/UNIT", strings.HasPrefix(body, ok), st, body)
		st, body = exchange(t, "POST", cc, "application/json", jsonBody(t, map[string]any{
			"organisation": get("MOCKAUTH_CRMCOM_ORGANISATION"),
			"access_token_identifier": map[string]string{
				"identifier": get("MOCKAUTH_CRMCOM_IDENTIFIER"), "pass_code": get("MOCKAUTH_CRMCOM_PASS_CODE")}}))
		check("CRM.COM token with IDENTIFIER/PASS_CODE", strings.HasPrefix(body, ok), st, body)
		st, body = exchange(t, "POST", cc, "application/json", jsonBody(t, map[string]any{
			"organisation":            get("MOCKAUTH_CRMCOM_ORGANISATION"),
			"access_token_identifier": map[string]string{"authentication_code": get("MOCKAUTH_CRMCOM_AUTHENTICATION_CODE")}}))
		check("CRM.COM token with AUTHENTICATION_CODE", strings.HasPrefix(body, ok), st, body)
		if _, has := vars["MOCKAUTH_CRMCOM_API_KEY"]; has {
			key := base64.StdEncoding.EncodeToString([]byte(get("MOCKAUTH_CRMCOM_API_KEY")))
			st, body = exchange(t, "POST", get("MOCKAUTH_CRMCOM_URL")+"/crmapi/rest/v2/authentication/web_api_key/token", "application/json", "", "Authorization", "Basic "+key)
			check("CRM.COM web_api_key/token with API_KEY", strings.HasPrefix(body, ok), st, body)
		}

		aa := get("MOCKAUTH_AUTOALERT_URL") + "/User/authenticate"
		st, body = exchange(t, "POST", aa, "application/json", jsonBody(t, map[string]string{
			"userName": get("MOCKAUTH_AUTOALERT_USER"), "password": get("MOCKAUTH_AUTOALERT_PASSWORD")}))
		check("AutoAlert authenticate with USER/PASSWORD", st == 200 && strings.Contains(body, `"code":200`), st, body)
		st, body = exchange(t, "POST", aa, "application/json", jsonBody(t, map[string]string{
			"userName": get("MOCKAUTH_AUTOALERT_CODE_USER"), "password": get("MOCKAUTH_AUTOALERT_CODE_PASSWORD"), "code": get("MOCKAUTH_AUTOALERT_CODE")}))
		check("AutoAlert authenticate with CODE_USER/CODE_PASSWORD/CODE", st == 200 && strings.Contains(body, `"code":200`), st, body)
		st, body = exchange(t, "POST", get("MOCKAUTH_AUTOALERT_URL")+"/User/autologin", "application/json", jsonBody(t, map[string]string{
			"token": get("MOCKAUTH_AUTOALERT_AUTOLOGIN_TOKEN")}))
		check("AutoAlert autologin with AUTOLOGIN_TOKEN", st == 200 && strings.Contains(body, `"code":200`), st, body)

		ex := get("MOCKAUTH_EXOTEL_URL")
		basic := base64.StdEncoding.EncodeToString([]byte(get("MOCKAUTH_EXOTEL_USER") + ":" + get("MOCKAUTH_EXOTEL_PASSWORD")))
		st, body = exchange(t, "GET", ex+"/configuration/whoami", "", "", "Authorization", "Basic "+basic)
		check("Exotel whoami with USER/PASSWORD", st == 200, st, body)
		st, body = exchange(t, "POST", ex+"/login", "application/x-www-form-urlencoded",
			form("username", get("MOCKAUTH_EXOTEL_ADMIN_USER"), "password", get("MOCKAUTH_EXOTEL_ADMIN_PASSWORD")), "Accept", "application/json")
		check("Exotel /login with ADMIN_USER/ADMIN_PASSWORD", st == 200 && strings.Contains(body, `"token":"`), st, body)
		st, body = exchange(t, "POST", ex+"/configuration/basicauth", "application/json",
			`{"username":"env.check","password":"env-check-pass","context":"ContactCenter","contextId":"`+map[bool]string{true: "1", false: "7"}[fixturesDir == ""]+`","userRole":"Agent"}`,
			"Authorization", "Bearer "+get("MOCKAUTH_EXOTEL_ADMIN_TOKEN"))
		check("Exotel basicauth with ADMIN_TOKEN", st == 201, st, body)
		if _, ok := vars["MOCKAUTH_EXOTEL_ACCOUNT_SID"]; ok {
			sid := get("MOCKAUTH_EXOTEL_ACCOUNT_SID")
			pair := base64.StdEncoding.EncodeToString([]byte(get("MOCKAUTH_EXOTEL_API_KEY") + ":" + get("MOCKAUTH_EXOTEL_API_TOKEN")))
			st, body = exchange(t, "POST", ex+"/v2/accounts/"+sid+"/configuration/basicauth", "application/json", "", "Authorization", "Basic "+pair)
			check("Exotel ccm-api token with ACCOUNT_SID/API_KEY/API_TOKEN", st == 200 && strings.Contains(body, `"access_token":"`), st, body)
		}

		var unused []string
		for k := range vars {
			if !used[k] {
				unused = append(unused, k)
			}
		}
		if slices.Sort(unused); len(unused) > 0 {
			t.Errorf("%s: exports no check proves: %v", round, unused)
		}
		if _, body := exchange(t, "POST", stack.AdminURL()+"/__admin/reset", "application/json", ""); body == "" {
			t.Fatal("reset answered nothing")
		}
	}
}

// env --wait waits for a stack that is still starting; without one it
// fails with nothing on stdout, so `out=$(mockauth env) && eval "$out"`
// stops there.
func TestEnv_Wait(t *testing.T) {
	t.Parallel()
	for attempt := 0; ; attempt++ {
		base := freeBase(t)
		ctx, cancel := context.WithCancel(context.Background())
		started := make(chan error, 1)
		var stack *simulators.Stack
		go func() {
			time.Sleep(300 * time.Millisecond) // the stack comes up while env is already asking
			var err error
			stack, err = simulators.Start(simulators.Options{PortBase: base})
			if err != nil {
				cancel() // env stops waiting
			}
			started <- err
		}()
		var out, errOut bytes.Buffer
		code := run(ctx, []string{"env", "--wait", "20s", "--port-base", itoa(base)}, &out, &errOut)
		err := <-started
		cancel()
		if err != nil && strings.Contains(err.Error(), "address already in use") && attempt < 3 {
			continue // a port was taken between probe and start: try another base
		}
		if err != nil {
			t.Fatal(err)
		}
		defer stack.Close()
		if code != 0 || !strings.Contains(out.String(), "export MOCKAUTH_UCONTACT_URL="+stack.URL("ucontact")+"\n") {
			t.Errorf("env --wait: exit %d, printed %s%s", code, out.String(), errOut.String())
		}
		break
	}

	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"env", "--wait", "300ms", "--admin", "http://127.0.0.1:1"}, &out, &errOut)
	if code != 1 || out.Len() != 0 || !strings.Contains(errOut.String(), "no stack answered within 300ms") ||
		!strings.Contains(errOut.String(), "http://127.0.0.1:1 (found from --admin-url)") {
		t.Errorf("env --wait with no stack: exit %d, stdout %q, stderr %q; want 1, nothing, and why", code, out.String(), errOut.String())
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
