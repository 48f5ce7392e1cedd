package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/mockauth/mockauth/contracts"
	"github.com/mockauth/mockauth/simulators"
)

func TestLoadServe(t *testing.T) {
	t.Parallel()
	testCases := []struct {
		name    string
		args    []string
		wantErr bool
		check   func(serveConfig) bool
	}{
		{"defaults", nil, false, func(c serveConfig) bool {
			return c.Bind == "127.0.0.1" && c.PortBase == 9300 && c.JournalSize == 1000 && !c.TLS && !c.Strict && c.DrainWindow == time.Second
		}},
		{"no drain window", []string{"--drain-window", "0"}, false, func(c serveConfig) bool { return c.DrainWindow == 0 }},
		{"negative drain window", []string{"--drain-window", "-1s"}, true, nil},
		{"upstream", []string{"--upstream", "crmcom=https://tenant.example.com/base", "--record", "rec"}, false, func(c serveConfig) bool {
			return c.Upstreams["crmcom"].String() == "https://tenant.example.com/base" && c.RecordDir == "rec"
		}},
		{"upstream of no vendor", []string{"--upstream", "nosuch=https://tenant.example.com"}, true, nil},
		{"upstream not a URL", []string{"--upstream", "crmcom=tenant.example.com"}, true, nil},
		{"upstream given twice", []string{"--upstream", "crmcom=https://a.example.com", "--upstream", "crmcom=https://b.example.com"}, true, nil},
		{"record without upstream", []string{"--record", "rec"}, true, nil},
		{"all flags", []string{"--bind", "0.0.0.0", "--port-base", "10000", "--tls", "--tls-dir", "/tmp/x", "--strict", "--journal-size", "5", "--fixtures", "fx", "--log-level", "debug"}, false,
			func(c serveConfig) bool {
				return c.Bind == "0.0.0.0" && c.PortBase == 10000 && c.TLS && c.TLSDir == "/tmp/x" && c.Strict && c.JournalSize == 5 && c.FixturesDir == "fx"
			}},
		{"port base too high", []string{"--port-base", "65534"}, true, nil},
		{"journal size zero", []string{"--journal-size", "0"}, true, nil},
		{"unknown flag", []string{"--nope"}, true, nil},
		{"stray argument", []string{"extra"}, true, nil},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadServe(tc.args)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			var usage *usageError
			if tc.wantErr && !errors.As(err, &usage) {
				t.Fatalf("a refused command line must be a usage error (exit 2) saying why: %v", err)
			}
			if tc.check != nil && !tc.check(c) {
				t.Fatalf("config = %+v", c)
			}
		})
	}
}

func TestRun_ExitCodes(t *testing.T) {
	t.Parallel()
	testCases := []struct {
		args []string
		want int
	}{
		{[]string{"version"}, 0},
		{[]string{"help"}, 0},
		{[]string{"serve", "-h"}, 0},
		{[]string{"nosuch"}, 2},
		{[]string{"help", "nosuch"}, 2},
		{[]string{"scenario", "nosuch"}, 2},
		{[]string{"contract", "nosuch"}, 2},
		{[]string{"version", "extra"}, 2},
		{[]string{"serve", "--port-base", "-1"}, 2},
		{[]string{"env", "--admin", "http://127.0.0.1:1"}, 1},
	}
	for _, tc := range testCases {
		var out, errOut bytes.Buffer
		if got := run(context.Background(), tc.args, &out, &errOut); got != tc.want {
			t.Errorf("run(%v) = %d, want %d; stderr %q", tc.args, got, tc.want, errOut.String())
		}
	}
}

func TestEnv_PrintsExports(t *testing.T) {
	t.Parallel()
	stack, err := simulators.Start(simulators.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer stack.Close()
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"env", "--admin", stack.AdminURL()}, &out, &errOut); code != 0 {
		t.Fatalf("env exited %d: %s", code, errOut.String())
	}
	want := strings.Join([]string{
		"export MOCKAUTH_ADMIN_URL=" + stack.AdminURL(),
		"export MOCKAUTH_UCONTACT_URL=" + stack.URL("ucontact"),
		"export MOCKAUTH_UCONTACT_AGENT_PASSWORD=1997",
		"export MOCKAUTH_UCONTACT_AGENT_USER=1997",
		"export MOCKAUTH_UCONTACT_PASSWORD=demo",
		"export MOCKAUTH_UCONTACT_USER=demo",
	}, "\n")
	if !strings.HasPrefix(out.String(), want) {
		t.Fatalf("env printed\n%s\nwant it to start with\n%s", out.String(), want)
	}
}

func TestShellQuoteAndEnvName(t *testing.T) {
	t.Parallel()
	quotes := map[string]string{
		"demo":                  "demo",
		"http://127.0.0.1:9301": "http://127.0.0.1:9301",
		"a b":                   "'a b'",
		"it's":                  `'it'\''s'`,
		"":                      "''",
		"customer_manager@123$": "'customer_manager@123$'",
	}
	for in, want := range quotes {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
	names := map[string]string{"agentPassword": "AGENT_PASSWORD", "ucontact": "UCONTACT", "adminToken": "ADMIN_TOKEN", "demo-id": "DEMO_ID"}
	for in, want := range names {
		if got := envName(in); got != want {
			t.Errorf("envName(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestContractCheck_ExitCodes(t *testing.T) {
	t.Parallel()
	stack, err := simulators.Start(simulators.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer stack.Close()
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"contract", "check", "--vendor", "autoalert", "--base-url", stack.URL("autoalert")}, &out, &errOut); code != 0 {
		t.Fatalf("check against the stack exited %d:\n%s%s", code, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "no drift: 10 probes answered as the contract says") {
		t.Fatalf("report:\n%s", out.String())
	}
	// crmcom's probes sent to the AutoAlert port: every answer drifts.
	out.Reset()
	if code := run(context.Background(), []string{"contract", "check", "--vendor", "crmcom", "--base-url", stack.URL("autoalert")}, &out, &errOut); code != 1 {
		t.Fatalf("check against the wrong server exited %d, want 1:\n%s", code, out.String())
	}
	// No --base-url: the vendor's port of the stack found as every
	// command finds it; none there is a failure naming the address tried.
	errOut.Reset()
	if code := run(context.Background(), []string{"contract", "check", "--vendor", "crmcom", "--admin-url", "http://127.0.0.1:1"}, &out, &errOut); code != 1 ||
		!strings.Contains(errOut.String(), "no mockauth stack answered at http://127.0.0.1:1 (found from --admin-url)") {
		t.Fatalf("check without --base-url and no stack exited %d, want 1: %s", code, errOut.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"contract", "check", "--vendor", "autoalert", "--admin-url", stack.AdminURL()}, &out, &errOut); code != 0 ||
		!strings.Contains(out.String(), "contract check: autoalert at "+stack.URL("autoalert")) {
		t.Fatalf("check of the stack found: exit %d:\n%s", code, out.String())
	}
	if code := run(context.Background(), []string{"contract", "check", "--vendor", "crmcm"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), `did you mean "crmcom"`) {
		t.Fatalf("a misspelt vendor: exit %d, want 2 with a suggestion: %s", code, errOut.String())
	}
}

func TestLoadServe_Environment(t *testing.T) {
	t.Setenv("MOCKAUTH_PORT_BASE", "12000")
	t.Setenv("MOCKAUTH_STRICT", "true")
	t.Setenv("MOCKAUTH_ACTIVATE", "ucontact-slow, crmcom-flaky")
	t.Setenv("MOCKAUTH_ADMIN_TOKEN", "from-env")
	t.Setenv("MOCKAUTH_JOURNAL_SIZE", "50")
	t.Setenv("MOCKAUTH_UPSTREAM_CRMCOM", "https://tenant.example.com")
	t.Setenv("MOCKAUTH_UPSTREAM_UCONTACT", "https://env.example.com")
	c, err := loadServe([]string{"--journal-size", "70", "--upstream", "ucontact=https://flag.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if c.PortBase != 12000 || !c.Strict || strings.Join(c.Activate, ",") != "ucontact-slow,crmcom-flaky" || c.AdminToken != "from-env" {
		t.Fatalf("config from the environment = %+v", c)
	}
	if c.Upstreams["crmcom"].Host != "tenant.example.com" || c.Upstreams["ucontact"].Host != "flag.example.com" {
		t.Fatalf("upstreams = %v: MOCKAUTH_UPSTREAM_<VENDOR>, the flag winning", c.Upstreams)
	}
	if c.JournalSize != 70 {
		t.Fatalf("journal size = %d: the flag must win over MOCKAUTH_JOURNAL_SIZE", c.JournalSize)
	}
	t.Setenv("MOCKAUTH_PORT_BASE", "many")
	if _, err := loadServe(nil); err == nil || !strings.Contains(err.Error(), `MOCKAUTH_PORT_BASE="many"`) {
		t.Fatalf("a bad environment value: %v", err)
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	stack, err := simulators.Start(simulators.Options{AdminToken: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	defer stack.Close()
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"health", "--admin", stack.AdminURL()}, &out, &errOut); code != 0 || out.String() != "ok\n" {
		t.Fatalf("health of a running stack (no token needed): %d %q %q", code, out.String(), errOut.String())
	}
	if code := run(context.Background(), []string{"health", "--admin", "http://127.0.0.1:1"}, &out, &errOut); code != 1 {
		t.Fatalf("health with no stack exited %d, want 1", code)
	}
}

// tally is the closing line the table prints for a vendor, counted from
// its contract.
func tally(t *testing.T, vendor string) string {
	t.Helper()
	spec, _ := simulators.SpecOf(vendor)
	rows, err := simulators.Fidelity(spec)
	if err != nil {
		t.Fatal(err)
	}
	evidence := 0
	for _, r := range rows {
		if r.Kind == contracts.KindEvidence {
			evidence++
		}
	}
	return fmt.Sprintf("\n%s: %d behaviours, %d on evidence, %d on a reading\n", vendor, len(rows), evidence, len(rows)-evidence)
}

// TestContractEvidence: the fidelity table from the binary's own
// contracts, as a table with each vendor's tally, or as JSON.
func TestContractEvidence(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"contract", "evidence"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{
		"VENDOR     BEHAVIOUR",
		"\nautoalert  no documented operation: 404, 405 ",
		"evidence  ASP.NET Web API's own answers: a documented path with another method gets 405",
		"\nucontact   EndSession 200 ",
		"(stub campaignstatus)",
		tally(t, "ucontact"),
		tally(t, "exotel"),
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("contract evidence printed\n%s\nwant it to contain %q", out.String(), want)
		}
	}
	out.Reset()
	if code := run(context.Background(), []string{"contract", "evidence", "--vendor", "crmcom", "--json"}, &out, &errOut); code != 0 {
		t.Fatalf("--json: exit %d: %s", code, errOut.String())
	}
	var rows []contracts.Basis
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
		t.Fatal(err)
	}
	// The contract's 15 behaviours, then the embedded stubs' 2.
	if len(rows) != 17 || rows[0].Operation != contracts.NoRoute || rows[1].Operation != "token" || rows[1].Kind != contracts.KindEvidence ||
		rows[15].Operation != "stub accounts_receivable_list" || rows[16].Kind != contracts.KindReading {
		t.Errorf("crmcom rows = %+v", rows)
	}
	errOut.Reset()
	if code := run(context.Background(), []string{"contract", "evidence", "--vendor", "nope"}, &out, &errOut); code != 2 ||
		!strings.Contains(errOut.String(), `unknown vendor "nope" (known: ucontact, crmcom, autoalert, exotel)`) {
		t.Errorf("--vendor nope: exit %d, stderr %q", code, errOut.String())
	}
}

// Every command answers -h and --help with its usage on stdout and exit 0;
// the top-level help lists every command.
func TestHelp_EveryCommand(t *testing.T) {
	t.Parallel()
	testCases := []struct {
		args []string
		want []string // on stdout
	}{
		{[]string{}, []string{"Available Commands:", "the flags below are serve's", "--port-base"}},
		{[]string{"serve"}, []string{"mockauth serve [flags]", "--port-base", "MOCKAUTH_PORT_BASE"}},
		{[]string{"env"}, []string{"mockauth env", "--wait", `out=$(mockauth env --wait 30s) && eval "$out"`, "--admin-url", "MOCKAUTH_ADMIN_URL"}},
		{[]string{"scenario"}, []string{"activate", "deactivate"}},
		{[]string{"scenario", "activate"}, []string{"mockauth scenario activate NAME", "--ttl", "--port-base"}},
		{[]string{"scenario", "list"}, []string{"mockauth scenario list", "--admin-url"}},
		{[]string{"stub", "add"}, []string{"mockauth stub add VENDOR NAME FILE", "--admin-url"}},
		{[]string{"clock", "advance"}, []string{"mockauth clock advance DURATION", "--admin-url"}},
		{[]string{"reset"}, []string{"mockauth reset", "--admin-url"}},
		{[]string{"contract"}, []string{"check sends the vendor's documented requests", "evidence"}},
		{[]string{"contract", "check"}, []string{"mockauth contract check", "--base-url", "--admin-url"}},
		{[]string{"contract", "evidence"}, []string{"mockauth contract evidence", "--json"}},
		{[]string{"conformance"}, []string{"-- CMD ARGS...", "MOCKAUTH_BASE_URL", "MOCKAUTH_EXOTEL_ACCOUNT_SID", "--vendor", "--deadline", "--skip"}},
		{[]string{"health"}, []string{"mockauth health", "--admin-url"}},
		{[]string{"version"}, []string{"mockauth version"}},
		{[]string{"help"}, []string{"mockauth help [COMMAND]"}},
	}
	for _, tc := range testCases {
		for _, flag := range []string{"-h", "--help"} {
			args := append(append([]string(nil), tc.args...), flag)
			var out, errOut bytes.Buffer
			if code := run(context.Background(), args, &out, &errOut); code != 0 || errOut.Len() != 0 {
				t.Errorf("mockauth %v: exit %d, stderr %q; want 0 and nothing on stderr", args, code, errOut.String())
			}
			for _, want := range tc.want {
				if !strings.Contains(out.String(), want) {
					t.Errorf("mockauth %v printed on stdout:\n%s\nwant it to contain %q", args, out.String(), want)
				}
			}
		}
	}
	var out, errOut bytes.Buffer
	run(context.Background(), []string{"--help"}, &out, &errOut)
	for _, c := range newRoot(io.Discard, io.Discard).Commands() {
		if !strings.Contains(out.String(), "\n  "+c.Name()+" ") {
			t.Errorf("the top-level help does not list %q:\n%s", c.Name(), out.String())
		}
	}
	// help COMMAND is the command's --help.
	var direct bytes.Buffer
	run(context.Background(), []string{"conformance", "--help"}, &direct, &errOut)
	out.Reset()
	if code := run(context.Background(), []string{"help", "conformance"}, &out, &errOut); code != 0 || out.String() != direct.String() {
		t.Errorf("mockauth help conformance: exit %d, printed\n%s\nwant what conformance --help prints", code, out.String())
	}
}

// contract check against the stack with a login that needs a security
// code: --user, --password and --code reach the login, and nothing drifts.
func TestContractCheck_SecurityCode(t *testing.T) {
	t.Parallel()
	stack, err := simulators.Start(simulators.Options{Vendors: []string{"autoalert"}})
	if err != nil {
		t.Fatal(err)
	}
	defer stack.Close()
	var out, errOut bytes.Buffer
	args := []string{"contract", "check", "--vendor", "autoalert", "--base-url", stack.URL("autoalert"), "--user", "secure", "--password", "secure-pass"}
	if code := run(context.Background(), args, &out, &errOut); code != 1 || !strings.Contains(out.String(), "DRIFT  authenticate\n") {
		t.Fatalf("without --code the login must drift (exit %d):\n%s%s", code, out.String(), errOut.String())
	}
	out.Reset()
	if code := run(context.Background(), append(args, "--code", "424242"), &out, &errOut); code != 0 {
		t.Fatalf("with --code: exit %d:\n%s%s", code, out.String(), errOut.String())
	}
}
