package simulators_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/mockauth/mockauth/simulators"
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
