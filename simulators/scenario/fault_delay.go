package scenario

import (
	"fmt"
	"math"
	"net/http"
	"time"
)

// Distributions of a delay.
const (
	distFixed     = "fixed"
	distUniform   = "uniform"
	distLognormal = "lognormal"
)

// maxWait caps every fault that waits, so none holds a goroutine for long.
const maxWait = 10 * time.Minute

// delayFault waits, then lets the vendor's answer through.
type delayFault struct {
	Distribution string        `yaml:"distribution"` // fixed (default), uniform, lognormal
	Duration     time.Duration `yaml:"duration"`     // fixed
	Min          time.Duration `yaml:"min"`          // uniform
	Max          time.Duration `yaml:"max"`          // uniform
	Median       time.Duration `yaml:"median"`       // lognormal
	Sigma        float64       `yaml:"sigma"`        // lognormal
}

func init() {
	register("delay", func(decode func(any) error) (Fault, error) {
		f := &delayFault{Distribution: distFixed}
		if err := decode(f); err != nil {
			return nil, err
		}
		return f, f.check()
	}, "latency", "FIXED_DELAY")
}

func (f *delayFault) check() error {
	bad := func(d time.Duration) bool { return d < 0 || d > maxWait }
	switch f.Distribution {
	case distFixed:
		if f.Duration <= 0 || bad(f.Duration) {
			return fmt.Errorf("a fixed delay needs a duration between 0 and %v", maxWait)
		}
	case distUniform:
		if bad(f.Min) || bad(f.Max) || f.Max <= f.Min {
			return fmt.Errorf("a uniform delay needs 0 <= min < max <= %v", maxWait)
		}
	case distLognormal:
		if f.Median <= 0 || bad(f.Median) || f.Sigma <= 0 {
			return fmt.Errorf("a lognormal delay needs a median above 0 and a sigma above 0")
		}
	default:
		return fmt.Errorf("distribution must be fixed, uniform or lognormal, not %q", f.Distribution)
	}
	return nil
}

// pick draws one delay, never above maxWait.
func (f *delayFault) pick(r *Rand) time.Duration {
	var d time.Duration
	switch f.Distribution {
	case distUniform:
		d = f.Min + time.Duration(r.Float64()*float64(f.Max-f.Min))
	case distLognormal:
		d = time.Duration(float64(f.Median) * math.Exp(f.Sigma*r.NormFloat64()))
	default:
		d = f.Duration
	}
	return min(d, maxWait)
}

// How a wait ended.
type waited int

const (
	waitedOut   waited = iota // the whole duration
	clientLeft                // the client went away: nobody to answer
	shuttingOff               // the stack shuts down: answer now
)

// wait sleeps for d unless the client leaves or the stack shuts down.
func wait(r *http.Request, x Exchange, d time.Duration) waited {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return waitedOut
	case <-r.Context().Done():
		return clientLeft
	case <-x.Done():
		return shuttingOff
	}
}

// MsgShuttingDown is the answer of a fault cut short by the stack's
// shutdown: a 503 on a closing connection, never an empty 200.
const MsgShuttingDown = "mockauth: the stack is shutting down\n"

// shutdownAnswer answers a request whose fault the shutdown cut short.
func shutdownAnswer(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Connection", "close")
	h.Set("Retry-After", "1")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	Answer{Status: http.StatusServiceUnavailable, Header: http.Header{}, Body: []byte(MsgShuttingDown)}.Write(w)
}

func (f *delayFault) Serve(w http.ResponseWriter, r *http.Request, x Exchange) string {
	d := f.pick(x.Rand())
	switch wait(r, x, d) {
	case clientLeft:
		return fmt.Sprintf("delay %v: the client left", d)
	case shuttingOff:
		shutdownAnswer(w)
		return fmt.Sprintf("delay %v: cut short by shutdown, 503", d)
	}
	x.Answer().Write(w)
	return fmt.Sprintf("delay %v", d.Round(time.Millisecond))
}
