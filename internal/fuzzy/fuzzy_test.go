package fuzzy

import "testing"

func TestDistance(t *testing.T) {
	testCases := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "", 3},
		{"kitten", "sitting", 3},
		{"/crmapi/rest/v1/x", "/crmapi/rest/v2/x", 1},
		{"same", "same", 0},
	}
	for _, tc := range testCases {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
