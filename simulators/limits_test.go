package simulators_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mockauth/mockauth/simulators"
	"github.com/mockauth/mockauth/simulators/journal"
	"github.com/mockauth/mockauth/simulators/ucontact"
)

// An idle keep-alive connection is closed after the idle timeout, on a
// vendor's port and the admin API's (issue 21, B3).
func TestLimits_IdleConnectionsAreClosed(t *testing.T) {
	t.Parallel()
	s := start(t, simulators.Options{Vendors: []string{ucontact.Name}, IdleTimeout: 200 * time.Millisecond})
	var conns []net.Conn
	for _, base := range []string{s.URL(ucontact.Name), s.AdminURL()} {
		for range 20 {
			c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			fmt.Fprintf(c, "GET /__admin/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
			res, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			conns = append(conns, c)
		}
	}
	for i, c := range conns {
		// The server closes it: a read ends (EOF) well before the deadline,
		// which only bounds the test.
		_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err != io.EOF {
			t.Fatalf("connection %d: %v, want the server to close it (EOF)", i, err)
		}
	}
}

// A body that trickles in is given up after the body timeout: 400, and
// the connection is not held (issue 21, B3).
func TestLimits_SlowBodyIsGivenUp(t *testing.T) {
	t.Parallel()
	s := start(t, simulators.Options{Vendors: []string{ucontact.Name}, BodyTimeout: 200 * time.Millisecond})
	c, err := net.Dial("tcp", strings.TrimPrefix(s.URL(ucontact.Name), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nuser=demo", ucontact.PathGetUserToken)
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 400 || string(body) != simulators.MsgBodyUnread {
		t.Fatalf("a stalled body: %d %q", res.StatusCode, body)
	}
}

// Config files: only regular files of at most 4 MiB are read (a FIFO or
// /dev/zero is refused, not waited on), and a reload that finds a loaded
// fixture file deleted keeps what is loaded (issue 21, B14, B15).
func TestLimits_ConfigFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.yaml")
	writeFile(t, big, strings.Repeat("#", simulators.MaxConfigBytes+1))
	for path, want := range map[string]string{
		fifo:        "is not a regular file",
		"/dev/zero": "is not a regular file",
		big:         "a fixtures or scenarios file has at most 4194304",
	} {
		if _, err := simulators.ReadConfig(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ReadConfig(%s): %v, want %q", path, err, want)
		}
	}

	fixtures := t.TempDir()
	file := filepath.Join(fixtures, "ucontact.yaml")
	writeFile(t, file, "users:\n  alpha:\n    password: a-pass\n")
	s := start(t, simulators.Options{Vendors: []string{ucontact.Name}, FixturesDir: fixtures})
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	if err := s.ReloadFixtures(fixtures); err == nil || !strings.Contains(err.Error(), "ucontact.yaml: file does not exist: what is loaded stays") {
		t.Fatalf("reload after the file was deleted: %v", err)
	}
	if r := login(t, s, "alpha", "a-pass"); r.body == `"0"` {
		t.Error("the deleted file's user no longer logs in: the embedded fixtures came back")
	}
}

// Issue 31, N15: a request URI past 8 KiB is refused 414 before any work:
// no near-miss diagnosis, no vendor answer echoing it, a capped journal
// entry.
func TestHostile_LongURIRefused(t *testing.T) {
	t.Parallel()
	s := start(t, simulators.Options{Vendors: []string{"ucontact"}})
	r := send(t, s.Client(), http.MethodGet, s.URL("ucontact")+"/"+strings.Repeat("a", 60<<10), "", "")
	if r.status != http.StatusRequestURITooLong || r.body != simulators.MsgURITooLong || r.header.Get(simulators.HeaderDiagnosis) != "" {
		t.Fatalf("a 60 KB path: %d %q %v", r.status, r.body, r.header)
	}
	entries := s.Requests(journal.Filter{}, 1)
	if len(entries) != 1 || len(entries[0].Path) > 4<<10 || entries[0].Outcome != journal.OutcomeRefused {
		t.Fatalf("journal: %+v", entries)
	}
}
