package simulators

import (
	"context"
	"runtime"
)

// heavyBody is the size above which a body is heavy work. Logins and the
// calls after them send well under 1 KiB; decoding, matching and checking
// a body of up to MaxBodyBytes costs in proportion (a 1 MiB XML body with
// many small elements took 70 ms a pass of encoding/xml).
const heavyBody = 64 << 10

// heavyGate bounds the work on heavy bodies, stack-wide, to half the cores
// (at least one): four clients sending 1 MiB XML bodies used to take every
// core, and every other client's answers waited (their p50 went from 0.87
// to 44 ms, hardening issue 21, B10). A request waits at the gate having
// read at most heavyBody bytes, so a queue of them holds little.
type heavyGate chan struct{}

func newHeavyGate() heavyGate { return make(heavyGate, max(1, runtime.GOMAXPROCS(0)/2)) }

// enter waits for a place; false when ctx ends or done closes first.
func (g heavyGate) enter(ctx context.Context, done <-chan struct{}) bool {
	select {
	case g <- struct{}{}:
		return true
	default:
	}
	select {
	case g <- struct{}{}:
		return true
	case <-ctx.Done():
	case <-done:
	}
	return false
}

// leave gives the place back.
func (g heavyGate) leave() { <-g }
