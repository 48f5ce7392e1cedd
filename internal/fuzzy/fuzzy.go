// Package fuzzy finds near names: the closest scenario to a misspelt one,
// the documented path nearest a request that matched none.
package fuzzy

import (
	"sort"
	"strings"
)

// MaxName bounds the names Closest weighs: a longer one is no
// misspelling, and the distance is quadratic in it (a scenario name is
// looked up under the engine's lock, which every request takes).
const MaxName = 64

// Closest returns up to three of names near name, nearest first: those
// that contain it or are contained in it, then those within a small edit
// distance (case aside). Never nil, so it encodes as [].
func Closest(name string, names []string) []string {
	out := []string{}
	if len(name) > MaxName || name == "" {
		return out
	}
	type scored struct {
		name string
		d    int
	}
	var c []scored
	limit := max(2, len(name)/5)
	lower := strings.ToLower(name)
	for _, n := range names {
		if n == "" {
			continue
		}
		d := Distance(lower, strings.ToLower(n))
		if strings.Contains(n, name) || strings.Contains(name, n) {
			d = min(d, 1)
		}
		if d <= limit {
			c = append(c, scored{n, d})
		}
	}
	sort.SliceStable(c, func(i, j int) bool { return c[i].d < c[j].d })
	for i := 0; i < len(c) && i < 3; i++ {
		out = append(out, c[i].name)
	}
	return out
}

// DidYouMean is " (did you mean "a" or "b"?)" for the names near name
// among names, or "".
func DidYouMean(name string, names []string) string {
	near := Closest(name, names)
	if len(near) == 0 {
		return ""
	}
	q := make([]string, len(near))
	for i, n := range near {
		q[i] = `"` + n + `"`
	}
	return " (did you mean " + strings.Join(q, " or ") + "?)"
}

// Distance is the Levenshtein distance between a and b, in bytes.
func Distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
