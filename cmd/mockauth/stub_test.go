package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mockauth/mockauth/simulators"
)

func TestStubCLI(t *testing.T) {
	t.Parallel()
	stack, err := simulators.Start(simulators.Options{Vendors: []string{"crmcom"}})
	if err != nil {
		t.Fatal(err)
	}
	defer stack.Close()
	admin := stack.AdminURL()
	cli := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := run(context.Background(), append([]string{"stub"}, args...), &out, &errOut)
		return code, out.String(), errOut.String()
	}
	file := filepath.Join(t.TempDir(), "ping.yaml")
	if err := os.WriteFile(file, []byte("method: GET\npath: /crmapi/rest/v2/ping\nauth: token\nresponse: {body: 'pong {{.Login.user}}'}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := cli("add", "crmcom", "ping", file, "--admin", admin); code != 0 || out != "crmcom/ping added: GET /crmapi/rest/v2/ping (auth: token)\n" {
		t.Fatalf("add: %d %q %q", code, out, errOut)
	}
	res, err := stack.Client().Get(stack.URL("crmcom") + "/crmapi/rest/v2/ping?token=nope")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK { // CRM.COM refuses in its envelope, with HTTP 200
		t.Fatalf("the added stub: %d", res.StatusCode)
	}
	code, out, _ := cli("list", "crmcom", "--admin", admin)
	if code != 0 || !strings.Contains(out, "crmcom  ping") || !strings.Contains(out, "GET /crmapi/rest/v2/ping") || !strings.Contains(out, "admin API") ||
		!strings.Contains(out, "accounts_receivable_list") {
		t.Fatalf("list: %d\n%s", code, out)
	}
	if code, out, _ := cli("remove", "crmcom", "ping", "--admin", admin); code != 0 || out != "crmcom/ping removed\n" {
		t.Fatalf("remove: %d %q", code, out)
	}
	if code, _, errOut := cli("remove", "crmcom", "accounts_receivable_list", "--admin", admin); code != 1 || !strings.Contains(errOut, "declared in the fixtures") {
		t.Fatalf("remove a fixture's stub: %d %q", code, errOut)
	}
	if err := os.WriteFile(file, []byte("method: GET\npath: /x\nauth: sesame\nresponse: {body: x}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := cli("add", "crmcom", "bad", file, "--admin", admin); code != 1 || !strings.Contains(errOut, `:3: stub bad: auth "sesame"`) {
		t.Fatalf("a bad stub: %d %q", code, errOut)
	}
	if code, _, _ := cli("add", "crmcom", "--admin", admin); code != 2 {
		t.Fatalf("add without a file exited %d, want 2", code)
	}
}
