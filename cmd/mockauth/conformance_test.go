package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
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

// Issue 30: a case's deadline counts from the program's first request, not
// from its start; --skip leaves a case out, listed as skipped in the report
// and the JUnit file; the JUnit entry holds the client's stdout and stderr.
func TestConformance_DeadlineFromTheFirstRequestSkipAndOutput(t *testing.T) {
	t.Parallel()
	need(t, "curl")
	junit := filepath.Join(t.TempDir(), "junit.xml")
	// The client starts slowly: 1.5 s before its first request, past the
	// whole 1.2 s deadline, which it then keeps (it has --startup, 10 s by
	// default, to send it).
	code, out := runConformance(t, "--vendor", "ucontact", "--endpoint", "getUserToken", "--parallel", "8", "--deadline", "1200ms",
		"--skip", "getUserToken: delay under the deadline", "--skip", "no answer (timeout)", "--skip", "503 twice then recovery",
		"--skip", "429 with Retry-After", "--skip", "dribbled answer", "--junit", junit,
		"--", "sh", "-c", `echo starting up >&2; sleep 1.5; exec sh "$0"`, "../../clienttests/examples/careful-getusertoken.sh")
	for _, want := range []string{
		"PASS getUserToken: demo login\n",
		"SKIP getUserToken: delay under the deadline (--skip getUserToken: delay under the deadline)\n",
		"SKIP getUserToken: no answer (timeout) (--skip no answer (timeout))\n",
		"passed, 0 failed, 5 skipped\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q (exit %d):\n%s", want, code, out)
		}
	}
	if code != 0 {
		t.Errorf("exit %d: a slow start is no failure when the client keeps the deadline from its first request:\n%s", code, out)
	}
	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`failures="0" skipped="5"`, `<skipped message="--skip no answer (timeout)"></skipped>`,
		"<system-err>starting up&#xA;</system-err>", "<system-out>"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("junit lacks %q:\n%s", want, data)
		}
	}
	if code, out := runConformance(t, "--vendor", "ucontact", "--skip", "no such case", "--", "true"); code != 2 || !strings.Contains(out, `--skip "no such case" names no case`) {
		t.Errorf("--skip of no case: exit %d\n%s", code, out)
	}
	// A program that never sends a request fails with that reason, one
	// deadline after its start.
	code, out = runConformance(t, "--vendor", "ucontact", "--endpoint", "getUserToken", "--startup", "300ms", "--parallel", "8", "--", "sleep", "5")
	if code != 1 || !strings.Contains(out, "FAIL getUserToken: demo login: sent no request within 300ms of its start\n") {
		t.Errorf("a silent program: exit %d\n%s", code, out)
	}
}

// Issue 30: a program is given every login field its case needs: Exotel's
// ccmtoken needs the account SID, as MOCKAUTH_ACCOUNT_SID and as mockauth
// env names it, MOCKAUTH_EXOTEL_ACCOUNT_SID.
func TestConformance_EveryLoginFieldInTheEnvironment(t *testing.T) {
	t.Parallel()
	junit := filepath.Join(t.TempDir(), "junit.xml")
	runConformance(t, "--vendor", "exotel", "--endpoint", "ccmtoken", "--junit", junit,
		"--", "sh", "-c", `echo "sid=$MOCKAUTH_EXOTEL_ACCOUNT_SID same=$MOCKAUTH_ACCOUNT_SID key=$MOCKAUTH_EXOTEL_USER" >&2; exit 1`)
	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`<system-err>sid=(\S+) same=(\S+) key=(\S+)`).FindStringSubmatch(string(data))
	if m == nil || m[1] != m[2] {
		t.Fatalf("the program was not given the account SID:\n%s", data)
	}
}
