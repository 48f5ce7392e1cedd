package pipeline

import (
	"context"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mockauth/mockauth/internal/lockedbuf"
	"github.com/mockauth/mockauth/simulators/ucontact"
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

// Through a pipeline: lines of plain exchanges are sampled, an exchange
// that went otherwise (here: matching no documented operation, and
// refused as too large) is always logged, and the lines left out are
// counted at Stop, to the line.
func TestRequestLines_SampledButNeverTheUnusual(t *testing.T) {
	var out lockedbuf.Buffer
	r := newRig(t, ucontact.Spec, func(sc *SharedConfig, _ *Config) { sc.Log = slog.New(slog.NewTextHandler(&out, nil)) })
	r.sh.SetLineLimit(0) // no plain line passes: the count is exact whatever the clock does
	const plain = 25
	for range plain {
		r.post(t, ucontact.PathGetUserToken, "application/x-www-form-urlencoded", "user=demo&password=demo")
	}
	r.post(t, "/Integra/resources/nowhere", "text/plain", "")
	r.post(t, ucontact.PathGetUserToken, "application/x-www-form-urlencoded", strings.Repeat("x", MaxBodyBytes+1)) // refused: 413
	if n := len(r.entries()); n != plain+2 {
		t.Fatalf("the journal kept %d exchanges, want every one (%d)", n, plain+2)
	}
	r.sh.Stop()
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
}
