package scenario

import (
	"fmt"
	"net/http"
)

// Modes of malformed-body.
const (
	modeTruncate = "truncate" // the first half of the body
	modeGarbage  = "garbage"  // the first half, then bytes no parser takes
)

// malformedFault sends the vendor's answer with its body cut or corrupted,
// so that it no longer parses; status and headers stay the vendor's.
type malformedFault struct {
	Mode string `yaml:"mode"`
}

func init() {
	register("malformed-body", func(decode func(any) error) (Fault, error) {
		f := &malformedFault{Mode: modeTruncate}
		if err := decode(f); err != nil {
			return nil, err
		}
		if f.Mode != modeTruncate && f.Mode != modeGarbage {
			return nil, fmt.Errorf("mode must be %s or %s, not %q", modeTruncate, modeGarbage, f.Mode)
		}
		return f, nil
	}, "MALFORMED_RESPONSE_CHUNK")
}

func (f *malformedFault) Serve(w http.ResponseWriter, _ *http.Request, x Exchange) string {
	a := x.Answer()
	body := a.Body[:len(a.Body)/2]
	if f.Mode == modeGarbage {
		body = append(append([]byte(nil), body...), 0x00, 0xff, '}', '<', '"')
	}
	Answer{Status: a.Status, Header: a.Header, Body: body}.Write(w)
	return fmt.Sprintf("malformed-body (%s): %d of %d bytes", f.Mode, len(body), len(a.Body))
}
