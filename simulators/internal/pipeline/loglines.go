package pipeline

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// requestLinesPerSecond is how many request lines of plain exchanges
// (documented, answered by the vendor, no fault, no violation) the log
// gets a second at info. A load test sends thousands a second: each line
// took about as long to format as the vendor took to answer, and a
// terminal scrolling that fast shows nothing. The rest of a second are
// counted, and one line says how many were left out. Every exchange is
// still in the journal; at debug level every line is written.
const requestLinesPerSecond = 100

// lineSampler lets through the first requestLinesPerSecond plain request
// lines of each second, stack-wide.
type lineSampler struct {
	limit   atomic.Int64 // lines a second; the stack sets requestLinesPerSecond
	second  atomic.Int64 // the Unix second being counted
	written atomic.Int64 // lines let through in it
	skipped atomic.Int64 // lines left out in it
}

// allow reports whether a plain request line is written now; the first
// call of a new second first logs how many the last one left out.
func (s *lineSampler) allow(ctx context.Context, log *slog.Logger, now time.Time) bool {
	if log.Enabled(ctx, slog.LevelDebug) {
		return true
	}
	sec := now.Unix()
	if cur := s.second.Load(); cur != sec && s.second.CompareAndSwap(cur, sec) {
		s.written.Store(0)
		s.report(ctx, log, cur)
	}
	if s.written.Add(1) <= s.limit.Load() {
		return true
	}
	s.skipped.Add(1)
	return false
}

// report logs how many lines the given second left out, if any; the
// stack calls it at Close for the last second.
func (s *lineSampler) report(ctx context.Context, log *slog.Logger, second int64) {
	if n := s.skipped.Swap(0); n > 0 {
		log.LogAttrs(ctx, slog.LevelInfo, "request lines left out", slog.Int64("lines", n),
			slog.Time("second", time.Unix(second, 0)), slog.Int64("kept", s.limit.Load()),
			slog.String("why", "more requests a second than the log shows at info; the journal has each (GET /__admin/requests), --log-level debug logs each"))
	}
}
