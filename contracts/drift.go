package contracts

import "strings"

// DriftKinds turns the violations of one answer into the kinds of drift
// a report counts, one rule each. kin-openapi checks a body against each
// shape a oneOf documents and gives a line per shape, its errors joined
// by " | ": of those (the lines of one response that check the body) the
// shape the answer comes closest to (fewest errors) is kept, and each of
// its errors is a kind of its own, so an answer that breaks two rules is
// two kinds. Every other line (a header, a status, the member order) is
// a kind as it is.
func DriftKinds(violations []string) []string {
	closest := map[string]string{} // "vendor.yaml op response N" -> its body line with the fewest errors
	var out []string
	for _, v := range violations {
		head, rest, ok := strings.Cut(v, ": ")
		if !ok || strings.HasPrefix(v, OrderDrift) || !strings.HasPrefix(rest, `Error at "`) {
			out = append(out, v)
			continue
		}
		cur, seen := closest[head]
		if !seen {
			out = append(out, head) // its place; filled in below
		}
		if !seen || strings.Count(rest, " | ") < strings.Count(cur, " | ") {
			closest[head] = rest
		}
	}
	kinds := make([]string, 0, len(out))
	for _, v := range out {
		rest, ok := closest[v]
		if !ok {
			kinds = append(kinds, v)
			continue
		}
		for _, part := range strings.Split(rest, " | ") {
			kinds = append(kinds, v+": "+part)
		}
	}
	return kinds
}
