// Package clock is the simulators' notion of time: real time plus an offset
// that tests and QA move forward, so a one-hour token can expire in a
// millisecond without anybody waiting an hour.
package clock

import (
	"errors"
	"sync/atomic"
	"time"
)

// Clock tells the time. Vendor packages take a Clock so tests can move it.
type Clock interface {
	Now() time.Time
}

// ErrNegativeAdvance is returned by Advance for a negative duration: the
// simulated clock only moves forward, as real tokens only age.
var ErrNegativeAdvance = errors.New("clock: advance must not be negative")

// Simulated is real time shifted by an offset that only grows until Reset.
// The offset is atomic: every request reads the clock, from every core.
type Simulated struct {
	offset atomic.Int64 // how far the simulated time is ahead of real time
	now    func() time.Time
}

// NewSimulated returns a clock at real time.
func NewSimulated() *Simulated { return &Simulated{now: time.Now} }

// Now returns real time plus the offset.
func (c *Simulated) Now() time.Time {
	return c.now().Add(time.Duration(c.offset.Load()))
}

// End is as far as the simulated clock goes: advances saturate there.
// Token times are kept as Unix nanoseconds, which end in 2262: a clock
// past that would mint every token already expired (issue 31, N17).
var End = time.Date(2200, time.January, 1, 0, 0, 0, 0, time.UTC)

// Advance moves the clock forward by d, at most to End.
func (c *Simulated) Advance(d time.Duration) error {
	if d < 0 {
		return ErrNegativeAdvance
	}
	for {
		cur := c.offset.Load()
		room := End.Sub(c.now()) // time.Duration saturates at its bounds
		next := int64(max(room, time.Duration(cur)))
		if d <= room-time.Duration(cur) {
			next = cur + int64(d)
		}
		if c.offset.CompareAndSwap(cur, next) {
			return nil
		}
	}
}

// Offset reports how far the clock is ahead of real time.
func (c *Simulated) Offset() time.Duration { return time.Duration(c.offset.Load()) }

// Reset puts the clock back to real time.
func (c *Simulated) Reset() { c.offset.Store(0) }

// SetOffset puts the clock d ahead of real time, at most to End and never
// behind it: a replica takes the offset the stack's shared state holds.
func (c *Simulated) SetOffset(d time.Duration) {
	c.offset.Store(int64(min(max(d, 0), End.Sub(c.now()))))
}

// Room is how far Advance can still move the clock before End.
func (c *Simulated) Room() time.Duration {
	return max(End.Sub(c.now())-c.Offset(), 0)
}
