package simulators_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mockauth/mockauth/simulators"
	"github.com/mockauth/mockauth/simulators/crmcom"
	"github.com/mockauth/mockauth/simulators/ucontact"
)

// findBrowser returns Debian's chromium (or another Chrome). Outside CI a
// machine without one skips the test, saying so; in CI, .ci/run installs
// chromium, so a missing one is a failure.
func findBrowser(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium in CI: .ci/run must install it")
	}
	t.Skip("no chromium here (apt-get install chromium to run the browser test)")
	return ""
}

// userDataDir is a fresh profile directory. Chromium's helper processes
// may still be writing to it for a moment after the browser is killed, so
// its removal is retried rather than left to t.TempDir.
func userDataDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "mockauth-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		deadline := time.Now().Add(10 * time.Second)
		for os.RemoveAll(dir) != nil && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
	})
	return dir
}

func scenarioActive(t *testing.T, s *simulators.Stack, name string) bool {
	t.Helper()
	var ans struct {
		Scenarios []struct {
			Name   string
			Active bool
		}
	}
	if err := json.Unmarshal([]byte(send(t, http.DefaultClient, "GET", s.AdminURL()+"/__admin/scenarios", "", "").body), &ans); err != nil {
		t.Fatal(err)
	}
	for _, sc := range ans.Scenarios {
		if sc.Name == name {
			return sc.Active
		}
	}
	return false
}

// browserContext is a headless Chromium's context, bounded to 90 s.
func browserContext(t *testing.T) context.Context {
	t.Helper()
	browser := findBrowser(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(browser),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(userDataDir(t)),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	browserCtx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(browserCtx, 90*time.Second)
	t.Cleanup(cancelTimeout)
	return ctx
}

func TestDashboard_InABrowser(t *testing.T) {
	t.Parallel()
	ctx := browserContext(t)
	s := start(t, simulators.Options{})

	// The page lists every scenario; switch ucontact-flaky on with a click.
	if err := chromedp.Run(ctx,
		chromedp.Navigate(s.AdminURL()+"/"),
		chromedp.WaitVisible(`#sc-ucontact-flaky`, chromedp.ByID),
		chromedp.Click(`#sc-ucontact-flaky`, chromedp.ByID),
	); err != nil {
		t.Fatalf("opening the dashboard and switching ucontact-flaky on: %v", err)
	}
	eventually(t, 10*time.Second, func() bool { return scenarioActive(t, s, "ucontact-flaky") }, "the click did not activate ucontact-flaky through the admin API")

	// A login now answers 503, and the row appears in the journal table.
	if got := login(t, s, "demo", "demo"); got.status != 503 {
		t.Fatalf("login with ucontact-flaky on = %d, want 503", got.status)
	}
	row := `tr[data-status="503"][data-path="` + ucontact.PathGetUserToken + `"]`
	var scenarioCell, outcomeCell string
	if err := chromedp.Run(ctx,
		chromedp.WaitVisible(row, chromedp.ByQuery),
		chromedp.Text(row+` td:nth-child(5)`, &outcomeCell, chromedp.ByQuery),
		chromedp.Text(row+` td:nth-child(6)`, &scenarioCell, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("the 503 never appeared in the journal table: %v", err)
	}
	if scenarioCell != "ucontact-flaky" || outcomeCell != "fault" {
		t.Fatalf("the 503 row names scenario %q and outcome %q, want ucontact-flaky and fault", scenarioCell, outcomeCell)
	}

	// Without a mouse: focus another switch, press space; expand the row with Enter.
	var details string
	if err := chromedp.Run(ctx,
		chromedp.Focus(`#sc-crmcom-slow`, chromedp.ByID),
		chromedp.KeyEvent(" "),
		chromedp.Focus(row+` button`, chromedp.ByQuery),
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(`.row-details`, chromedp.ByQuery),
		chromedp.Text(`.row-details`, &details, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("keyboard use: %v", err)
	}
	eventually(t, 10*time.Second, func() bool { return scenarioActive(t, s, "crmcom-slow") }, "space on a focused switch did not activate crmcom-slow")
	for _, want := range []string{"ucontact-flaky, rule 1", "password=[redacted]", "503"} {
		if !strings.Contains(details, want) {
			t.Errorf("expanded row lacks %q:\n%s", want, details)
		}
	}

	// A vendor's in-band failure (uContact's HTTP 200 "0") does not look
	// like a success: the outcome column tells them apart.
	send(t, http.DefaultClient, "DELETE", s.AdminURL()+"/__admin/scenarios", "", "")
	if got := login(t, s, "demo", "wrong-password"); got.status != 200 || got.body != ucontact.BodyQuotedZero {
		t.Fatalf("wrong password = %d %q, want 200 \"0\"", got.status, got.body)
	}
	if got := login(t, s, "demo", "demo"); got.status != 200 {
		t.Fatalf("demo login = %d", got.status)
	}
	for outcome, status := range map[string]string{"vendor error": "200", "login ok": "200"} {
		var cell string
		sel := `tr[data-status="` + status + `"][data-outcome="` + outcome + `"]`
		if err := chromedp.Run(ctx,
			chromedp.WaitVisible(sel, chromedp.ByQuery),
			chromedp.Text(sel+` td:nth-child(5)`, &cell, chromedp.ByQuery),
		); err != nil || cell != outcome {
			t.Fatalf("no HTTP %s row shown as %q (cell %q): %v", status, outcome, cell, err)
		}
	}

	// A request no operation takes: the vendor's own 404, and the
	// diagnosis in the row's details (the body no longer carries it).
	if got := send(t, s.Client(), "POST", s.URL("crmcom")+"/crmapi/rest/v1/authentication/token", formCT, ""); got.status != 404 {
		t.Fatalf("unmatched = %d", got.status)
	}
	unmatchedRow := `tr[data-outcome="unmatched"]`
	var unmatchedDetails string
	if err := chromedp.Run(ctx,
		chromedp.WaitVisible(unmatchedRow, chromedp.ByQuery),
		chromedp.Click(unmatchedRow+` button`, chromedp.ByQuery),
		chromedp.WaitVisible(unmatchedRow+` + .row-details`, chromedp.ByQuery),
		chromedp.Text(unmatchedRow+` + .row-details`, &unmatchedDetails, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("the unmatched row: %v", err)
	}
	if want := `closest: POST /crmapi/rest/v2/authentication/token (token): path: sent /crmapi/rest/v1/authentication/token, documented /crmapi/rest/v2/authentication/token ("v1" where "v2" belongs)`; !strings.Contains(unmatchedDetails, want) {
		t.Errorf("the unmatched row's details lack the diagnosis %q:\n%s", want, unmatchedDetails)
	}

	// The fidelity section: each vendor's tally, and every behaviour in
	// the table once it is opened.
	var tally string
	var rows, readings int
	if err := chromedp.Run(ctx,
		chromedp.WaitVisible(`#evidence-tally li[data-vendor="exotel"]`, chromedp.ByQuery),
		chromedp.Text(`#evidence-tally`, &tally, chromedp.ByQuery),
		chromedp.Click(`#evidence-details summary`, chromedp.ByQuery),
		chromedp.WaitVisible(`#evidence tr[data-vendor="autoalert"]`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("#evidence tr").length`, &rows),
		chromedp.Evaluate(`document.querySelectorAll('#evidence tr[data-basis="reading"]').length`, &readings),
	); err != nil {
		t.Fatalf("the fidelity section: %v", err)
	}
	wantRows, wantReadings := 0, 0
	for _, spec := range simulators.Specs() {
		basis, err := simulators.Fidelity(spec)
		if err != nil {
			t.Fatal(err)
		}
		wantRows += len(basis)
		for _, b := range basis {
			if b.Kind == "reading" {
				wantReadings++
			}
		}
	}
	if rows != wantRows || readings != wantReadings || !strings.Contains(tally, "ucontact: 7 on evidence, 15 on a reading") {
		t.Errorf("fidelity section: %d rows (%d readings), tally %q; want %d rows (%d readings)", rows, readings, tally, wantRows, wantReadings)
	}

	// A stub added with the admin API is listed, and answers at once.
	put := send(t, http.DefaultClient, "PUT", s.AdminURL()+"/__admin/stubs/crmcom/ping", "application/yaml",
		"method: GET\npath: /crmapi/rest/v2/ping\nauth: none\nresponse: {body: pong}\n")
	if put.status != 200 {
		t.Fatalf("PUT stub: %d %s", put.status, put.body)
	}
	if got := send(t, s.Client(), "GET", s.URL("crmcom")+"/crmapi/rest/v2/ping", "", ""); got.status != 200 || got.body != "pong" {
		t.Fatalf("the new stub answered %d %q", got.status, got.body)
	}
	var stubRow string
	if err := chromedp.Run(ctx,
		chromedp.WaitVisible(`#stubs tr[data-stub="ping"]`, chromedp.ByQuery),
		chromedp.Text(`#stubs tr[data-stub="ping"]`, &stubRow, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("the stubs section never listed the new stub: %v", err)
	}
	if !strings.Contains(stubRow, "GET /crmapi/rest/v2/ping") || !strings.Contains(stubRow, "admin API") {
		t.Errorf("stub row %q", stubRow)
	}

	// CRM.COM's long demo values stay inside the vendors column.
	var overlap bool
	if err := chromedp.Run(ctx, chromedp.Evaluate(`(() => {
		const vendors = document.querySelector(".vendors").getBoundingClientRect();
		const journal = document.querySelector('[aria-labelledby="journal-h"]').getBoundingClientRect();
		return vendors.right > journal.left;
	})()`, &overlap)); err != nil {
		t.Fatal(err)
	}
	if overlap {
		t.Error("the vendors table overflows into the requests table")
	}

	if path := os.Getenv("MOCKAUTH_SCREENSHOT"); path != "" {
		var png []byte
		if err := chromedp.Run(ctx, chromedp.CaptureScreenshot(&png)); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// A page of another origin cannot drive the admin API (issue 21, B7):
	// a no-cors fetch, a CORS fetch (whose preflight the API refuses) and a
	// form all try to move the clock; the page says when they are done.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>evil</title>
<iframe name="sink"></iframe>
<form id="f" method="post" action="%[1]s/__admin/clock" enctype="text/plain" target="sink"><input name='{"advance":"240h","x":"' value='"}'></form>
<script>
const u = %[1]q + "/__admin/clock", body = JSON.stringify({ advance: "240h" });
const tries = [
  fetch(u, { method: "POST", mode: "no-cors", body }).catch(() => {}),
  fetch(u, { method: "POST", headers: { "Content-Type": "application/json" }, body }).catch(() => {}),
  new Promise(r => { document.querySelector("iframe").onload = r; document.getElementById("f").submit(); setTimeout(r, 3000); }),
];
Promise.all(tries).then(() => { document.title = "done"; });
</script>`, s.AdminURL())
	}))
	defer evil.Close()
	var title string
	if err := chromedp.Run(ctx,
		chromedp.Navigate(evil.URL),
		chromedp.Poll(`document.title === "done"`, nil, chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.Title(&title),
	); err != nil {
		t.Fatalf("the other origin's page: %v", err)
	}
	var clk struct{ Offset string }
	if err := json.Unmarshal([]byte(send(t, http.DefaultClient, "GET", s.AdminURL()+"/__admin/clock", "", "").body), &clk); err != nil {
		t.Fatal(err)
	}
	if clk.Offset != "0s" {
		t.Errorf("a page of another origin moved the clock by %s", clk.Offset)
	}
}

// In proxy mode the dashboard's Drift panel lists what the real vendor's
// answers broke, with its count (issue 22).
func TestDashboard_DriftPanel(t *testing.T) {
	t.Parallel()
	ctx := browserContext(t)
	fake := newFakeCRM(t)
	target, _ := url.Parse(fake.URL)
	// Not start(): its check that answers keep their contract is what drift breaks.
	s, err := simulators.Start(simulators.Options{Vendors: []string{crmcom.Name}, Upstreams: map[string]*url.URL{crmcom.Name: target}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	for range 2 {
		send(t, s.Client(), http.MethodPost, s.URL(crmcom.Name)+crmcom.PathToken, "application/json",
			`{"username":"qa.lead","password":"`+upstreamPassword+`","organisation":"TENANT1"}`)
	}
	row := `#drift tr[data-vendor="crmcom"]`
	var count, kind string
	if err := chromedp.Run(ctx,
		chromedp.Navigate(s.AdminURL()+"/"),
		chromedp.WaitVisible(row, chromedp.ByQuery),
		chromedp.Text(row+` td:nth-child(3)`, &count, chromedp.ByQuery),
		chromedp.Text(row+` td:nth-child(4)`, &kind, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("the drift panel: %v", err)
	}
	if count != "2" || !strings.Contains(kind, `property "expires_in" is unsupported`) {
		t.Errorf("drift row: count %q, kind %q", count, kind)
	}
	// The journal's rows say which answers drifted, and that the real service gave them.
	var vendorCell, outcomeCell string
	journalRow := `#journal tr[data-drift="true"]`
	if err := chromedp.Run(ctx,
		chromedp.WaitVisible(journalRow, chromedp.ByQuery),
		chromedp.Text(journalRow+` td:nth-child(2)`, &vendorCell, chromedp.ByQuery),
		chromedp.Text(journalRow+` td:nth-child(5)`, &outcomeCell, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("the journal's drift row: %v", err)
	}
	if vendorCell != "crmcom (real)" || !strings.HasSuffix(outcomeCell, "drift") {
		t.Errorf("journal row: vendor %q, outcome %q", vendorCell, outcomeCell)
	}
}
