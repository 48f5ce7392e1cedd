package pipeline

import (
	"context"
	"net/http"
	"runtime"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/mockauth/mockauth/simulators/journal"
	"github.com/mockauth/mockauth/simulators/scenario"
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

// gateWait bounds how long a request waits for a place at the heavy gate,
// or for room to read its large body: then 503 with Retry-After, not a
// wait as long as another client's (issue 31, N6).
const gateWait = 10 * time.Second

// enter waits for a place; false when ctx ends, done closes or wait
// passes first.
func (g heavyGate) enter(ctx context.Context, done <-chan struct{}, wait time.Duration) bool {
	select {
	case g <- struct{}{}:
		return true
	default:
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case g <- struct{}{}:
		return true
	case <-ctx.Done():
	case <-done:
	case <-t.C:
	}
	return false
}

// newReadingRoom is the room for large bodies being read at once,
// stack-wide: as many bodies of MaxBodyBytes as the gate has places. The
// rest of a large body is read before its request takes a place at the
// gate, with room for it taken first; more read at once cost every other
// client's answers (four 1 MiB bodies read together took a login's p99
// to 4× idle on 2 cores).
func newReadingRoom(g heavyGate) *semaphore.Weighted {
	return semaphore.NewWeighted(int64(cap(g)) * (MaxBodyBytes + 1))
}

// heavyReadTimeout bounds how long a request may take to send the rest of
// a large body while it holds room to read it: a client that trickles
// its body cannot keep another's large login waiting longer (it waited
// 58 s; issue 31, N6).
const heavyReadTimeout = 5 * time.Second

// reserveReading takes room to read a large body of the declared length
// (MaxBodyBytes when it declares none); false when none comes within
// gateWait, or ctx ends or done closes first.
func reserveReading(sem *semaphore.Weighted, ctx context.Context, done <-chan struct{}, length int64) (int64, bool) {
	n := int64(MaxBodyBytes + 1)
	if length > 0 && length < n {
		n = length
	}
	if sem.TryAcquire(n) {
		return n, true
	}
	ctx, cancel := context.WithTimeout(ctx, gateWait)
	defer cancel()
	go func() {
		select {
		case <-done:
			cancel()
		case <-ctx.Done():
		}
	}()
	if sem.Acquire(ctx, n) != nil {
		return 0, false
	}
	return n, true
}

// leave gives the place back.
func (g heavyGate) leave() { <-g }

// enterHeavy takes a place at the heavy gate for x; false when the
// client went away or the stack stops first.
func (p *Pipeline) enterHeavy(x *exchange) bool {
	x.holds = p.sh.gate.enter(x.r.Context(), p.sh.done, gateWait)
	return x.holds
}

func (p *Pipeline) leaveHeavy(x *exchange) {
	if x.holds {
		x.holds = false
		p.sh.gate.leave()
	}
}

// refuseAtGate answers a request that waited at the heavy gate until the
// stack stopped (or its client left), or past gateWait: 503, and the
// connection closes.
func (p *Pipeline) refuseAtGate(x *exchange) *buffered {
	select {
	case <-p.sh.done:
		ans := x.settle(http.StatusServiceUnavailable, scenario.MsgShuttingDown, journal.OutcomeRefused)
		ans.header.Set("Connection", "close")
		return ans
	default:
	}
	ans := x.settle(http.StatusServiceUnavailable, MsgHeavyBusy, journal.OutcomeRefused)
	ans.header.Set("Connection", "close")
	ans.header.Set("Retry-After", "1")
	return ans
}

// Exported for the stack's tests: what counts as a large body, and how
// long the rest of one may take to arrive.
const (
	HeavyBody        = heavyBody
	HeavyReadTimeout = heavyReadTimeout
)
