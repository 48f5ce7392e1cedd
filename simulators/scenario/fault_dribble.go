package scenario

import (
	"fmt"
	"net/http"
	"time"
)

// dribbleFault sends the vendor's answer in chunks spread over a duration.
type dribbleFault struct {
	Duration time.Duration `yaml:"duration"`
	Chunks   int           `yaml:"chunks"`
}

func init() {
	register("dribble", func(decode func(any) error) (Fault, error) {
		f := &dribbleFault{Duration: 2 * time.Second, Chunks: 10}
		if err := decode(f); err != nil {
			return nil, err
		}
		if f.Duration <= 0 || f.Duration > maxWait {
			return nil, fmt.Errorf("duration must be between 0 and %v", maxWait)
		}
		if f.Chunks < 1 {
			return nil, fmt.Errorf("chunks must be at least 1")
		}
		return f, nil
	}, "slicer", "CHUNKED_DRIBBLE_DELAY")
}

func (f *dribbleFault) Serve(w http.ResponseWriter, r *http.Request, x Exchange) string {
	a := x.Answer()
	writeHead(w, a.Status, a.Header, len(a.Body))
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	n := min(f.Chunks, max(len(a.Body), 1))
	gap := f.Duration / time.Duration(n)
	for i := range n {
		lo, hi := i*len(a.Body)/n, (i+1)*len(a.Body)/n
		if i > 0 {
			switch wait(r, x, gap) {
			case clientLeft:
				return fmt.Sprintf("dribble: the client left after %d of %d chunks", i, n)
			case shuttingOff:
				// The status is sent: the rest goes at once, no answer lost.
				_, _ = w.Write(a.Body[lo:])
				_ = rc.Flush()
				return fmt.Sprintf("dribble: %d of %d chunks, the rest at once at shutdown", i, n)
			}
		}
		_, _ = w.Write(a.Body[lo:hi])
		_ = rc.Flush()
	}
	return fmt.Sprintf("dribble: %d chunks over %v", n, f.Duration)
}
