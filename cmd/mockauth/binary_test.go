package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mockauth/mockauth/internal/freeports"
	"github.com/mockauth/mockauth/internal/lockedbuf"
	"github.com/mockauth/mockauth/simulators"
)

// binPath is the mockauth binary built once for the tests that run it as
// a user would.
var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mockauth-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "mockauth")
	if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building mockauth: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is a running mockauth serve process.
type server struct {
	cmd      *exec.Cmd
	portBase int
	stdout   *lockedbuf.Buffer
	stderr   *lockedbuf.Buffer
	exited   chan error
}

func (s *server) url(offset int, scheme string) string {
	return fmt.Sprintf("%s://127.0.0.1:%d", scheme, s.portBase+offset)
}

// freeBase finds a port base with room for the whole stack.
func freeBase(t *testing.T) int {
	t.Helper()
	base, err := freeports.Base(simulators.Ports())
	if err != nil {
		t.Fatal(err)
	}
	return base
}

// startServer runs mockauth serve and waits for its banner.
func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	for attempt := 0; ; attempt++ {
		s := &server{portBase: freeBase(t), stdout: &lockedbuf.Buffer{}, stderr: &lockedbuf.Buffer{}, exited: make(chan error, 1)}
		s.cmd = exec.Command(binPath, append([]string{"serve", "--port-base", fmt.Sprint(s.portBase)}, args...)...)
		s.cmd.Stdout, s.cmd.Stderr = s.stdout, s.stderr
		if err := s.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { s.exited <- s.cmd.Wait() }()
		deadline := time.After(10 * time.Second)
	wait:
		for {
			select {
			case err := <-s.exited:
				if strings.Contains(s.stderr.String(), "address already in use") && attempt < 3 {
					break wait // a port was taken between probe and start: try another base
				}
				t.Fatalf("mockauth serve exited early: %v\nstderr:\n%s", err, s.stderr.String())
			case <-deadline:
				_ = s.cmd.Process.Kill()
				t.Fatalf("no banner within 10s; stdout:\n%s\nstderr:\n%s", s.stdout.String(), s.stderr.String())
			case <-time.After(20 * time.Millisecond):
				if strings.Contains(s.stdout.String(), "ucontact") {
					t.Cleanup(func() {
						if s.cmd.ProcessState == nil {
							_ = s.cmd.Process.Kill()
						}
					})
					return s
				}
			}
		}
	}
}

// stop sends sig and waits for a clean exit.
func (s *server) stop(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-s.exited:
		if err != nil {
			t.Fatalf("mockauth exited with %v after %v; stderr:\n%s", err, sig, s.stderr.String())
		}
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		t.Fatalf("mockauth did not exit within 15s of %v", sig)
	}
}

func runTool(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("%s %v: %v\n%s", name, args, err, stderr)
	}
	return string(out)
}

func need(t *testing.T, tool string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing: .ci/run must install it", tool)
		}
		t.Skipf("%s is not installed here", tool)
	}
}

var quotedToken = regexp.MustCompile(`^"[A-Za-z0-9+/]+={0,2}"$`)

// The client page's own curl command, pointed at the simulator.
func TestServe_VendorPageCurl(t *testing.T) {
	t.Parallel()
	need(t, "curl")
	s := startServer(t)
	curl := func(user, password string) string {
		return runTool(t, nil, "curl", "--silent", "--show-error", "--location", "--request", "POST",
			s.url(1, "http")+"/Integra/resources/auth/getUserToken",
			"--header", "Content-Type: application/x-www-form-urlencoded",
			"--data-urlencode", "user="+user,
			"--data-urlencode", "password="+password)
	}
	if got := curl("demo", "demo"); !quotedToken.MatchString(got) {
		t.Errorf("page curl, demo login: %q, want a quoted token", got)
	}
	const unique = "Curl-Unique-Secret-9z8y"
	if got := curl("demo", unique); got != `"0"` {
		t.Errorf("page curl, wrong password: %q, want %q", got, `"0"`)
	}
	journal := runTool(t, nil, "curl", "--silent", s.url(0, "http")+"/__admin/requests")
	if strings.Contains(journal, unique) {
		t.Error("the journal shows the password")
	}
	s.stop(t, syscall.SIGTERM)
	if strings.Contains(s.stderr.String(), unique) || strings.Contains(s.stdout.String(), unique) {
		t.Error("the server log shows the password")
	}
	for _, line := range []string{"admin ", "ucontact ", "demo: agentPassword=1997 agentUser=1997 password=demo user=demo",
		"adminToken=(mockauth env) adminUser=demo.admin"} {
		if !strings.Contains(s.stdout.String(), line) {
			t.Errorf("banner lacks %q:\n%s", line, s.stdout.String())
		}
	}
	if strings.Contains(s.stdout.String(), "eyJ") {
		t.Errorf("the banner prints a live bearer:\n%s", s.stdout.String())
	}
	if !strings.Contains(s.stderr.String(), "stopped") {
		t.Errorf("no clean stop logged:\n%s", s.stderr.String())
	}
}

// The agent page's own Python http.client sample, over --tls, trusting the
// written CA through SSL_CERT_FILE.
func TestServe_VendorPagePythonOverTLS(t *testing.T) {
	t.Parallel()
	need(t, "python3")
	dir := t.TempDir()
	s := startServer(t, "--tls", "--tls-dir", dir)
	sample := func(agent, password string) string {
		script := fmt.Sprintf(`import http.client

conn = http.client.HTTPSConnection("127.0.0.1:%d")
payload = 'agent=%s&password=%s'
headers = {
  'Content-Type': 'application/x-www-form-urlencoded'
}
conn.request("POST", "/Integra/resources/auth/AgentLogin", payload, headers)
res = conn.getresponse()
data = res.read()
print(data.decode("utf-8"))
`, s.portBase+1, agent, password)
		return runTool(t, []string{"SSL_CERT_FILE=" + filepath.Join(dir, "ca.pem")}, "python3", "-c", script)
	}
	got := sample("1997", "1997")
	if !strings.HasPrefix(got, `{"id":4,"name":"1997","host":"127.0.0.1:`) || !strings.Contains(got, `"fullname":"Victor Cisneros","token":"`) {
		t.Errorf("python sample, good login printed %q", got)
	}
	if got := sample("1997", "wrong"); got != "0\n" {
		t.Errorf("python sample, wrong password printed %q, want 0", got)
	}
	if !strings.Contains(s.stdout.String(), "TLS CA: "+filepath.Join(dir, "ca.pem")) {
		t.Errorf("banner does not name the CA file:\n%s", s.stdout.String())
	}
	s.stop(t, syscall.SIGINT)
}

func TestServe_EnvAgainstTheBinary(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	out := runTool(t, nil, binPath, "env", "--port-base", fmt.Sprint(s.portBase))
	if !strings.Contains(out, "export MOCKAUTH_UCONTACT_URL="+s.url(1, "http")+"\n") {
		t.Errorf("env printed:\n%s", out)
	}
	s.stop(t, syscall.SIGINT)
}

// The banner advertises the demo logins of the fixtures it loaded.
func TestServe_BannerShowsTheLoadedDemoLogins(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, data := range otherDemos {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := startServer(t, "--fixtures", dir)
	s.stop(t, syscall.SIGTERM)
	for _, want := range []string{"demo: agentPassword=agent-3001 agentUser=3001 password=alice-pass user=alice",
		"organisation=ACME", "codeUser=erin", "adminUser=frank.admin", "user=grace"} {
		if !strings.Contains(s.stdout.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, s.stdout.String())
		}
	}
	if strings.Contains(s.stdout.String(), "user=demo") || strings.Contains(s.stdout.String(), "mpadministrator") {
		t.Errorf("banner advertises the embedded demo logins:\n%s", s.stdout.String())
	}
	if !strings.Contains(s.stdout.String(), "fixtures: "+filepath.Join(dir, "ucontact.yaml")) {
		t.Errorf("the banner does not say where ucontact's fixtures came from:\n%s", s.stdout.String())
	}
}

// Issue 30: a fixtures directory that would be read as nothing stops the
// start with the reason (it used to serve the embedded demo data, exit 0),
// and the banner says where each vendor's fixtures came from.
func TestServe_LoudFixtures(t *testing.T) {
	t.Parallel()
	typo := t.TempDir()
	if err := os.WriteFile(filepath.Join(typo, "ucontat.yaml"), []byte("users:\n  demo: {password: x}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	key := t.TempDir()
	if err := os.WriteFile(filepath.Join(key, "ucontact.yaml"), []byte("settings:\n  tokenLifetme: 5m\nusers:\n  demo: {password: x}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		dir, want string
	}{
		{filepath.Join(typo, "nosuchdir"), "fixtures directory: stat " + filepath.Join(typo, "nosuchdir") + ": no such file or directory"},
		{typo, filepath.Join(typo, "ucontat.yaml") + ` names no vendor (did you mean "ucontact.yaml"?)`},
		{key, filepath.Join(key, "ucontact.yaml") + `:2: unknown key "tokenLifetme" (did you mean "tokenLifetime"?)`},
	} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), []string{"serve", "--port-base", fmt.Sprint(freeBase(t)), "--fixtures", tc.dir}, &out, &errOut); code != 1 ||
			!strings.Contains(errOut.String(), tc.want) {
			t.Errorf("--fixtures %s: exit %d, stderr %q; want 1 and %q", tc.dir, code, errOut.String(), tc.want)
		}
	}
	s := startServer(t)
	s.stop(t, syscall.SIGTERM)
	if !strings.Contains(s.stdout.String(), "fixtures: embedded") {
		t.Errorf("the banner does not say the fixtures are the embedded ones:\n%s", s.stdout.String())
	}
}

func TestServe_RefusesBrokenFixtures(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ucontact.yaml"), []byte("users:\n  demo:\n    password: x\n  bad: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binPath, "serve", "--port-base", fmt.Sprint(freeBase(t)), "--fixtures", dir)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatal("serve started with a broken fixture")
	}
	if !strings.Contains(string(out), filepath.Join(dir, "ucontact.yaml")+":4:") {
		t.Fatalf("error does not name file and line:\n%s", out)
	}
}

// `make run` in a terminal, then Ctrl-C: the stack stops cleanly and make
// ends quietly with exit 0 (no "*** [run] Interrupt", no 130). script(1)
// gives make a terminal; a ^C typed into it reaches the foreground job.
func TestMakeRun_CtrlCExitsZero(t *testing.T) {
	t.Parallel()
	need(t, "make")
	need(t, "script")
	bin := filepath.Join(t.TempDir(), "mockauth")
	for attempt := 0; ; attempt++ {
		base := freeBase(t)
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute) // the first build on a new machine is slow
		defer cancel()
		cmd := exec.CommandContext(ctx, "script", "-qfec",
			fmt.Sprintf("make -s -C ../.. run BIN=%s ARGS='--port-base %d'", bin, base), "/dev/null")
		out := &lockedbuf.Buffer{}
		cmd.Stdout, cmd.Stderr = out, out
		keys, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		// Wait for the banner's log line, or for make to end.
		var ended error
		for ended == nil && !strings.Contains(out.String(), "mockauth serving") {
			select {
			case err := <-exited:
				ended = fmt.Errorf("exited: %v", err)
			case <-time.After(50 * time.Millisecond):
			}
		}
		if ended != nil {
			if strings.Contains(out.String(), "address already in use") && attempt < 3 {
				continue // a port was taken between probe and start: try another base
			}
			t.Fatalf("make run ended before serving: %v\n%s", ended, out.String())
		}
		if _, err := keys.Write([]byte{3}); err != nil { // Ctrl-C
			t.Fatal(err)
		}
		select {
		case err := <-exited:
			if err != nil {
				t.Fatalf("make run after Ctrl-C: %v (want exit 0)\n%s", err, out.String())
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("make run still running 30 s after Ctrl-C\n%s", out.String())
		}
		for _, bad := range []string{"***", "Error", "Interrupt"} {
			if strings.Contains(out.String(), bad) {
				t.Errorf("make run printed %q after Ctrl-C:\n%s", bad, out.String())
			}
		}
		if !strings.Contains(out.String(), "msg=stopped") {
			t.Errorf("no clean stop logged:\n%s", out.String())
		}
		return
	}
}

// The version a build stamps (make build, the Dockerfile's VERSION) is
// what --version and version print.
func TestVersion_Stamped(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "mockauth")
	if out, err := exec.Command("go", "build", "-ldflags", "-X main.stampedVersion=v9.8.7-test", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, args := range [][]string{{"--version"}, {"version"}} {
		out, err := exec.Command(bin, args...).Output()
		if err != nil || !strings.HasPrefix(string(out), "mockauth v9.8.7-test") {
			t.Errorf("mockauth %v: %q %v", args, out, err)
		}
	}
}

// `make install PREFIX=DIR` puts a working mockauth in DIR/bin, the one
// the README's commands call.
func TestMakeInstall(t *testing.T) {
	t.Parallel()
	need(t, "make")
	need(t, "install")
	dir := t.TempDir()
	bin := filepath.Join(dir, "build", "mockauth")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "make", "-s", "-C", "../..", "install", "BIN="+bin, "PREFIX="+filepath.Join(dir, "prefix")).CombinedOutput(); err != nil {
		t.Fatalf("make install: %v\n%s", err, out)
	}
	out, err := exec.Command(filepath.Join(dir, "prefix", "bin", "mockauth"), "--version").CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) == 0 {
		t.Fatalf("the installed mockauth --version: %v %q", err, out)
	}
}
