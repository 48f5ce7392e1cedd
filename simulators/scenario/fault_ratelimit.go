package scenario

import (
	"fmt"
	"net/http"
	"strconv"
)

// rateLimitFault answers 429 Too Many Requests with Retry-After.
type rateLimitFault struct {
	RetryAfter int    `yaml:"retryAfter"` // seconds
	Body       string `yaml:"body"`
}

func init() {
	register("rate-limit", func(decode func(any) error) (Fault, error) {
		f := &rateLimitFault{RetryAfter: 1, Body: "Too Many Requests\n"}
		if err := decode(f); err != nil {
			return nil, err
		}
		if f.RetryAfter < 0 {
			return nil, fmt.Errorf("retryAfter must be 0 or more seconds")
		}
		return f, nil
	})
}

func (f *rateLimitFault) Serve(w http.ResponseWriter, _ *http.Request, _ Exchange) string {
	h := http.Header{"Content-Type": {"text/plain; charset=utf-8"}, "Retry-After": {strconv.Itoa(f.RetryAfter)}}
	Answer{Status: http.StatusTooManyRequests, Header: h, Body: []byte(f.Body)}.Write(w)
	return fmt.Sprintf("rate-limit: 429, Retry-After %d", f.RetryAfter)
}
