package simulators

import (
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"
	"time"

	"github.com/mockauth/mockauth/simulators/ucontact"
)

// A keep-alive client that calls during the drain window is answered on
// its idle connection, and told to leave it (Connection: close), instead
// of sending into a connection the shutdown closes (hardening issue 21,
// B8: POSTs were lost that way).
func TestClose_DrainWindowAnswersOnIdleConnections(t *testing.T) {
	s, err := Start(Options{Vendors: []string{ucontact.Name}, DrainWindow: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	login := func() (*http.Response, bool) {
		t.Helper()
		reused := false
		trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { reused = i.Reused }}
		req, _ := http.NewRequest(http.MethodPost, s.URL(ucontact.Name)+ucontact.PathGetUserToken, strings.NewReader("user=demo&password=demo"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := c.Do(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body) // read to the end: the connection goes back to the pool
		res.Body.Close()
		return res, reused
	}
	if res, _ := login(); res.StatusCode != http.StatusOK || res.Close {
		t.Fatalf("before Close: %d, close %v", res.StatusCode, res.Close)
	}
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	for deadline := time.Now().Add(10 * time.Second); !s.draining.Load(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("Close never began its drain window")
		}
	}
	res, reused := login()
	if res.StatusCode != http.StatusOK || !reused || !res.Close {
		t.Fatalf("in the drain window: %d, reused the idle connection %v, told to close it %v", res.StatusCode, reused, res.Close)
	}
	// The only connection has closed: Close ends well before its window.
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
}
