package simulators_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/mockauth/mockauth"
	"github.com/mockauth/mockauth/simulators"
	"github.com/mockauth/mockauth/simulators/scenario"
	"github.com/mockauth/mockauth/simulators/ucontact"
)

// The scenario issue's own check, through the admin API and the default catalogue.
func TestScenarios_FlakyThenHeaderThenCount(t *testing.T) {
	t.Parallel()
	s := start(t, simulators.Options{})
	admin := func(method, path, body string) reply {
		return send(t, http.DefaultClient, method, s.AdminURL()+path, "application/json", body)
	}
	if got := admin("PUT", "/__admin/scenarios/ucontact-flaky", ""); got.status != 200 || !strings.Contains(got.body, `"active": true`) {
		t.Fatalf("activate: %d %s", got.status, got.body)
	}
	var listed struct {
		Scenarios []struct {
			Name   string
			Active bool
		}
	}
	if err := json.Unmarshal([]byte(admin("GET", "/__admin/scenarios", "").body), &listed); err != nil {
		t.Fatal(err)
	}
	for _, sc := range listed.Scenarios {
		if sc.Active != (sc.Name == "ucontact-flaky") {
			t.Errorf("%s active = %v", sc.Name, sc.Active)
		}
	}
	for i, want := range []int{503, 503, 200} {
		got := login(t, s, "demo", "demo")
		if got.status != want {
			t.Fatalf("login %d = %d, want %d", i+1, got.status, want)
		}
		if want == 503 && got.header.Get("Retry-After") != "1" {
			t.Fatalf("503 without Retry-After: 1")
		}
		if want == 200 && !strings.HasPrefix(got.body, `"`) || got.body == `"0"` {
			t.Fatalf("login 3 body = %q, want a token", got.body)
		}
	}
	if got := admin("DELETE", "/__admin/scenarios/ucontact-flaky", ""); got.status != 200 {
		t.Fatalf("deactivate: %d %s", got.status, got.body)
	}
	hdr := send(t, s.Client(), http.MethodPost, s.URL(ucontact.Name)+ucontact.PathGetUserToken, formCT, "user=demo&password=demo", simulators.HeaderScenario, "ucontact-vendor-error")
	if hdr.body != `"0"` {
		t.Fatalf("login with the header = %q, want \"0\"", hdr.body)
	}
	if got := login(t, s, "demo", "demo"); got.body == `"0"` || got.status != 200 {
		t.Fatalf("login without the header = %d %q, want a token", got.status, got.body)
	}
	assertJSONEqual(t, admin("POST", "/__admin/requests/count", `{"vendor":"ucontact","path":"/Integra/resources/auth/getUserToken"}`).body, `{"count":5}`)
}

func TestScenarios_AdminErrors(t *testing.T) {
	t.Parallel()
	s := start(t, simulators.Options{})
	testCases := []struct {
		method, path string
		status       int
		want         string
	}{
		{"PUT", "/__admin/scenarios/ucontact-flakey", 404, `no scenario \"ucontact-flakey\" (did you mean \"ucontact-flaky\"?)`},
		{"DELETE", "/__admin/scenarios/nope", 404, `no scenario \"nope\"`},
		{"PUT", "/__admin/scenarios/ucontact-slow?ttl=soon", 400, "ttl must be a positive Go duration"},
		{"PUT", "/__admin/scenarios/ucontact-slow?ttl=5m", 200, `"expiresAt"`},
		{"DELETE", "/__admin/scenarios", 200, `"active": []`},
	}
	for _, tc := range testCases {
		got := send(t, http.DefaultClient, tc.method, s.AdminURL()+tc.path, "", "")
		if got.status != tc.status || !strings.Contains(got.body, tc.want) {
			t.Errorf("%s %s = %d %s, want %d containing %s", tc.method, tc.path, got.status, got.body, tc.status, tc.want)
		}
	}
	got := send(t, s.Client(), http.MethodPost, s.URL(ucontact.Name)+ucontact.PathGetUserToken, formCT, "user=demo&password=demo", simulators.HeaderScenario, "ucontact-flakey")
	if got.status != 400 || !strings.HasPrefix(got.body, simulators.MsgBadScenarioHeader+`no scenario "ucontact-flakey" (did you mean "ucontact-flaky"?)`) {
		t.Fatalf("unknown header scenario = %d %q", got.status, got.body)
	}
}

func TestScenarios_FixtureUserSelects(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir+"/ucontact.yaml", "users:\n  demo:\n    password: demo\n  unlucky:\n    password: unlucky\n    scenario: ucontact-unavailable\n")
	s := start(t, simulators.Options{FixturesDir: dir})
	if got := login(t, s, "unlucky", "unlucky"); got.status != 503 {
		t.Fatalf("magic user login = %d, want 503", got.status)
	}
	if got := login(t, s, "demo", "demo"); got.status != 200 {
		t.Fatalf("other user login = %d, want 200: the scenario is that user's only", got.status)
	}
	writeFile(t, dir+"/ucontact.yaml", "users:\n  demo:\n    password: demo\n    scenario: no-such-scenario\n")
	s2 := start(t, simulators.Options{FixturesDir: dir})
	got := login(t, s2, "demo", "demo")
	if got.status != 400 || got.body != simulators.MsgBadUserScenario+`fixture user "demo" selects a scenario the loaded file lacks: no scenario "no-such-scenario"; GET /__admin/scenarios lists them`+"\n" {
		t.Fatalf("fixture naming an unknown scenario: %d %q", got.status, got.body)
	}
}

func TestScenarios_ActivateAtStartAndReload(t *testing.T) {
	t.Parallel()
	if _, err := simulators.Start(simulators.Options{Activate: []string{"nope"}}); err == nil || !strings.Contains(err.Error(), `--activate: no scenario "nope"`) {
		t.Fatalf("Start with an unknown --activate: %v", err)
	}
	// The reloaded file stands alone: it redefines a built-in name.
	s := start(t, simulators.Options{Activate: []string{"ucontact-unavailable"}, NoBuiltinScenarios: true})
	if got := login(t, s, "demo", "demo"); got.status != 503 {
		t.Fatalf("login = %d, want 503", got.status)
	}
	err := s.ReloadScenarios("bad.yaml", []byte("scenarios:\n  x:\n    rules:\n      - match: {vendor: nobody}\n        fault: {type: empty-response}\n"))
	if err == nil || !strings.HasPrefix(err.Error(), `bad.yaml:4: unknown vendor "nobody"`) {
		t.Fatalf("bad reload: %v", err)
	}
	if got := login(t, s, "demo", "demo"); got.status != 503 {
		t.Fatal("a failed reload changed the scenarios")
	}
	if err := s.ReloadScenarios("good.yaml", []byte("scenarios:\n  ucontact-unavailable:\n    rules:\n      - fault: {type: status, status: 502}\n")); err != nil {
		t.Fatal(err)
	}
	if got := login(t, s, "demo", "demo"); got.status != 502 {
		t.Fatalf("after reload login = %d, want 502 (still active, new rules)", got.status)
	}
}

func TestScenarios_DefaultMagicUsers(t *testing.T) {
	t.Parallel()
	s := start(t, simulators.Options{})
	for i, want := range []int{503, 503, 200} {
		if got := login(t, s, "flaky", "flaky"); got.status != want {
			t.Fatalf("flaky login %d = %d, want %d", i+1, got.status, want)
		}
	}
	if got := login(t, s, "demo", "demo"); got.status != 200 {
		t.Fatalf("demo login = %d: the magic user's scenario leaked", got.status)
	}
}

func TestReloadFixtures(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir+"/ucontact.yaml", "users:\n  first:\n    password: one\n")
	s := start(t, simulators.Options{FixturesDir: dir})
	if got := login(t, s, "first", "one"); got.body == `"0"` {
		t.Fatal("fixture user cannot log in")
	}
	writeFile(t, dir+"/ucontact.yaml", "users:\n  second:\n    pasword: two\n")
	if err := s.ReloadFixtures(dir); err == nil || !strings.Contains(err.Error(), "ucontact.yaml:3: unknown key \"pasword\"") {
		t.Fatalf("bad reload: %v", err)
	}
	if got := login(t, s, "first", "one"); got.body == `"0"` {
		t.Fatal("a failed reload changed the fixtures")
	}
	writeFile(t, dir+"/ucontact.yaml", "users:\n  second:\n    password: two\n")
	if err := s.ReloadFixtures(dir); err != nil {
		t.Fatal(err)
	}
	if got := login(t, s, "second", "two"); got.body == `"0"` {
		t.Fatal("the reloaded fixture's user cannot log in")
	}
	if got := login(t, s, "first", "one"); got.body != `"0"` {
		t.Fatal("the user the reload removed can still log in")
	}
}

// TestScenarios_UserFileAddsToTheCatalogue: a user's scenarios file adds
// to the built-in catalogue, so the magic fixture users' scenarios stay
// (issue 30: the deployment's 4-scenario ConfigMap left 42 names unknown);
// a name both define is refused naming both places; NoBuiltinScenarios
// loads the file alone.
func TestScenarios_UserFileAddsToTheCatalogue(t *testing.T) {
	t.Parallel()
	builtin := len(start(t, simulators.Options{}).Scenarios().Statuses())
	const mine = "scenarios:\n  my-own:\n    rules:\n      - fault: {type: status, status: 502}\n"
	s := start(t, simulators.Options{Scenarios: []byte(mine), ScenariosName: "mine.yaml"})
	names := s.Scenarios().Statuses()
	if len(names) != builtin+1 || names[len(names)-1].Name != "my-own" {
		t.Fatalf("%d scenarios after adding one to the %d built-in ones", len(names), builtin)
	}
	for i, want := range []int{503, 503, 200} {
		if got := login(t, s, "flaky", "flaky"); got.status != want {
			t.Fatalf("the magic user's built-in scenario with a user file: login %d = %d, want %d", i+1, got.status, want)
		}
	}
	const clash = "scenarios:\n  mine-too:\n    rules:\n      - fault: {type: status, status: 502}\n  ucontact-unavailable:\n    rules:\n      - fault: {type: status, status: 502}\n"
	_, err := simulators.Start(simulators.Options{Scenarios: []byte(clash), ScenariosName: "mine.yaml"})
	if err == nil || !strings.Contains(err.Error(), `mine.yaml:5: scenario "ucontact-unavailable" is defined at scenarios.yaml:`) {
		t.Fatalf("a name in both: %v", err)
	}
	alone := start(t, simulators.Options{Scenarios: []byte(clash), ScenariosName: "mine.yaml", NoBuiltinScenarios: true})
	if n := len(alone.Scenarios().Statuses()); n != 2 {
		t.Fatalf("NoBuiltinScenarios: %d scenarios, want the file's 2", n)
	}
}

// Issue 31, N11: a reload after one vendor's fixture file changed starts
// that vendor afresh and leaves the others as they are, their tokens good.
func TestHostile_FixtureReloadKeepsOtherVendors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir+"/ucontact.yaml", "users:\n  first:\n    password: one\n    demo: true\n")
	s := start(t, simulators.Options{FixturesDir: dir, Vendors: []string{"ucontact", "crmcom"}})
	crm := send(t, s.Client(), http.MethodPost, s.URL("crmcom")+"/crmapi/rest/v2/authentication/token", "application/json",
		`{"username":"mpadministrator","password":"1234","organisation":"CRMDEMO"}`)
	var env struct{ Data struct{ Token string } }
	if err := json.Unmarshal([]byte(crm.body), &env); err != nil || env.Data.Token == "" {
		t.Fatalf("crmcom login: %q", crm.body)
	}
	uc := strings.Trim(login(t, s, "first", "one").body, `"`)
	writeFile(t, dir+"/ucontact.yaml", "users:\n  first:\n    password: one\n    demo: true\n  second:\n    password: two\n")
	if err := s.ReloadFixtures(dir); err != nil {
		t.Fatal(err)
	}
	if !s.ValidToken("crmcom", env.Data.Token) {
		t.Error("editing ucontact's fixtures ended crmcom's token")
	}
	if s.ValidToken("ucontact", uc) {
		t.Error("ucontact's reloaded fixtures kept its tokens")
	}
}

// scenarios.yaml holds each vendor's shapes once ({vendor}-…): the
// catalogue still has every name users know, each matching its vendor.
func TestDefaultScenarios_ShapesKeepTheNamesUsersKnow(t *testing.T) {
	t.Parallel()
	cat, err := scenario.Load("scenarios.yaml", mockauth.DefaultScenarios, simulators.Vocabulary())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ucontact-vendor-error", "ucontact-unavailable", "ucontact-flaky", "ucontact-slow", "ucontact-dribble", "ucontact-reset", "ucontact-empty", "ucontact-malformed", "ucontact-timeout", "ucontact-rate-limited", "ucontact-token-expired", "ucontact-legacy-server", "crmcom-vendor-error", "crmcom-unavailable", "crmcom-flaky", "crmcom-slow", "crmcom-dribble", "crmcom-reset", "crmcom-empty", "crmcom-malformed", "crmcom-timeout", "crmcom-rate-limited", "crmcom-token-expired", "autoalert-vendor-error", "autoalert-unavailable", "autoalert-flaky", "autoalert-slow", "autoalert-dribble", "autoalert-reset", "autoalert-empty", "autoalert-malformed", "autoalert-timeout", "autoalert-rate-limited", "autoalert-token-expired", "exotel-vendor-error", "exotel-unavailable", "exotel-flaky", "exotel-slow", "exotel-dribble", "exotel-reset", "exotel-empty", "exotel-malformed", "exotel-timeout", "exotel-rate-limited", "exotel-token-expired", "all-unavailable"} {
		sc := cat.Find(name)
		if sc == nil {
			t.Errorf("scenario %s is gone", name)
			continue
		}
		if v, _, ok := strings.Cut(name, "-"); ok && v != "all" && (sc.Rules[0].Match.Vendor != v || !strings.Contains(sc.Description, v)) {
			t.Errorf("%s: matches vendor %q, described %q", name, sc.Rules[0].Match.Vendor, sc.Description)
		}
	}
	if n := strings.Count(string(mockauth.DefaultScenarios), "{vendor}-"); n != 11 {
		t.Errorf("scenarios.yaml holds %d shapes, want the 11", n)
	}
}
