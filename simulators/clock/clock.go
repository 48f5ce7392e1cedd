// Package clock is the simulators' notion of time: real time plus an offset
// that tests and QA move forward, so a one-hour token can expire in a
// millisecond without anybody waiting an hour.
package clock

import (
	"errors"
	"math"
	"sync"
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
type Simulated struct {
	mu     sync.Mutex    // guards offset
	offset time.Duration // how far the simulated time is ahead of real time
	now    func() time.Time
}

// NewSimulated returns a clock at real time.
func NewSimulated() *Simulated { return &Simulated{now: time.Now} }

// Now returns real time plus the offset.
func (c *Simulated) Now() time.Time {
	c.mu.Lock()
	off := c.offset
	c.mu.Unlock()
	return c.now().Add(off)
}

// maxOffset is as far ahead as the clock goes: advances saturate there
// instead of overflowing into the past.
const maxOffset = time.Duration(math.MaxInt64)

// Advance moves the clock forward by d, at most to maxOffset.
func (c *Simulated) Advance(d time.Duration) error {
	if d < 0 {
		return ErrNegativeAdvance
	}
	c.mu.Lock()
	if d > maxOffset-c.offset {
		c.offset = maxOffset
	} else {
		c.offset += d
	}
	c.mu.Unlock()
	return nil
}

// Offset reports how far the clock is ahead of real time.
func (c *Simulated) Offset() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offset
}

// Reset puts the clock back to real time.
func (c *Simulated) Reset() {
	c.mu.Lock()
	c.offset = 0
	c.mu.Unlock()
}
