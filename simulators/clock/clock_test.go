package clock

import (
	"errors"
	"math"
	"testing"
	"time"
)

func TestSimulated_AdvanceAndReset(t *testing.T) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := &Simulated{now: func() time.Time { return base }}
	if err := c.Advance(61 * time.Minute); err != nil {
		t.Fatal(err)
	}
	if got, want := c.Now(), base.Add(61*time.Minute); !got.Equal(want) {
		t.Fatalf("Now() = %v, want %v", got, want)
	}
	if err := c.Advance(-time.Second); !errors.Is(err, ErrNegativeAdvance) {
		t.Fatalf("Advance(-1s) = %v, want ErrNegativeAdvance", err)
	}
	c.Reset()
	if got := c.Now(); !got.Equal(base) {
		t.Fatalf("after Reset Now() = %v, want %v", got, base)
	}
}

// TestSimulated_AdvanceSaturates: huge advances stop at the farthest
// offset instead of overflowing the clock into the past (issue 21, B13).
func TestSimulated_AdvanceSaturates(t *testing.T) {
	c := NewSimulated()
	before := time.Now()
	for range 2 {
		if err := c.Advance(time.Duration(math.MaxInt64)); err != nil {
			t.Fatal(err)
		}
	}
	if !c.Now().After(before) || c.Now().Sub(End).Abs() > time.Minute {
		t.Fatalf("offset %v, now %v: want the clock at End (%v), never backwards", c.Offset(), c.Now(), End)
	}
}

// Issue 31, N17: a token minted on a clock advanced as far as it goes is
// not born expired (token times end in 2262).
func TestSimulated_EndLeavesTokensRoom(t *testing.T) {
	if !End.Add(300 * 24 * time.Hour).Before(time.Unix(0, math.MaxInt64)) {
		t.Fatalf("End %v leaves no room for a token's lifetime before 2262", End)
	}
}
