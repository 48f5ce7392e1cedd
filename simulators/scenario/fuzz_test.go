package scenario

import (
	"errors"
	"strings"
	"testing"

	"github.com/mockauth/mockauth"
	"github.com/mockauth/mockauth/simulators/yamlfile"
)

// FuzzLoad: any file loads whole or is refused with an error naming it.
func FuzzLoad(f *testing.F) {
	f.Add(string(mockauth.DefaultScenarios))
	f.Add("scenarios:\n  a:\n    rules:\n      - match: {vendor: ucontact, endpoint: getUserToken}\n        when: {nth: [1, 3]}\n        fault: {type: delay, distribution: uniform, min: 1ms, max: 2ms}\n")
	f.Add("scenarios:\n  a:\n    rules:\n      - fault: {type: status, status: 503, headers: {A: b}, phase: after}\n")
	f.Add("scenarios: {a: {rules: [{fault: {type: x}}]}}")
	f.Fuzz(func(t *testing.T, data string) {
		cat, err := Load("s.yaml", []byte(data), vocab)
		if err != nil {
			var ye *yamlfile.Error
			if !errors.As(err, &ye) || !strings.HasPrefix(err.Error(), "s.yaml") {
				t.Fatalf("error is not a file error: %v", err)
			}
			return
		}
		for _, sc := range cat.Scenarios {
			for _, r := range sc.Rules {
				if r.Fault == nil {
					t.Fatalf("rule of %s without a fault", sc.Name)
				}
			}
		}
	})
}
