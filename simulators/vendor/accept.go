package vendor

import (
	"mime"
	"strconv"
	"strings"
)

// Accepted is one media range of an Accept header with its quality.
type Accepted struct {
	MediaType string // lower-case, as mime.ParseMediaType gives it
	Q         float64
}

// ParseAccept reads an Accept header's media ranges in order, leaving out
// those that do not parse and those of quality 0 (not acceptable).
func ParseAccept(h string) []Accepted {
	var out []Accepted
	for part := range strings.SplitSeq(h, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if q > 0 {
			out = append(out, Accepted{MediaType: mt, Q: q})
		}
	}
	return out
}
