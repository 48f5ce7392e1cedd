package simulators_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mockauth/mockauth/contracts"
	"github.com/mockauth/mockauth/simulators"
	"github.com/mockauth/mockauth/simulators/journal"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// coverageOf checks that every documented response of a vendor's contract
// is produced by the recipe its description gives for it, through a
// stack, and that each answer validates (the start helper fails the test
// on any response violation); and that no recipe produces an undocumented
// one.
func coverageOf(t *testing.T, spec vendor.Spec) {
	v, err := contracts.NewValidatorFrom(spec.Name, spec.Contract.Name, spec.Contract.Data)
	if err != nil {
		t.Fatal(err)
	}
	var documented []string
	for _, item := range v.Doc().Paths.Map() {
		for _, op := range item.Operations() {
			for status := range op.Responses.Map() {
				documented = append(documented, op.OperationID+" "+status)
			}
		}
	}
	slices.Sort(documented)
	for _, key := range documented {
		t.Run(key, func(t *testing.T) {
			recipe, ok := spec.Coverage[key]
			if !ok {
				t.Fatalf("%s's description has no recipe that produces %s", spec.Name, key)
			}
			op, status, _ := strings.Cut(key, " ")
			s := start(t, simulators.Options{Vendors: []string{spec.Name}})
			vendors, err := s.Vendors()
			if err != nil {
				t.Fatal(err)
			}
			do := func(st vendor.Step) (int, []byte) {
				var extra []string
				for k, val := range map[string]string{"Accept": st.Request.Accept, "Authorization": st.Request.Auth} {
					if val != "" {
						extra = append(extra, k, val)
					}
				}
				got := send(t, s.Client(), st.Method, s.URL(spec.Name)+st.Request.Target(st.Path), st.Request.ContentType, st.Request.EncodedBody(), extra...)
				return got.status, []byte(got.body)
			}
			got, body := do(recipe(vendors[0].Demo, do))
			if fmt.Sprint(got) != status {
				t.Fatalf("recipe answered %d, want %s: %s", got, status, body)
			}
			e := s.Requests(journal.Filter{}, 1)[0]
			if e.Endpoint == "" && op != "loginPage" {
				t.Fatalf("the journal did not tie the request to an endpoint")
			}
			for _, v := range e.Violations {
				if strings.Contains(v, " response ") {
					t.Fatalf("%s: %s", op, v)
				}
			}
		})
	}
	for key := range spec.Coverage {
		if !slices.Contains(documented, key) {
			t.Errorf("recipe %q produces a response the contract does not document", key)
		}
	}
}

// TestContracts_EveryDocumentedResponse walks every operation and every
// documented response of every registered vendor's contract.
func TestContracts_EveryDocumentedResponse(t *testing.T) {
	t.Parallel()
	for _, spec := range simulators.Specs() {
		t.Run(spec.Name, func(t *testing.T) { coverageOf(t, spec) })
	}
}
