package scenario

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mockauth/mockauth"
)

var vocab = Vocabulary{
	"ucontact": {"getUserToken", "AgentLogin", "EndSession"},
	"crmcom":   {"token", "show"},
}

func TestLoad_Errors(t *testing.T) {
	testCases := []struct{ name, data, want string }{
		{"unknown top key", "scenario:\n  a: {}\n", "s.yaml:1: unknown key \"scenario\""},
		{"unknown rule key", "scenarios:\n  a:\n    rules:\n      - match: {vendor: ucontact}\n        fualt: {type: status}\n", "s.yaml:5: unknown key \"fualt\" (did you mean \"fault\"?)"},
		{"unknown vendor", "scenarios:\n  a:\n    rules:\n      - match: {vendor: ucontakt}\n        fault: {type: empty-response}\n", `s.yaml:4: unknown vendor "ucontakt" (known: crmcom, ucontact)`},
		{"unknown endpoint", "scenarios:\n  a:\n    rules:\n      - match:\n          vendor: ucontact\n          endpoint: token\n        fault: {type: empty-response}\n", `s.yaml:6: vendor ucontact has no endpoint "token"`},
		{"endpoint of no vendor", "scenarios:\n  a:\n    rules:\n      - match: {endpoint: nope}\n        fault: {type: empty-response}\n", `s.yaml:4: no vendor has an endpoint "nope"`},
		{"unknown fault", "scenarios:\n  a:\n    rules:\n      - fault:\n          type: explode\n", `s.yaml:5: unknown fault type "explode"`},
		{"fault without type", "scenarios:\n  a:\n    rules:\n      - fault: {status: 503}\n", `s.yaml:4: fault has no type`},
		{"unknown fault parameter", "scenarios:\n  a:\n    rules:\n      - fault:\n          type: status\n          status: 503\n          retry: 1\n", `s.yaml:7: fault status has no parameter "retry" (its parameters: body, contentType, headers, status)`},
		{"bad duration", "scenarios:\n  a:\n    rules:\n      - fault:\n          type: delay\n          duration: soon\n", "s.yaml:6: cannot unmarshal !!str `soon` into time.Duration"},
		{"bad status", "scenarios:\n  a:\n    rules:\n      - fault: {type: status, status: 42}\n", "s.yaml:4: fault status: status must be an HTTP status between 100 and 599, not 42"},
		{"two triggers", "scenarios:\n  a:\n    rules:\n      - when: {first: 1, every: 2}\n        fault: {type: empty-response}\n", "s.yaml:4: when takes one of"},
		{"seed without probability", "scenarios:\n  a:\n    rules:\n      - when: {seed: 1}\n        fault: {type: empty-response}\n", "s.yaml:4: seed goes with probability"},
		{"bad phase", "scenarios:\n  a:\n    rules:\n      - fault: {type: empty-response, phase: later}\n", `s.yaml:4: phase must be before or after, not "later"`},
		{"no rules", "scenarios:\n  a:\n    description: x\n", `s.yaml:3: scenario "a" has no rules`},
		{"empty file", "", "s.yaml: the file is empty"},
		{"not YAML", "scenarios: [\n", "s.yaml:1: did not find expected node content"},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load("s.yaml", []byte(tc.data), vocab)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("error = %v\nwant prefix %q", err, tc.want)
			}
		})
	}
}

func TestLoad_AliasesAndOrder(t *testing.T) {
	data := `scenarios:
  z-last-in-name:
    rules:
      - fault: {type: CONNECTION_RESET_BY_PEER}
      - fault: {type: reset_peer}
      - fault: {type: EMPTY_RESPONSE}
      - fault: {type: MALFORMED_RESPONSE_CHUNK}
      - fault: {type: RANDOM_DATA_THEN_CLOSE}
      - fault: {type: latency, duration: 10ms}
      - fault: {type: slicer, duration: 10ms}
  a-first-in-name:
    rules:
      - fault: {type: timeout, duration: 1s, phase: after}
`
	cat, err := Load("s.yaml", []byte(data), vocab)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cat.Names(), ","); got != "z-last-in-name,a-first-in-name" {
		t.Fatalf("names = %s, want file order", got)
	}
	want := []string{"connection-reset", "connection-reset", "empty-response", "malformed-body", "random-data-then-close", "delay", "dribble"}
	for i, r := range cat.Scenarios[0].Rules {
		if r.FaultType != want[i] {
			t.Errorf("rule %d = %s, want %s", i+1, r.FaultType, want[i])
		}
	}
	if !cat.Scenarios[1].Rules[0].After {
		t.Error("phase: after was not read")
	}
}

func TestDefaultCatalogue(t *testing.T) {
	v := Vocabulary{"ucontact": {"getUserToken"}, "crmcom": {"token"}, "autoalert": {"authenticate"}, "exotel": {"basicauth"}}
	cat, err := Load(mockauth.DefaultScenariosName, mockauth.DefaultScenarios, v)
	if err != nil {
		t.Fatal(err)
	}
	for vendor := range v {
		for _, suffix := range []string{"vendor-error", "unavailable", "flaky", "slow", "dribble", "reset", "empty", "malformed", "timeout", "rate-limited", "token-expired"} {
			sc := cat.Find(vendor + "-" + suffix)
			if sc == nil {
				t.Errorf("the catalogue lacks %s-%s", vendor, suffix)
				continue
			}
			if sc.Description == "" || strings.Contains(sc.Description, "\n") {
				t.Errorf("%s needs a one-line description", sc.Name)
			}
		}
	}
	if cat.Find("all-unavailable") == nil {
		t.Error("the catalogue lacks all-unavailable")
	}
}

func load(t *testing.T, data string) *Engine {
	t.Helper()
	cat, err := Load("s.yaml", []byte(data), vocab)
	if err != nil {
		t.Fatal(err)
	}
	return NewEngine(cat)
}

func TestEngine_Triggers(t *testing.T) {
	testCases := []struct {
		when string
		want string // per request: F for fault, . for pass
	}{
		{"{}", "FFFF"},
		{"{always: true}", "FFFF"},
		{"{first: 2}", "FF.."},
		{"{after: 2}", "..FF"},
		{"{nth: [1, 3]}", "F.F."},
		{"{every: 2}", ".F.F"},
		{"{probability: 1}", "FFFF"},
	}
	for _, tc := range testCases {
		t.Run(tc.when, func(t *testing.T) {
			e := load(t, "scenarios:\n  s:\n    rules:\n      - match: {vendor: ucontact}\n        when: "+tc.when+"\n        fault: {type: empty-response}\n")
			if _, err := e.Activate("s", 0); err != nil {
				t.Fatal(err)
			}
			var got strings.Builder
			for range 4 {
				d, _ := e.Decide(Query{Vendor: "ucontact"})
				if d != nil {
					got.WriteByte('F')
				} else {
					got.WriteByte('.')
				}
				// Requests the rule does not match are not counted.
				if d, _ := e.Decide(Query{Vendor: "crmcom"}); d != nil {
					t.Fatal("a crmcom request matched a ucontact rule")
				}
			}
			if got.String() != tc.want {
				t.Fatalf("got %s, want %s", got.String(), tc.want)
			}
			// Reactivation restarts the counters.
			_, _ = e.Activate("s", 0)
			d, _ := e.Decide(Query{Vendor: "ucontact"})
			if (d != nil) != (tc.want[0] == 'F') {
				t.Fatal("counters did not restart on reactivation")
			}
		})
	}
}

func TestEngine_ProbabilityWithSeedRepeats(t *testing.T) {
	run := func() string {
		e := load(t, "scenarios:\n  s:\n    rules:\n      - when: {probability: 0.5, seed: 42}\n        fault: {type: empty-response}\n")
		_, _ = e.Activate("s", 0)
		var b strings.Builder
		for range 40 {
			if d, _ := e.Decide(Query{Vendor: "ucontact"}); d != nil {
				b.WriteByte('F')
			} else {
				b.WriteByte('.')
			}
		}
		return b.String()
	}
	a, b := run(), run()
	if a != b {
		t.Fatalf("same seed, different runs:\n%s\n%s", a, b)
	}
	if n := strings.Count(a, "F"); n < 8 || n > 32 {
		t.Fatalf("probability 0.5 fired %d times in 40", n)
	}
}

func TestEngine_SelectionOrderAndTTL(t *testing.T) {
	e := load(t, `scenarios:
  active-one:
    rules:
      - fault: {type: status, status: 503}
  header-one:
    rules:
      - fault: {type: status, status: 429}
  user-one:
    rules:
      - match: {user: magic}
        fault: {type: status, status: 418}
`)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	e.now = func() time.Time { return now }
	if _, err := e.Activate("active-one", time.Minute); err != nil {
		t.Fatal(err)
	}
	d, _ := e.Decide(Query{Vendor: "ucontact", Header: "header-one", UserScenario: "user-one", User: "magic"})
	if d.Scenario != "header-one" || d.SelectedBy != ByHeader {
		t.Fatalf("header did not win: %+v", d)
	}
	d, _ = e.Decide(Query{Vendor: "ucontact", UserScenario: "user-one", User: "magic"})
	if d.Scenario != "user-one" || d.SelectedBy != ByUser {
		t.Fatalf("fixture user did not win over active: %+v", d)
	}
	d, _ = e.Decide(Query{Vendor: "ucontact"})
	if d.Scenario != "active-one" {
		t.Fatalf("active scenario did not answer: %+v", d)
	}
	now = now.Add(time.Minute)
	if d, _ := e.Decide(Query{Vendor: "ucontact"}); d != nil {
		t.Fatalf("scenario outlived its ttl: %+v", d)
	}
	if len(e.ActiveNames()) != 0 {
		t.Fatal("expired scenario still listed active")
	}
	_, err := e.Decide(Query{Header: "header-on"})
	var unknown *UnknownScenarioError
	if !errors.As(err, &unknown) || !strings.Contains(err.Error(), `no scenario "header-on" (did you mean "header-one"?)`) {
		t.Fatalf("unknown header scenario: %v", err)
	}
}

func TestEngine_Replace(t *testing.T) {
	e := load(t, "scenarios:\n  keep:\n    rules:\n      - fault: {type: empty-response}\n  drop:\n    rules:\n      - fault: {type: empty-response}\n")
	_, _ = e.Activate("keep", 0)
	_, _ = e.Activate("drop", 0)
	cat, err := Load("s2.yaml", []byte("scenarios:\n  keep:\n    rules:\n      - fault: {type: empty-response}\n"), vocab)
	if err != nil {
		t.Fatal(err)
	}
	if dropped := e.Replace(cat); len(dropped) != 1 || dropped[0] != "drop" {
		t.Fatalf("dropped = %v", dropped)
	}
	if got := e.ActiveNames(); len(got) != 1 || got[0] != "keep" {
		t.Fatalf("active after reload = %v", got)
	}
	// Issue 31, N11: the file was read half written; the next reload has
	// the scenario again, and it is on again.
	both, err := Load("s3.yaml", []byte("scenarios:\n  keep:\n    rules:\n      - fault: {type: empty-response}\n  drop:\n    rules:\n      - fault: {type: empty-response}\n"), vocab)
	if err != nil {
		t.Fatal(err)
	}
	e.Replace(both)
	if got := e.ActiveNames(); len(got) != 2 {
		t.Fatalf("active after a reload that has the dropped scenario again = %v, want keep and drop", got)
	}
	e.Replace(cat)
	e.DeactivateAll()
	e.Replace(both)
	if got := e.ActiveNames(); len(got) != 0 {
		t.Fatalf("switched off while dormant, yet on again after a reload: %v", got)
	}
}

func TestClosest(t *testing.T) {
	names := []string{"ucontact-flaky", "ucontact-slow", "crmcom-flaky", "all-unavailable"}
	testCases := map[string]string{
		"ucontact-flakey": "ucontact-flaky",
		"flaky":           "ucontact-flaky,crmcom-flaky",
		"zzz":             "",
		// A 60 KB header is no misspelling: nothing weighed (issue 21, B2).
		strings.Repeat("ucontact-flaky", 5000): "",
	}
	for in, want := range testCases {
		if got := strings.Join(closest(in, names), ","); got != want {
			t.Errorf("closest(%q) = %q, want %q", in, got, want)
		}
	}
}
