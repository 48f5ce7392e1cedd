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
	if code != 0 || !strings.HasSuffix(out, "17 passed, 0 failed\n") {
		t.Fatalf("careful shell client: exit %d\n%s", code, out)
	}
	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `<testsuite name="mockauth conformance ucontact" tests="17" failures="0"`) {
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
		"FAIL getUserToken: old server without getUserToken (404): fall back to UserLogin: printed \"<!doctype html>",
		"2 passed, 15 failed\n",
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

// With --fixtures, each case's stack loads them and the client is given
// their demo login, not the embedded one.
func TestConformance_FixturesDirGivesItsDemoLogin(t *testing.T) {
	t.Parallel()
	need(t, "curl")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ucontact.yaml"), []byte(otherDemos["ucontact.yaml"]), 0o644); err != nil {
		t.Fatal(err)
	}
	users := filepath.Join(dir, "users.txt")
	script, err := filepath.Abs("../../clienttests/examples/careful-getusertoken.sh")
	if err != nil {
		t.Fatal(err)
	}
	code, out := runConformance(t, "--vendor", "ucontact", "--endpoint", "getUserToken", "--fixtures", dir, "--parallel", "8",
		"--", "sh", "-c", `printf '%s\n' "$MOCKAUTH_USER" >> "$0"; exec sh "$1"`, users, script)
	if code != 0 || !strings.HasSuffix(out, "17 passed, 0 failed\n") {
		t.Fatalf("careful shell client on the fixtures' demo login: exit %d\n%s", code, out)
	}
	given, err := os.ReadFile(users)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(given), "alice\n") || strings.Contains(string(given), "demo\n") {
		t.Errorf("the client was given these users:\n%s\nwant the fixtures' demo login alice, never the embedded demo", given)
	}
}

// A program in any language runs the flow of a call after login.
func TestConformance_CarefulShellWallboardPasses(t *testing.T) {
	t.Parallel()
	need(t, "curl")
	code, out := runConformance(t, "--vendor", "ucontact", "--endpoint", "campaignstatus", "--parallel", "8",
		"--", "sh", "../../clienttests/examples/careful-wallboard.sh")
	if code != 0 || !strings.HasSuffix(out, "6 passed, 0 failed\n") {
		t.Fatalf("careful wallboard: exit %d\n%s", code, out)
	}
}
