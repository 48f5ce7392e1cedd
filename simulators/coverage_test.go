package simulators_test

import (
	"testing"

	"github.com/mockauth/mockauth/simulators"
	"github.com/mockauth/mockauth/simulators/spectest"
)

// TestContracts_EveryDocumentedResponse walks every operation and every
// documented response of every registered vendor's contract: the recipe
// the vendor's description gives must produce it through a stack, and the
// answer must validate.
func TestContracts_EveryDocumentedResponse(t *testing.T) {
	t.Parallel()
	for _, spec := range simulators.Specs() {
		t.Run(spec.Name, func(t *testing.T) { spectest.Coverage(t, spec) })
	}
}
