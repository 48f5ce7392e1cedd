package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mockauth/mockauth/internal/freeports"
	"github.com/mockauth/mockauth/simulators"
)

// docs-check against pages written for this test, on a stack of its own:
// a working example passes, and each way an example or a link can be
// wrong fails, naming it.
func TestDocsCheck(t *testing.T) {
	base, err := freeports.Base(simulators.Ports())
	if err != nil {
		t.Fatal(err)
	}
	portBase = base
	dir := t.TempDir()
	bin := filepath.Join(dir, "mockauth")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/mockauth").CombinedOutput(); err != nil {
		t.Fatalf("building mockauth: %v\n%s", err, out)
	}
	uc := fmt.Sprintf("http://127.0.0.1:%d/Integra/resources/auth", base+1)
	page := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := page("good.md", "# Good\n\nSee [the other](other.md#a-heading).\n\n```sh\ncurl -s -X POST "+uc+"/getUserToken --data-urlencode user=demo --data-urlencode password=demo\n# prints: \"ZGVtbz\n```\n\n"+
		"<!-- docs-check: skip: needs a real tenant -->\n```sh\nexit 1\n```\n")
	page("other.md", "# Other\n\n## A heading\n")
	for _, c := range []struct{ name, body, want string }{
		{"misspelt.md", "```sh\ncurl -s -X POST " + uc + "/getUserTokn --data-urlencode user=demo --data-urlencode password=demo\n```\n", "no documented operation matches (a misspelt path?): ucontact POST /Integra/resources/auth/getUserTokn"},
		{"output.md", "```sh\ncurl -s -X POST " + uc + "/getUserToken --data-urlencode user=demo --data-urlencode password=wrong\n# prints: \"ZGVtbz\n```\n", `does not contain "\"ZGVtbz"`},
		{"fails.md", "```sh\nmockauth scenario activate no-such-scenario --port-base " + fmt.Sprint(base) + "\n```\n", "fails as written"},
		{"link.md", "# L\n\n[gone](nowhere.md)\n", "link to nowhere.md: no such file"},
		{"anchor.md", "# L\n\n[here](#nothing)\n", "has no heading #nothing"},
	} {
		err := run(bin, []string{good, page(c.name, c.body)})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want an error saying %q", c.name, err, c.want)
		}
	}
	if err := run(bin, []string{good}); err != nil {
		t.Errorf("a page whose example works: %v", err)
	}
}
