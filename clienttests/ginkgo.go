package clienttests

import (
	"context"
	"fmt"

	. "github.com/onsi/ginkgo/v2" //nolint:revive // Ginkgo's DSL reads as prose
	. "github.com/onsi/gomega"    //nolint:revive
)

// DescribeConformance registers, in the caller's Ginkgo suite, a table of
// every case of a vendor endpoint for a client: each entry starts a fresh
// in-process stack and judges what the client does. Use it to run your own
// Go client through the same specs as the reference clients:
//
//	var _ = clienttests.DescribeConformance("ucontact", "getUserToken", myClient)
func DescribeConformance(vendor, endpoint string, client Client) bool {
	cases, err := Cases(vendor, endpoint)
	if err != nil {
		panic(err) // a typo in a suite's vendor or endpoint is the suite author's to see at once
	}
	entries := make([]TableEntry, 0, len(cases))
	for _, c := range cases {
		entries = append(entries, Entry(fmt.Sprintf("%s (%s)", c.Name, c.Want), c))
	}
	return Describe(fmt.Sprintf("%s %s conformance", vendor, endpoint), func() {
		DescribeTable("case",
			func(c Case) {
				res := Run(context.Background(), c, client)
				GinkgoWriter.Printf("%s: %d requests in %v\n", c.Name, res.Requests, res.Elapsed)
				Expect(res.Passed).To(BeTrue(), "%s %s %q: %s", c.Vendor, c.Endpoint, c.Name, res.Reason)
			},
			entries,
		)
	})
}
