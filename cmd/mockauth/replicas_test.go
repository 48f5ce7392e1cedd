package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/mockauth/mockauth/internal/redistest"
)

func post(t *testing.T, url, contentType, body string, header ...string) (int, string) {
	t.Helper()
	return exchange(t, http.MethodPost, url, contentType, body, header...)
}

// Two mockauth serve processes with the same --token-secret honour each
// other's tokens; one with another secret does not.
func TestReplicas_ShareTokensBySecret(t *testing.T) {
	a := startServer(t, "--token-secret", "one-secret-long-enough-to-be-refused-by-no-one")
	b := startServer(t, "--token-secret", "one-secret-long-enough-to-be-refused-by-no-one")
	t.Setenv("MOCKAUTH_TOKEN_SECRET", "another-secret-long-enough-to-be-refused-by-no-one") // the environment reaches the flag too
	c := startServer(t)

	// Tokens minted by a.
	_, body := post(t, a.url(1, "http")+"/Integra/resources/auth/getUserToken", "application/x-www-form-urlencoded", "user=demo&password=demo")
	ucTok := strings.Trim(body, `"`)
	_, body = post(t, a.url(2, "http")+"/crmapi/rest/v2/authentication/token", "application/json", `{"username":"mpadministrator","password":"1234","organisation":"CRMDEMO"}`)
	crmTok := regexp.MustCompile(`"token":"([0-9A-F]{32})"`).FindStringSubmatch(body)
	_, body = post(t, a.url(3, "http")+"/User/authenticate", "application/json", `{"userName":"demo","password":"demo"}`)
	var aa struct{ Token string }
	_ = json.Unmarshal([]byte(body), &aa)
	if ucTok == "0" || crmTok == nil || aa.Token == "" {
		t.Fatalf("logins on the first replica failed: %q %v %q", ucTok, crmTok, aa.Token)
	}

	uses := func(s *server) (uc, crm, autoalert string) {
		st, _ := post(t, s.url(1, "http")+"/Integra/resources/api/AgentLogoff", "application/x-www-form-urlencoded", "agent=1997", "Authorization", "Basic "+ucTok)
		res, err := http.Get(s.url(2, "http") + "/crmapi/rest/v2/contact_information/show?contact_information_identifier=id%3D8A2C3E4F5061728394A5B6C7D8E9F001&token=" + crmTok[1])
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(res.Body)
		res.Body.Close()
		code := regexp.MustCompile(`"code":"([A-Z_]+)"`).FindStringSubmatch(string(data))
		at, _ := post(t, s.url(3, "http")+"/User/getusers", "application/json", `{"token":"`+aa.Token+`"}`)
		return http.StatusText(st), code[1], http.StatusText(at)
	}
	if uc, crm, au := uses(b); uc != "OK" || crm != "OK" || au != "OK" {
		t.Fatalf("same secret: ucontact %s, crmcom %s, autoalert %s; want all OK", uc, crm, au)
	}
	if uc, crm, au := uses(c); uc != "Unauthorized" || crm != "INVALID_TOKEN" || au != "Unauthorized" {
		t.Fatalf("another secret: ucontact %s, crmcom %s, autoalert %s; want all refused", uc, crm, au)
	}
	for _, s := range []*server{a, b, c} {
		if strings.Contains(s.stderr.String()+s.stdout.String(), "one-secret") {
			t.Fatal("a replica logged its token secret")
		}
		s.stop(t, syscall.SIGTERM)
	}
}

// Secrets come from files too, kept out of ps (issue 21, B19); a short
// one is refused (B17).
func TestServe_SecretsFromFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte("a-token-secret-from-a-file-0123456789\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	short := filepath.Join(dir, "short")
	if err := os.WriteFile(short, []byte("abcd\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--token-secret-file", short, "--port-base", "1"}, 1, "a token secret of 4 bytes: at least 32"},
		{[]string{"--token-secret-file", secret, "--token-secret", "x"}, 2, "--token-secret and --token-secret-file both given"},
		{[]string{"--admin-token-file", dir}, 2, "is not a regular file"},
		{[]string{"--admin-token-file", filepath.Join(dir, "none")}, 2, "no such file"},
		{[]string{"--bind", "0.0.0.0", "--admin-token", "x", "--port-base", "1"}, 1, "an admin token of 1 bytes"},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), append([]string{"serve"}, tc.args...), &out, &errOut)
		if code != tc.code || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("serve %v: exit %d, %q; want exit %d and %q", tc.args, code, errOut.String(), tc.code, tc.want)
		}
	}
	s := startServer(t, "--token-secret-file", secret)
	s.stop(t, syscall.SIGTERM)
}

// Two mockauth serve processes on one Redis (--state, and
// MOCKAUTH_STATE) are one stack: an Exotel admin's bearer from one
// registers on the other (they sign with the key the store keeps), the
// credential logs in on the first, and the banner names the store and
// both replicas.
func TestReplicas_SharedStateAcrossProcesses(t *testing.T) {
	redis := redistest.Start(t)
	a := startServer(t, "--state", redis.URL, "--replica", "one")
	t.Setenv("MOCKAUTH_STATE", redis.URL)
	t.Setenv("MOCKAUTH_REPLICA", "two")
	b := startServer(t)
	if out := b.stdout.String(); !strings.Contains(out, "shared state: "+redis.URL+", replica two (live replicas: one, two)") {
		t.Fatalf("the banner does not name the store and both replicas:\n%s", out)
	}
	st, body := post(t, a.url(4, "http")+"/login", "application/x-www-form-urlencoded", "username=demo.admin&password=demo-admin-pass", "Accept", "application/json")
	var login struct{ Token string }
	if err := json.Unmarshal([]byte(body), &login); st != http.StatusOK || err != nil || login.Token == "" {
		t.Fatalf("admin login on one: %d %s", st, body)
	}
	reg := `{"username":"across","password":"across-pass","context":"ContactCenter","contextId":"1","userRole":"Administrator"}`
	if st, body := post(t, b.url(4, "http")+"/configuration/basicauth", "application/json", reg, "Authorization", "Bearer "+login.Token); st != http.StatusCreated {
		t.Fatalf("registering on two with one's bearer: %d %s", st, body)
	}
	st, body = exchange(t, http.MethodGet, a.url(4, "http")+"/configuration/whoami", "", "", "Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("across:across-pass")))
	if st != http.StatusOK {
		t.Fatalf("the credential on one: %d %s", st, body)
	}
}

// --state rediss://: the store's certificate is verified (against the
// system roots, or SSL_CERT_FILE's for a private CA), and a store whose
// certificate does not verify stops the start, naming the URL.
func TestReplicas_StateOverTLS(t *testing.T) {
	files := redistest.TLSFiles(t)
	redis := redistest.StartTLS(t, files)
	t.Setenv("SSL_CERT_FILE", files.CA)
	s := startServer(t, "--state", redis.URL, "--replica", "tls")
	if out := s.stdout.String(); !strings.Contains(out, "shared state: "+redis.URL+", replica tls") {
		t.Fatalf("the banner does not name the TLS store:\n%s", out)
	}
	if st, body := exchange(t, http.MethodPut, s.url(0, "http")+"/__admin/scenarios/ucontact-flaky", "", ""); st != http.StatusOK {
		t.Fatalf("a change through the TLS store: %d %s", st, body)
	}
	t.Setenv("SSL_CERT_FILE", "/dev/null") // no root that signed the store's certificate
	out, err := exec.Command(binPath, "serve", "--port-base", fmt.Sprint(freeBase(t)), "--state", redis.URL).CombinedOutput()
	if err == nil || !strings.Contains(string(out), redis.URL) || !strings.Contains(string(out), "certificate") {
		t.Fatalf("a store whose certificate does not verify: %v\n%s", err, out)
	}
}
