package scenario

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// The faults that kill a token between two calls, for the flows of the
// calls after login: the vendor answers as usual, and then the clock
// passes the token's lifetime, another session ends the login's tokens,
// or the vendor restarts and forgets every token.

// maxAdvance bounds one advance-clock: past every vendor's lifetime, and
// no more.
const maxAdvance = 24 * 365 * time.Hour

type advanceClockFault struct {
	Duration time.Duration `yaml:"duration"`
}

type endSessionsFault struct{}

type vendorRestartFault struct{}

func init() {
	register("advance-clock", func(decode func(any) error) (Fault, error) {
		f := &advanceClockFault{}
		if err := decode(f); err != nil {
			return nil, err
		}
		if f.Duration <= 0 || f.Duration > maxAdvance {
			return nil, fmt.Errorf("duration must be above 0 and at most %v", maxAdvance)
		}
		return f, nil
	})
	register("end-sessions", func(decode func(any) error) (Fault, error) {
		f := &endSessionsFault{}
		return f, decode(f)
	})
	register("vendor-restart", func(decode func(any) error) (Fault, error) {
		f := &vendorRestartFault{}
		return f, decode(f)
	})
}

func (f *advanceClockFault) Serve(w http.ResponseWriter, _ *http.Request, x Exchange) string {
	x.Answer().Write(w)
	if err := x.AdvanceClock(f.Duration); err != nil {
		return "advance-clock: " + err.Error()
	}
	return "advance-clock: answered, then the clock moved " + f.Duration.String()
}

func (f *endSessionsFault) Serve(w http.ResponseWriter, _ *http.Request, x Exchange) string {
	x.Answer().Write(w)
	n, err := x.EndSessions()
	if err != nil {
		return "end-sessions: " + err.Error()
	}
	return fmt.Sprintf("end-sessions: answered, then %d token(s) of the login ended", n)
}

func (f *vendorRestartFault) Serve(w http.ResponseWriter, _ *http.Request, x Exchange) string {
	x.Answer().Write(w)
	x.RestartVendor()
	return "vendor-restart: answered, then the vendor forgot every token"
}

func (*advanceClockFault) PassesAnswer() bool  { return true }
func (*endSessionsFault) PassesAnswer() bool   { return true }
func (*vendorRestartFault) PassesAnswer() bool { return true }

// ErrNoSessions is a vendor whose sessions cannot be ended from elsewhere.
var ErrNoSessions = errors.New("the vendor has no sessions to end")
