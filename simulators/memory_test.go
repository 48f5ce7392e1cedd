package simulators_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/mockauth/mockauth/simulators"
	"github.com/mockauth/mockauth/simulators/journal"
	"github.com/mockauth/mockauth/simulators/ucontact"
)

// The same exchanges over real ports and in memory (Options.NoListener)
// answer alike: the whole pipeline runs either way.
func TestStack_ListenerAndInMemoryAnswerAlike(t *testing.T) {
	t.Parallel()
	for _, noListener := range []bool{false, true} {
		t.Run(map[bool]string{false: "listener", true: "in memory"}[noListener], func(t *testing.T) {
			t.Parallel()
			s := start(t, simulators.Options{NoListener: noListener})
			c := s.Client()
			if got := login(t, s, "demo", "demo"); got.status != 200 || !strings.HasPrefix(got.body, `"`) || got.body == ucontact.BodyQuotedZero {
				t.Fatalf("demo login: %d %q", got.status, got.body)
			}
			if got := login(t, s, "demo", "wrong"); got.status != 200 || got.body != ucontact.BodyQuotedZero {
				t.Fatalf("wrong password: %d %q", got.status, got.body)
			}
			if got := send(t, c, "GET", s.AdminURL()+"/__admin/vendors", "", ""); got.status != 200 || !strings.Contains(got.body, `"name": "exotel"`) {
				t.Fatalf("admin vendors: %d %s", got.status, got.body)
			}
			if _, err := s.Scenarios().Activate("ucontact-flaky", 0); err != nil {
				t.Fatal(err)
			}
			if got := login(t, s, "demo", "demo"); got.status != 503 {
				t.Fatalf("with ucontact-flaky on: %d", got.status)
			}
			if n := len(s.Requests(journal.Filter{Vendor: "ucontact"}, 0)); n != 3 {
				t.Fatalf("journal holds %d uContact requests, want 3", n)
			}
			if noListener && s.Handler("ucontact") == nil {
				t.Fatal("no handler for ucontact")
			}
		})
	}
}

// In memory, a fault that breaks the connection is a transport error, as
// over a socket: never an empty answer.
func TestStack_InMemoryBrokenConnection(t *testing.T) {
	t.Parallel()
	s := start(t, simulators.Options{NoListener: true, Activate: []string{"ucontact-reset"}})
	req, _ := http.NewRequest("POST", s.URL(ucontact.Name)+ucontact.PathGetUserToken, strings.NewReader("user=demo&password=demo"))
	req.Header.Set("Content-Type", formCT)
	res, err := s.Client().Do(req)
	if err == nil {
		res.Body.Close()
		t.Fatalf("answer %d, want a broken connection", res.StatusCode)
	}
	if !errors.Is(err, simulators.ErrBrokenInMemory) {
		t.Fatalf("error %v, want ErrBrokenInMemory", err)
	}
}
