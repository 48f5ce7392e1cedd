package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mockauth/mockauth/internal/freeports"
	"github.com/mockauth/mockauth/simulators"
	"github.com/mockauth/mockauth/simulators/journal"
)

// environ is this process's environment less every MOCKAUTH_ variable,
// plus extra: what a user's shell holds.
func environ(extra ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MOCKAUTH_") {
			out = append(out, kv)
		}
	}
	return append(out, extra...)
}

// mockauthIn runs the binary with an environment and no flags of its own
// but args; it returns the exit code and both outputs.
func mockauthIn(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Env = env
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errOut.String()
}

// startOn starts an in-process stack on a port base (a free one for 0),
// retrying when a port is taken between probe and start.
func startOn(t *testing.T, opts simulators.Options) *simulators.Stack {
	t.Helper()
	for attempt := 0; ; attempt++ {
		if opts.PortBase == 0 || attempt > 0 {
			base, err := freeports.Base(simulators.Ports())
			if err != nil {
				t.Fatal(err)
			}
			opts.PortBase = base
		}
		s, err := simulators.Start(opts)
		if err != nil && strings.Contains(err.Error(), "address already in use") && attempt < 3 {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
}

// Issue 30: every command finds its stack as serve reads its own
// address: with only MOCKAUTH_PORT_BASE set, and again with only
// MOCKAUTH_ADMIN_URL, env, scenario activate and stub add act on that
// stack; a stack on the default ports is never touched.
func TestStackFinding_FromTheEnvironment(t *testing.T) {
	t.Parallel()
	decoy, err := simulators.Start(simulators.Options{PortBase: simulators.DefaultPortBase})
	switch {
	case err != nil && os.Getenv("CI") != "":
		t.Fatalf("the default ports are taken on a CI machine: %v", err)
	case err != nil:
		t.Logf("the default ports are taken here (%v): the decoy's part is left out", err)
	default:
		t.Cleanup(func() { _ = decoy.Close() })
	}
	target := startOn(t, simulators.Options{Vendors: []string{"ucontact", "crmcom"}})
	base := strings.TrimPrefix(target.AdminURL(), "http://127.0.0.1:")
	stub := filepath.Join(t.TempDir(), "ping.yaml")
	if err := os.WriteFile(stub, []byte("method: GET\npath: /crmapi/rest/v2/ping\nauth: token\nresponse: {body: pong}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, env := range []string{"MOCKAUTH_PORT_BASE=" + base, "MOCKAUTH_ADMIN_URL=" + target.AdminURL()} {
		t.Run(env, func(t *testing.T) {
			vars := environ(env)
			code, out, errOut := mockauthIn(t, vars, "env")
			if code != 0 || !strings.Contains(out, "export MOCKAUTH_UCONTACT_URL="+target.URL("ucontact")+"\n") ||
				!strings.Contains(out, "export MOCKAUTH_ADMIN_URL="+target.AdminURL()+"\n") {
				t.Errorf("env: exit %d\n%s%s", code, out, errOut)
			}
			if code, out, errOut := mockauthIn(t, vars, "scenario", "activate", "ucontact-flaky"); code != 0 || out != "ucontact-flaky on\n" {
				t.Errorf("scenario activate: exit %d %q %q", code, out, errOut)
			}
			if got := target.Scenarios().ActiveNames(); len(got) != 1 || got[0] != "ucontact-flaky" {
				t.Errorf("the stack named has active %v", got)
			}
			if code, out, errOut := mockauthIn(t, vars, "stub", "add", "crmcom", "ping", stub); code != 0 || !strings.HasPrefix(out, "crmcom/ping added") {
				t.Errorf("stub add: exit %d %q %q", code, out, errOut)
			}
			if code, out, errOut := mockauthIn(t, vars, "clock", "advance", "61m"); code != 0 || !strings.Contains(out, "offset 1h1m0s") {
				t.Errorf("clock advance: exit %d %q %q", code, out, errOut)
			}
			if target.Clock().Offset() != 61*time.Minute {
				t.Errorf("the stack's clock is %v ahead, want 61m", target.Clock().Offset())
			}
			// Put it back for the next round: reset, and the stub out.
			if code, out, errOut := mockauthIn(t, vars, "reset"); code != 0 || !strings.Contains(out, "reset") {
				t.Errorf("reset: exit %d %q %q", code, out, errOut)
			}
			if len(target.Scenarios().ActiveNames()) != 0 || target.Clock().Offset() != 0 {
				t.Errorf("after reset: active %v, clock %v ahead", target.Scenarios().ActiveNames(), target.Clock().Offset())
			}
			if code, _, errOut := mockauthIn(t, vars, "stub", "remove", "crmcom", "ping"); code != 0 {
				t.Errorf("stub remove: exit %d %q", code, errOut)
			}
		})
	}
	if decoy != nil {
		stubs, _ := decoy.Stubs("crmcom")
		for _, s := range stubs {
			if s.Name == "ping" {
				t.Error("the stack on the default ports got the stub")
			}
		}
		if n := len(decoy.Requests(journal.Filter{}, 0)); n != 0 || len(decoy.Scenarios().ActiveNames()) != 0 {
			t.Errorf("the stack on the default ports was touched: %d requests, active %v", n, decoy.Scenarios().ActiveNames())
		}
	}
}

// A command that reaches no stack, or something that is not a mockauth
// admin API, fails and names the address it tried and where it came from.
func TestStackFinding_FailsLoudly(t *testing.T) {
	t.Parallel()
	free, err := freeports.Base(simulators.Ports())
	if err != nil {
		t.Fatal(err)
	}
	other := startOn(t, simulators.Options{Vendors: []string{"crmcom"}})
	testCases := []struct {
		name string
		env  []string
		args []string
		code int
		want string
	}{
		{"nothing there", []string{fmt.Sprintf("MOCKAUTH_PORT_BASE=%d", free)}, []string{"scenario", "list"}, 1,
			fmt.Sprintf("no mockauth stack answered at http://127.0.0.1:%d (found from MOCKAUTH_PORT_BASE=%d)", free, free)},
		{"not an admin API", []string{"MOCKAUTH_ADMIN_URL=" + other.URL("crmcom")}, []string{"health"}, 1,
			"not a mockauth admin API's JSON"},
		{"a bad port base", []string{"MOCKAUTH_PORT_BASE=many"}, []string{"env"}, 2, `MOCKAUTH_PORT_BASE="many"`},
		{"a flag wins over the environment", []string{"MOCKAUTH_ADMIN_URL=" + other.AdminURL()}, []string{"health", "--port-base", fmt.Sprint(free)}, 1,
			fmt.Sprintf("http://127.0.0.1:%d (found from --bind and --port-base)", free)},
	}
	for _, tc := range testCases {
		code, out, errOut := mockauthIn(t, environ(tc.env...), tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want %d and %q", tc.name, code, out, errOut, tc.code, tc.want)
		}
	}
}

// A stack served with --tls is found over HTTPS with its CA: env exports
// MOCKAUTH_CA_FILE, and a command given only what env exported reaches
// it; one that speaks HTTP to it is told to use --tls.
func TestStackFinding_TLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stack := startOn(t, simulators.Options{Vendors: []string{"exotel"}, TLS: true, TLSDir: dir})
	base := strings.TrimPrefix(stack.AdminURL(), "https://127.0.0.1:")
	code, out, errOut := mockauthIn(t, environ("MOCKAUTH_PORT_BASE="+base, "MOCKAUTH_TLS=true"), "env", "--tls-dir", dir)
	ca := filepath.Join(dir, simulators.CAFile)
	if code != 0 || !strings.Contains(out, "export MOCKAUTH_ADMIN_URL="+stack.AdminURL()+"\n") || !strings.Contains(out, "export MOCKAUTH_CA_FILE="+ca+"\n") {
		t.Fatalf("env of a TLS stack: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := mockauthIn(t, environ("MOCKAUTH_ADMIN_URL="+stack.AdminURL(), "MOCKAUTH_CA_FILE="+ca), "health"); code != 0 || out != "ok\n" {
		t.Errorf("health with what env exported: exit %d %q %q", code, out, errOut)
	}
	if code, _, errOut := mockauthIn(t, environ("MOCKAUTH_PORT_BASE="+base), "health"); code != 1 || !strings.Contains(errOut, "serves HTTPS: add --tls") {
		t.Errorf("health over HTTP: exit %d %q", code, errOut)
	}
}
