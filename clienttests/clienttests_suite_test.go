package clienttests_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockauth/mockauth/clienttests"
)

// startedFile, when set, is where the suite writes how many cases it ran
// (TestClientTests_FocusNarrowsWhatRuns runs the suite so).
const startedFile = "MOCKAUTH_TEST_STARTED_FILE"

func TestClientTests(t *testing.T) {
	RegisterFailHandler(Fail)
	clienttests.RunSuite(t, "Client conformance")
	if f := os.Getenv(startedFile); f != "" {
		_ = os.WriteFile(f, []byte(strconv.FormatInt(clienttests.StartedCases(), 10)), 0o600)
	}
}

// Ginkgo's --focus chooses what runs: a focused run of one case starts
// that case alone, not the whole batch of the reference clients.
func TestClientTests_FocusNarrowsWhatRuns(t *testing.T) {
	if os.Getenv(startedFile) != "" {
		t.Skip("the child run of the suite")
	}
	t.Parallel()
	out := filepath.Join(t.TempDir(), "started")
	cmd := exec.Command(os.Args[0], "-test.run", "^TestClientTests$", "-ginkgo.focus", `ucontact getUserToken conformance case demo login \(`)
	cmd.Env = append(os.Environ(), startedFile+"="+out)
	// The child's closing lines are its own: captured, never printed (CI
	// reads this process's).
	output, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the focused suite failed: %v\n%s", err, output)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := strconv.Atoi(strings.TrimSpace(string(got))); n != 1 {
		t.Fatalf("a run focused on one case started %s cases\n%s", got, output)
	}
}
