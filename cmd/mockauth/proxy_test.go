package main

import (
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/mockauth/mockauth/simulators/ucontact"
)

// The README's three commands for a QA engineer, with the real binary: a
// mockauth plays the real tenant; a second one proxies and records it; a
// third replays the recording with no upstream, and the session works end
// to end with a token of its own.
func TestServe_ProxyRecordReplay(t *testing.T) {
	t.Parallel()
	tenant := startServer(t)
	// The tenant answers what no embedded fixture does, so only a recording
	// can replay it.
	stub := "method: POST\npath: /Integra/resources/Supervisor/campaignstatus\nauth: token\nreading: the tenant's own\nresponse:\n  headers: {Content-Type: \"text/plain;charset=UTF-8\"}\n  body: '{\"Tenant<-\":{\"campaign\":\"Tenant<-\",\"callswaiting\":7}}'\n"
	req, _ := http.NewRequest(http.MethodPut, tenant.url(0, "http")+"/__admin/stubs/ucontact/tenant_campaigns", strings.NewReader(stub))
	req.Header.Set("Content-Type", "application/yaml")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("PUT the tenant's stub: %d", res.StatusCode)
	}
	dir := filepath.Join(t.TempDir(), "rec")
	proxy := startServer(t, "--upstream", "ucontact="+tenant.url(1, "http"), "--record", dir)
	if want := "proxy to " + tenant.url(1, "http"); !strings.Contains(proxy.stdout.String(), want) {
		t.Errorf("banner lacks %q:\n%s", want, proxy.stdout.String())
	}
	c := &http.Client{Transport: &http.Transport{}}
	session := func(s *server) (token, campaigns string) {
		t.Helper()
		post := func(path, auth string, form url.Values) string {
			req, _ := http.NewRequest(http.MethodPost, s.url(1, "http")+path, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if auth != "" {
				req.Header.Set("Authorization", "Basic "+auth)
			}
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			if res.StatusCode != 200 {
				t.Fatalf("%s: %d %s", path, res.StatusCode, b)
			}
			return string(b)
		}
		token = post(ucontact.PathGetUserToken, "", url.Values{"user": {"demo"}, "password": {"demo"}})
		if !quotedToken.MatchString(token) {
			t.Fatalf("login answered %q", token)
		}
		return token, post("/Integra/resources/Supervisor/campaignstatus", strings.Trim(token, `"`), url.Values{"queue": {"Ventas"}})
	}
	recordedToken, recorded := session(proxy)
	if !strings.Contains(recorded, "Tenant<-") {
		t.Fatalf("the proxy did not answer the tenant's campaigns: %s", recorded)
	}
	c.CloseIdleConnections()
	proxy.stop(t, syscall.SIGTERM)
	file, err := os.ReadFile(filepath.Join(dir, "ucontact.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{strings.Trim(recordedToken, `"`), tenant.url(1, "http")[len("http://"):]} {
		if strings.Contains(string(file), secret) {
			t.Errorf("the recording holds %q", secret)
		}
	}
	replay := startServer(t, "--fixtures", dir)
	replayedToken, replayed := session(replay)
	if replayed != recorded || replayedToken == recordedToken {
		t.Errorf("replay: token %s (recorded %s), campaigns %q, recorded %q", replayedToken, recordedToken, replayed, recorded)
	}
	c.CloseIdleConnections()
}
