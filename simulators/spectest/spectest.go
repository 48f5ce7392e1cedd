// Package spectest checks a vendor's description against a running stack,
// for the tests of the built-in vendors and of any vendor registered with
// simulators.Register.
package spectest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/mockauth/mockauth/contracts"
	"github.com/mockauth/mockauth/simulators"
	"github.com/mockauth/mockauth/simulators/journal"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// Coverage checks that every documented response of a vendor's contract
// is produced by the recipe its description gives for it, through a stack
// of that vendor alone, that each answer validates against the contract,
// that no recipe produces an undocumented response, and that every
// behaviour of the contract says what it rests on (x-evidence, x-reading).
func Coverage(t *testing.T, spec vendor.Spec) {
	t.Helper()
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
	t.Run("every behaviour states its source", func(t *testing.T) {
		if _, err := simulators.Fidelity(spec); err != nil {
			t.Errorf("add x-evidence (the public source) or x-reading (why, and the fixture setting for the alternatives):\n%v", err)
		}
	})
	for _, key := range documented {
		t.Run(key, func(t *testing.T) {
			recipe, ok := spec.Coverage[key]
			if !ok {
				t.Fatalf("%s's description has no recipe that produces %s", spec.Name, key)
			}
			opts := simulators.Options{Vendors: []string{spec.Name}}
			if fx, ok := spec.CoverageFixtures[key]; ok {
				opts.Fixtures = map[string]vendor.File{spec.Name: fx}
			}
			s, err := simulators.Start(opts)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			vendors, err := s.Vendors()
			if err != nil {
				t.Fatal(err)
			}
			do := func(st vendor.Step) (int, []byte) {
				status, body, err := Send(s.Client(), s.URL(spec.Name), st)
				if err != nil {
					t.Fatal(err)
				}
				return status, body
			}
			got, body := do(recipe(vendors[0].Demo, do))
			if fmt.Sprint(got) != strings.Fields(key)[1] {
				t.Fatalf("recipe answered %d, want %s: %s", got, strings.Fields(key)[1], body)
			}
			if last := s.Requests(journal.Filter{}, 1); len(last) == 0 || last[0].Endpoint == "" {
				t.Errorf("the journal did not tie the request to an endpoint of %s", spec.Name)
			}
			for _, e := range s.Requests(journal.Filter{}, 0) {
				for _, v := range e.Violations {
					if strings.Contains(v, " response ") {
						t.Errorf("%s %s: %s", e.Method, e.Path, v)
					}
				}
				// The order a real service's answers are held to (proxy
				// mode's drift) is the simulator's own.
				req := httptest.NewRequest(e.Method, e.Path, strings.NewReader(e.RequestBody))
				req.Header = e.RequestHeaders.Clone()
				x, _ := v.Request(req, "", []byte(e.RequestBody))
				for _, o := range x.ResponseOrder(e.Status, e.ResponseHeaders, []byte(e.ResponseBody)) {
					t.Errorf("%s %s: %s", e.Method, e.Path, o)
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

// Send sends one step to a vendor's base URL.
func Send(c *http.Client, base string, st vendor.Step) (int, []byte, error) {
	req, err := http.NewRequest(st.Method, base+st.Request.Target(st.Path), strings.NewReader(st.Request.EncodedBody()))
	if err != nil {
		return 0, nil, err
	}
	for k, v := range map[string]string{"Content-Type": st.Request.ContentType, "Accept": st.Request.Accept, "Authorization": st.Request.Auth} {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	res, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return res.StatusCode, body, err
}
