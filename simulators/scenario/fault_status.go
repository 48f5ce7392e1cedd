package scenario

import (
	"fmt"
	"net/http"
)

// statusFault answers a status of its own, with headers and a body.
type statusFault struct {
	Status      int               `yaml:"status"`
	Headers     map[string]string `yaml:"headers"`
	Body        string            `yaml:"body"`
	ContentType string            `yaml:"contentType"`
}

func init() {
	register("status", func(decode func(any) error) (Fault, error) {
		f := &statusFault{ContentType: "text/plain; charset=utf-8"}
		if err := decode(f); err != nil {
			return nil, err
		}
		if f.Status < 100 || f.Status > 599 {
			return nil, fmt.Errorf("status must be an HTTP status between 100 and 599, not %d", f.Status)
		}
		return f, nil
	})
}

func (f *statusFault) Serve(w http.ResponseWriter, _ *http.Request, _ Exchange) string {
	h := http.Header{"Content-Type": {f.ContentType}}
	for k, v := range f.Headers {
		h.Set(k, v)
	}
	Answer{Status: f.Status, Header: h, Body: []byte(f.Body)}.Write(w)
	return fmt.Sprintf("status %d", f.Status)
}
