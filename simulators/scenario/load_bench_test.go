package scenario_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mockauth/mockauth/simulators/scenario"
)

// catalogueOf is a scenarios file of n scenarios of one rule each.
func catalogueOf(n int) []byte {
	var b strings.Builder
	b.WriteString("scenarios:\n")
	for i := range n {
		fmt.Fprintf(&b, "  s%d:\n    rules:\n      - fault: {type: status, status: 503}\n", i)
	}
	return []byte(b.String())
}

// BenchmarkLoad loads 2,000 and 20,000 scenarios: the loader is linear in
// the file's size (issue 21, B15), so the second costs about ten times the
// first, not a hundred.
func BenchmarkLoad(b *testing.B) {
	for _, n := range []int{2_000, 20_000} {
		data := catalogueOf(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				if _, err := scenario.Load("bench.yaml", data, scenario.Vocabulary{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
