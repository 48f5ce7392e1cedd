package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
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
