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

// wait sleeps for d unless the client leaves or the stack shuts down.
func wait(r *http.Request, x Exchange, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
	case <-x.Done():
	}
	return false
}

func (f *delayFault) Serve(w http.ResponseWriter, r *http.Request, x Exchange) string {
	d := f.pick(x.Rand())
	if !wait(r, x, d) {
		return fmt.Sprintf("delay %v: cut short", d)
	}
	x.Answer().Write(w)
	return fmt.Sprintf("delay %v", d.Round(time.Millisecond))
}
