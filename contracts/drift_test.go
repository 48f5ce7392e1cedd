package contracts

import (
	"slices"
	"testing"
)

func TestDriftKinds(t *testing.T) {
	t.Parallel()
	const head = "crmcom.yaml token response 200"
	testCases := []struct {
		name string
		in   []string
		want []string
	}{
		{"one shape, two rules", []string{
			head + `: Error at "/data/token": value must be a string | property "more" is unsupported`,
			head + `: Error at "/data": there must be at most 0 properties | property "more" is unsupported | Error at "/status/code": Doesn't match schema "not"`,
			OrderDrift + head + `: members of "/" in the order data, status; documented: status, data`,
			OrderDrift + head + `: members of "/status" in the order message, code; documented: code, message`,
		}, []string{
			head + `: Error at "/data/token": value must be a string`,
			head + `: property "more" is unsupported`,
			OrderDrift + head + `: members of "/" in the order data, status; documented: status, data`,
			OrderDrift + head + `: members of "/status" in the order message, code; documented: code, message`,
		}},
		{"a header beside the body", []string{
			head + `: response header Content-Type has unexpected value: "text/html"`,
			head + `: Error at "/data": property "x" is unsupported`,
		}, []string{
			head + `: response header Content-Type has unexpected value: "text/html"`,
			head + `: Error at "/data": property "x" is unsupported`,
		}},
		{"none", nil, []string{}},
	}
	for _, tc := range testCases {
		if got := DriftKinds(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}
