package simulators_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mockauth/mockauth/simulators"
	"github.com/mockauth/mockauth/simulators/journal"
	"github.com/mockauth/mockauth/simulators/ucontact"
)

// rawExchange sends one request on a fresh connection and returns the
// answer's bytes as they came.
func rawExchange(t *testing.T, base, request string) string {
	t.Helper()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(bufio.NewReader(conn))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The 401 of a Java vendor spells WWW-Authenticate as Tomcat writes it
// (evidence D18), on the wire and in the journal; Date follows the
// simulated clock, like every time in the bodies.
func TestHeaders_VendorSpellingAndSimulatedDate(t *testing.T) {
	t.Parallel()
	s := start(t, simulators.Options{Vendors: []string{ucontact.Name}})
	logoff := "POST " + ucontact.PathAgentLogoff + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\nConnection: close\r\n\r\nagent=a"
	got := rawExchange(t, s.URL(ucontact.Name), logoff)
	if !strings.HasPrefix(got, "HTTP/1.1 401") || !strings.Contains(got, "\r\nWWW-Authenticate: "+ucontact.WWWAuthenticate+"\r\n") || strings.Contains(got, "Www-Authenticate") {
		t.Fatalf("401 answer, as sent:\n%s", got)
	}
	e := s.Requests(journal.Filter{}, 1)[0]
	if e.ResponseHeaders["WWW-Authenticate"] == nil {
		t.Errorf("the journal shows the headers as %v", e.ResponseHeaders)
	}

	date := func() time.Time {
		t.Helper()
		res, err := s.Client().Post(s.URL(ucontact.Name)+ucontact.PathGetUserToken, formCT, strings.NewReader("user=demo&password=demo"))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		d, err := http.ParseTime(res.Header.Get("Date"))
		if err != nil {
			t.Fatalf("Date %q: %v", res.Header.Get("Date"), err)
		}
		return d
	}
	before := date()
	if got := send(t, http.DefaultClient, "POST", s.AdminURL()+"/__admin/clock", "application/json", `{"advance":"240h"}`); got.status != 200 {
		t.Fatalf("moving the clock: %d %s", got.status, got.body)
	}
	if after := date(); after.Sub(before) < 240*time.Hour {
		t.Fatalf("Date went from %v to %v after the clock moved 240h", before, after)
	}
}
