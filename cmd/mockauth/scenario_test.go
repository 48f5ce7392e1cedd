package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mockauth/mockauth/simulators"
)

func TestScenarioCLI(t *testing.T) {
	t.Parallel()
	stack, err := simulators.Start(simulators.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer stack.Close()
	admin := stack.AdminURL()
	cli := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := run(context.Background(), append([]string{"scenario"}, args...), &out, &errOut)
		return code, out.String(), errOut.String()
	}
	if code, out, _ := cli("activate", "ucontact-flaky", "--admin", admin); code != 0 || out != "ucontact-flaky on\n" {
		t.Fatalf("activate: %d %q", code, out)
	}
	if code, out, _ := cli("activate", "crmcom-slow", "--ttl", "5m", "--admin", admin); code != 0 || !strings.HasPrefix(out, "crmcom-slow on until ") {
		t.Fatalf("activate with ttl: %d %q", code, out)
	}
	code, out, _ := cli("list", "--admin", admin)
	if code != 0 || !strings.Contains(out, "ucontact-flaky") || !strings.Contains(out, "SCENARIO") {
		t.Fatalf("list: %d\n%s", code, out)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "ucontact-flaky ") && !strings.Contains(line, " on ") {
			t.Errorf("list shows ucontact-flaky off: %q", line)
		}
	}
	if got := stack.Scenarios().ActiveNames(); strings.Join(got, ",") != "ucontact-flaky,crmcom-slow" {
		t.Fatalf("active = %v", got)
	}
	if code, out, _ := cli("deactivate", "ucontact-flaky", "--admin", admin); code != 0 || out != "ucontact-flaky off\n" {
		t.Fatalf("deactivate: %d %q", code, out)
	}
	if code, _, errOut := cli("activate", "ucontact-flakey", "--admin", admin); code != 1 || !strings.Contains(errOut, `did you mean "ucontact-flaky"`) {
		t.Fatalf("unknown name: %d %q", code, errOut)
	}
	if code, out, _ := cli("reset", "--admin", admin); code != 0 || out != "every scenario off\n" || len(stack.Scenarios().ActiveNames()) != 0 {
		t.Fatalf("reset: %d %q", code, out)
	}
	if code, _, _ := cli("activate", "--admin", admin); code != 2 {
		t.Fatalf("activate without a name exited %d, want 2", code)
	}
	if code, _, _ := cli("explode"); code != 2 {
		t.Fatalf("unknown action exited %d, want 2", code)
	}
}

func TestServe_RefusesBadScenarios(t *testing.T) {
	t.Parallel()
	testCases := []struct{ name, data, want string }{
		{"unknown vendor", "scenarios:\n  x:\n    rules:\n      - match: {vendor: salesforce}\n        fault: {type: empty-response}\n", `:4: unknown vendor "salesforce"`},
		{"unknown fault", "scenarios:\n  x:\n    rules:\n      - match: {vendor: ucontact}\n        fault:\n          type: explode\n", `:6: unknown fault type "explode"`},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.yaml")
			if err := os.WriteFile(path, []byte(tc.data), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(binPath, "serve", "--port-base", fmt.Sprint(freeBase(t)), "--scenarios", path).CombinedOutput()
			if err == nil {
				t.Fatal("serve started with a bad scenarios file")
			}
			if !strings.Contains(string(out), path+tc.want) {
				t.Fatalf("output does not name %s%s:\n%s", path, tc.want, out)
			}
		})
	}
	out, err := exec.Command(binPath, "serve", "--port-base", fmt.Sprint(freeBase(t)), "--activate", "nope").CombinedOutput()
	if err == nil || !strings.Contains(string(out), `--activate: no scenario "nope"`) {
		t.Fatalf("--activate nope: %v\n%s", err, out)
	}
}

func TestServe_WatchReloads(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "s.yaml")
	write := func(data string) {
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("scenarios:\n  first:\n    rules:\n      - fault: {type: empty-response}\n")
	s := startServer(t, "--scenarios", path, "--watch", "--activate", "first")
	list := func() string {
		return runTool(t, nil, binPath, "scenario", "list", "--admin", s.url(0, "http"))
	}
	if !strings.Contains(list(), "first") {
		t.Fatal("the file's scenario is not listed")
	}
	write("scenarios:\n  second:\n    rules:\n      - match: {vendor: nobody}\n        fault: {type: empty-response}\n")
	waitFor(t, 10*time.Second, func() bool { return strings.Contains(s.stderr.String(), path+`:4: unknown vendor \"nobody\"`) }, "the bad reload was not logged with its line")
	if l := list(); !strings.Contains(l, "first") || strings.Contains(l, "second") {
		t.Fatalf("a bad file changed the scenarios:\n%s", l)
	}
	write("scenarios:\n  first:\n    rules:\n      - fault: {type: empty-response}\n  second:\n    description: added while running\n    rules:\n      - fault: {type: empty-response}\n")
	waitFor(t, 10*time.Second, func() bool { return strings.Contains(list(), "added while running") }, "the good file was not reloaded")
	s.stop(t, syscall.SIGTERM)
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, cond func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(msg)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestScenarioCLI_AdminToken(t *testing.T) {
	t.Parallel()
	stack, err := simulators.Start(simulators.Options{AdminToken: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	defer stack.Close()
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"scenario", "list", "--admin", stack.AdminURL()}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "Bearer") {
		t.Fatalf("list without the token: %d %q", code, errOut.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"scenario", "activate", "ucontact-slow", "--admin", stack.AdminURL(), "--admin-token", "tok"}, &out, &errOut); code != 0 {
		t.Fatalf("activate with the token: %d %q", code, errOut.String())
	}
	if code := run(context.Background(), []string{"env", "--admin", stack.AdminURL(), "--admin-token", "tok"}, &out, &errOut); code != 0 {
		t.Fatalf("env with the token: %d %q", code, errOut.String())
	}
}

func TestServe_WatchReloadsFixtures(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "ucontact.yaml")
	write := func(data string) {
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("users:\n  alpha:\n    password: a-pass\n")
	s := startServer(t, "--fixtures", dir, "--watch")
	loginAs := func(user, password string) string {
		_, body := post(t, s.url(1, "http")+"/Integra/resources/auth/getUserToken", "application/x-www-form-urlencoded", "user="+user+"&password="+password)
		return body
	}
	if loginAs("alpha", "a-pass") == `"0"` {
		t.Fatal("the fixture's user cannot log in")
	}
	write("users:\n  beta: [\n")
	waitFor(t, 10*time.Second, func() bool { return strings.Contains(s.stderr.String(), "fixtures not reloaded") }, "the bad fixture was not logged")
	if loginAs("alpha", "a-pass") == `"0"` {
		t.Fatal("a bad fixture file changed the fixtures")
	}
	write("users:\n  beta:\n    password: b-pass\n")
	waitFor(t, 10*time.Second, func() bool { return loginAs("beta", "b-pass") != `"0"` }, "the new fixture was not reloaded")

	// Stubs reload with their file; a bad stub keeps the loaded set.
	ping := func() string {
		_, body := post(t, s.url(1, "http")+"/ping", "application/x-www-form-urlencoded", "")
		return body
	}
	withStub := func(body string) string {
		return "users:\n  beta:\n    password: b-pass\nstubs:\n  ping:\n    method: POST\n    path: /ping\n    auth: none\n    response:\n      body: " + body + "\n"
	}
	write(withStub("pong"))
	waitFor(t, 10*time.Second, func() bool { return ping() == "pong" }, "the stub was not loaded")
	write(withStub("'{{.Nope}}'"))
	waitFor(t, 10*time.Second, func() bool { return strings.Contains(s.stderr.String(), "ucontact.yaml:10: stub ping: body template") },
		"the bad stub was not logged with its line:\n"+s.stderr.String())
	if got := ping(); got != "pong" {
		t.Fatalf("after a bad stubs file the stub answers %q", got)
	}
	s.stop(t, syscall.SIGTERM)
}
