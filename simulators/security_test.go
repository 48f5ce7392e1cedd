package simulators_test

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/mockauth/mockauth/internal/lockedbuf"
	"github.com/mockauth/mockauth/simulators"
	"github.com/mockauth/mockauth/simulators/journal"
)

func TestAdmin_ExposedWithoutTokenIsRefused(t *testing.T) {
	t.Parallel()
	for _, bind := range []string{"0.0.0.0", "::", "192.0.2.10"} {
		_, err := simulators.Start(simulators.Options{Bind: bind})
		if !errors.Is(err, simulators.ErrAdminExposed) || !strings.Contains(err.Error(), "--admin-token") {
			t.Errorf("Start on %s without a token: %v", bind, err)
		}
	}
}

// Secrets short enough to guess are refused (issue 21, B17).
func TestStart_WeakSecretsAreRefused(t *testing.T) {
	t.Parallel()
	for _, opts := range []simulators.Options{
		{TokenSecret: "abcd"},
		{TokenSecret: strings.Repeat("x", simulators.MinTokenSecret-1)},
		{Bind: "0.0.0.0", AdminToken: "x"},
		{Bind: "0.0.0.0", AdminToken: strings.Repeat("x", simulators.MinAdminToken-1)},
	} {
		s, err := simulators.Start(opts)
		if err == nil {
			s.Close()
		}
		if !errors.Is(err, simulators.ErrWeakSecret) || !strings.Contains(err.Error(), "at least") {
			t.Errorf("Start(%+v): %v, want a refusal naming the length", opts, err)
		}
	}
	s := start(t, simulators.Options{TokenSecret: strings.Repeat("x", simulators.MinTokenSecret), AdminToken: "short-on-loopback"})
	if s.URL("ucontact") == "" {
		t.Fatal("a long secret was refused")
	}
}

func TestAdmin_Token(t *testing.T) {
	t.Parallel()
	const token = "s3cret-admin-token"
	s := start(t, simulators.Options{AdminToken: token})
	testCases := []struct {
		name, path, auth string
		want             int
	}{
		{"no token", "/__admin/vendors", "", 401},
		{"wrong token", "/__admin/scenarios", "Bearer nope", 401},
		{"right token", "/__admin/vendors", "Bearer " + token, 200},
		{"dashboard page (it asks for the token)", "/", "", 200},
		{"health, for probes", "/__admin/health", "", 200},
	}
	for _, tc := range testCases {
		var hdr []string
		if tc.auth != "" {
			hdr = []string{"Authorization", tc.auth}
		}
		got := send(t, http.DefaultClient, "GET", s.AdminURL()+tc.path, "", "", hdr...)
		if got.status != tc.want {
			t.Errorf("%s: %d, want %d (%s)", tc.name, got.status, tc.want, got.body)
		}
	}
	// The vendors are not behind the admin token.
	if got := login(t, s, "demo", "demo"); got.status != 200 {
		t.Fatalf("vendor login with an admin token set: %d", got.status)
	}
}

// No planted secret reaches the journal or the log, whatever its placement
// (issue 21, B12): the redaction table of simulators/redact, through the
// whole stack.
func TestJournal_NoPlantedSecretInJournalOrLog(t *testing.T) {
	t.Parallel()
	const secret = "Planted-Secret-7Qz9"
	var logs lockedbuf.Buffer
	s := start(t, simulators.Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	for _, tc := range []struct {
		vendor, path, contentType, body string
		header                          []string
	}{
		{"crmcom", "/crmapi/rest/v2/authentication/token", "application/json", `{"username":"mpadministrator","one_time_password":"S","organisation":"CRMDEMO"}`, nil},
		{"crmcom", "/crmapi/rest/v2/authentication/token", "application/json", `{"username":"mpadministrator","password":["S"],"organisation":"CRMDEMO"}`, nil},
		{"autoalert", "/User/authenticate", "application/json", `{"userName":"secure","password":"secure-pass","securityCode":"S"}`, nil},
		{"autoalert", "/User/authenticate", "application/xml", `<AuthenticateRequest password="S"/>`, nil},
		{"autoalert", "/User/authenticate", "application/xml", `<!DOCTYPE a [<!ENTITY p "S">]><AuthenticateRequest><password>&p;</password></AuthenticateRequest>`, nil},
		{"ucontact", "/Integra/resources/auth/getUserToken", "multipart/form-data; boundary=B", "--B\r\nContent-Disposition: form-data; name=\"user\"\r\n\r\ndemo\r\n--B\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\nS\r\n--B--\r\n", nil},
		{"ucontact", "/Integra/resources/auth/getUserToken", "application/x-www-form-urlencoded", "user=demo;password=S", nil},
		{"exotel", "/configuration/whoami", "", "", []string{"X-Password", "S"}},
	} {
		hdr := append([]string(nil), tc.header...)
		for i := range hdr {
			hdr[i] = strings.ReplaceAll(hdr[i], "S", secret)
		}
		method := http.MethodPost
		if tc.body == "" {
			method = http.MethodGet
		}
		send(t, s.Client(), method, s.URL(tc.vendor)+tc.path, tc.contentType, strings.ReplaceAll(tc.body, "S", secret), hdr...)
	}
	kept, err := json.Marshal(s.Requests(journal.Filter{}, 0))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(kept), secret) {
		t.Errorf("the journal holds the planted secret:\n%s", kept)
	}
	if strings.Contains(logs.String(), secret) {
		t.Errorf("the log holds the planted secret:\n%s", logs.String())
	}
}
