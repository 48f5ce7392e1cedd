package simulators

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mockauth/mockauth/internal/lockedbuf"
	"github.com/mockauth/mockauth/simulators/journal"
)

// The sampler lets the first lines of each second through and counts the
// rest, reported when the next second starts; at debug level, all pass.
func TestLineSampler(t *testing.T) {
	var out lockedbuf.Buffer
	log := slog.New(slog.NewTextHandler(&out, nil))
	var s lineSampler
	s.limit.Store(3)
	base := time.Unix(1_800_000_000, 0)
	passed := 0
	for i := range 10 {
		if s.allow(context.Background(), log, base.Add(time.Duration(i)*time.Millisecond)) {
			passed++
		}
	}
	if passed != 3 || strings.Contains(out.String(), "left out") {
		t.Fatalf("in one second: %d passed (want 3), log %q", passed, out.String())
	}
	if !s.allow(context.Background(), log, base.Add(time.Second)) {
		t.Fatal("the first line of the next second was left out")
	}
	if !regexp.MustCompile(`msg="request lines left out" lines=7 `).MatchString(out.String()) {
		t.Fatalf("the report of the last second: %q", out.String())
	}
	debug := slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for range 10 {
		if !s.allow(context.Background(), debug, base.Add(time.Second)) {
			t.Fatal("a line was left out at debug level")
		}
	}
}

// Through a stack: lines of plain exchanges are sampled, an exchange that
// went otherwise (here: matching no documented operation, and refused as
// too large) is always logged, and the lines left out are counted at
// Close, to the line.
func TestRequestLines_SampledButNeverTheUnusual(t *testing.T) {
	var out lockedbuf.Buffer
	s, err := Start(Options{Vendors: []string{"ucontact"}, Logger: slog.New(slog.NewTextHandler(&out, nil))})
	if err != nil {
		t.Fatal(err)
	}
	s.lines.limit.Store(0) // no plain line passes: the count is exact whatever the clock does
	h := s.Handler("ucontact")
	const plain = 25
	for range plain {
		r := httptest.NewRequest("POST", "/Integra/resources/auth/getUserToken", strings.NewReader("user=demo&password=demo"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/Integra/resources/nowhere", nil))
	big := httptest.NewRequest("POST", "/Integra/resources/auth/getUserToken", strings.NewReader(strings.Repeat("x", MaxBodyBytes+1)))
	big.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	h.ServeHTTP(httptest.NewRecorder(), big) // refused: 413
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	log := out.String()
	if strings.Count(log, "msg=request ") != 2 || !strings.Contains(log, "diagnosis=") || !strings.Contains(log, "status=413") {
		t.Fatalf("want the lines of the unmatched request and of the refused one, got:\n%s", log)
	}
	left := 0
	for _, m := range regexp.MustCompile(`msg="request lines left out" lines=(\d+)`).FindAllStringSubmatch(log, -1) {
		n, _ := strconv.Atoi(m[1])
		left += n
	}
	if left != plain {
		t.Fatalf("lines left out: %d reported, want %d:\n%s", left, plain, log)
	}
	if n := len(s.Requests(journal.Filter{}, 0)); n != plain+2 {
		t.Fatalf("the journal kept %d exchanges, want every one (%d)", n, plain+2)
	}
}
