package main

import (
	"encoding/json"
	"io"
	"net/http"
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
	a := startServer(t, "--token-secret", "one-secret")
	b := startServer(t, "--token-secret", "one-secret")
	t.Setenv("MOCKAUTH_TOKEN_SECRET", "another-secret") // the environment reaches the flag too
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
