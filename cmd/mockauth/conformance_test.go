package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The output of a conformance run is captured, never printed: its closing
// "N passed, N failed" line is the run's verdict on the client, not on
// these tests.
func runConformance(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), append([]string{"conformance"}, args...), &out, &errOut)
	return code, out.String() + errOut.String()
}

func TestConformance_CarefulShellClientPasses(t *testing.T) {
	t.Parallel()
	need(t, "curl")
	junit := filepath.Join(t.TempDir(), "junit.xml")
	code, out := runConformance(t, "--vendor", "ucontact", "--endpoint", "getUserToken", "--junit", junit, "--parallel", "8",
		"--", "sh", "../../clienttests/examples/careful-getusertoken.sh")
	if code != 0 || !strings.HasSuffix(out, "14 passed, 0 failed\n") {
		t.Fatalf("careful shell client: exit %d\n%s", code, out)
	}
	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `<testsuite name="mockauth conformance ucontact" tests="14" failures="0"`) {
		t.Fatalf("junit:\n%s", data)
	}
}

func TestConformance_PagePythonSampleFails(t *testing.T) {
	t.Parallel()
	need(t, "python3")
	code, out := runConformance(t, "--vendor", "ucontact", "--endpoint", "getUserToken", "--parallel", "8",
		"--", "python3", "../../clienttests/examples/page-sample.py")
	if code != 1 {
		t.Fatalf("the page's sample passed (exit %d):\n%s", code, out)
	}
	for _, want := range []string{
		"FAIL getUserToken: demo login: printed the token with its quotes\n",
		`FAIL getUserToken: wrong password: printed "\"0\"" as a token where the login must fail` + "\n",
		`FAIL getUserToken: bare 0 error (uContact's wiki spelling): printed "0" as a token where the login must fail` + "\n",
		"FAIL getUserToken: no answer (timeout): did not finish within the 6s deadline\n",
		"2 passed, 12 failed\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestConformance_Usage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"--vendor", "ucontact"},                                     // no command
		{"--vendor", "nobody", "--", "true"},                         // unknown vendor
		{"--vendor", "ucontact", "--endpoint", "nope", "--", "true"}, // unknown endpoint
		{"--vendor", "ucontact", "--parallel", "0", "--", "true"},    // no case could run
	} {
		if code, out := runConformance(t, args...); code != 2 {
			t.Errorf("conformance %v exited %d, want 2:\n%s", args, code, out)
		}
	}
}
