package simulators_test

import (
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/mockauth/mockauth/simulators"
	"github.com/mockauth/mockauth/simulators/ucontact"
)

// The hostile-traffic suite (issue 21): each test replays a finding with a
// bounded count on loopback and asserts its bound. A few take the issue's
// full figures only under `make soak` (MOCKAUTH_SOAK set): in the gate they
// run a count that still tells a leak from none.

// fatLogins is how many 1 MiB logins TestHostile_FatLoginsDoNotStay sends.
func fatLogins() int {
	if os.Getenv("MOCKAUTH_SOAK") != "" {
		return 2_000
	}
	return 60
}

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// B1: logins with 1 MiB bodies, half good (their token's login name once
// kept the whole body alive), half with the padding in the login name (the
// journal's user field kept it): after them the live heap stays bounded.
func TestHostile_FatLoginsDoNotStay(t *testing.T) {
	n := fatLogins()
	s := start(t, simulators.Options{Vendors: []string{ucontact.Name}})
	c := s.Client()
	pad := strings.Repeat("x", 1<<20-64)
	before := heapInUse()
	for i := range n {
		form := url.Values{"user": {"demo"}, "password": {"demo"}, "pad": {pad}}
		if i%2 == 1 {
			form = url.Values{"user": {pad}, "password": {"demo"}}
		}
		res, err := c.Post(s.URL(ucontact.Name)+ucontact.PathGetUserToken, formCT, strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("login %d: %d", i, res.StatusCode)
		}
	}
	s.Sync()
	after := heapInUse()
	// Kept bodies would grow the heap by about n MiB; the journal's clipped
	// copies (64 KiB of each) and the tokens are far less.
	const bound = 100 << 20
	t.Logf("%d logins of 1 MiB: live heap %d MiB -> %d MiB", n, before>>20, after>>20)
	if after > before+uint64(n)<<20/3 || after > bound {
		t.Fatalf("%d logins of 1 MiB left the live heap at %d MiB (from %d MiB): request bodies are kept", n, after>>20, before>>20)
	}
}
