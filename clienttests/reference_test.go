package clienttests_test

import (
	"github.com/mockauth/mockauth/clienttests"
)

// The reference clients pass every case of every endpoint.
var _ = func() bool {
	for _, vendor := range clienttests.Vendors() {
		for _, endpoint := range clienttests.Endpoints(vendor) {
			clienttests.DescribeConformance(vendor, endpoint, clienttests.Reference{})
		}
	}
	return true
}()
