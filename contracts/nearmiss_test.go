package contracts

import (
	"strings"
	"testing"
)

func TestSegmentDiff(t *testing.T) {
	testCases := []struct {
		sent, documented, want string
	}{
		{"/v2/accounts/X/configuration/basicauth", "/configuration/basicauth", "(extra prefix /v2/accounts/X)"},
		{"/Integra/resources/auth/v1/getUserToken", "/Integra/resources/auth/getUserToken", "(extra /v1 after /Integra/resources/auth)"},
		{"/auth/getUserToken", "/Integra/resources/auth/getUserToken", "(missing prefix /Integra/resources)"},
		{"/Integra/auth/getUserToken", "/Integra/resources/auth/getUserToken", "(missing /resources after /Integra)"},
		{"/crmapi/rest/v1/authentication/token", "/crmapi/rest/v2/authentication/token", `("v1" where "v2" belongs)`},
		{"/a/x/y/d", "/a/b/d", `("/x/y" where "/b" belongs)`},
		{"/login/", "/login", "(differs only in slashes)"},
		{"/User//authenticate", "/User/authenticate", "(differs only in slashes)"},
	}
	for _, tc := range testCases {
		got := segmentDiff(tc.sent, tc.documented)
		want := "sent " + tc.sent + ", documented " + tc.documented + " " + tc.want
		if got != want {
			t.Errorf("segmentDiff(%s, %s)\n got %s\nwant %s", tc.sent, tc.documented, got, want)
		}
	}
}

// TestDiagnosis_HeaderSafeAndBounded: a hostile path (control bytes, a
// megabyte of it) gives a one-line diagnosis of bounded length.
func TestDiagnosis_HeaderSafeAndBounded(t *testing.T) {
	v, err := NewValidator("exotel")
	if err != nil {
		t.Fatal(err)
	}
	got := v.Diagnosis("POST", "/v2/\r\nX-Injected: 1/configuration/basicauth")
	if strings.ContainsAny(got, "\r\n") || !strings.Contains(got, "/v2/??X-Injected: 1/configuration/basicauth") {
		t.Errorf("control bytes not replaced: %q", got)
	}
	long := v.Diagnosis("GET", "/"+strings.Repeat("a", 1<<20))
	if len(long) > 4096 {
		t.Errorf("diagnosis of a 1 MiB path is %d bytes", len(long))
	}
	if want := "no documented exotel operation matches GET /" + strings.Repeat("a", maxDiagnosedPath-1) + "…; closest: "; !strings.HasPrefix(long, want) {
		t.Errorf("diagnosis starts %.80q", long)
	}
}
