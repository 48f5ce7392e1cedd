package contracts

import (
	"strings"
	"testing"
)

// TestFidelity_EveryBehaviourHasASource: every operation and response of
// every contract, and its no-route answers, say what they rest on.
func TestFidelity_EveryBehaviourHasASource(t *testing.T) {
	entries, err := files.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		vendor := strings.TrimSuffix(e.Name(), ".yaml")
		name, data, err := Default(vendor)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := Fidelity(vendor, name, data)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		doc, err := Load(vendor)
		if err != nil {
			t.Fatal(err)
		}
		want := 1 // the no-route answers
		for _, item := range doc.Paths.Map() {
			for _, op := range item.Operations() {
				want += 1 + op.Responses.Len()
			}
		}
		if len(rows) != want {
			t.Errorf("%s: %d rows, want %d (one per operation, one per response, the no-route answers)", vendor, len(rows), want)
		}
		if rows[0].Operation != NoRoute {
			t.Errorf("%s: first row %+v, want the no-route answers", vendor, rows[0])
		}
		for _, r := range rows {
			if r.Vendor != vendor || (r.Kind != KindEvidence && r.Kind != KindReading) || r.Source == "" || strings.Contains(r.Source, "\n") {
				t.Errorf("%s: bad row %+v", vendor, r)
			}
		}
	}
}

// TestFidelity_RefusesABehaviourWithoutSource: the check names what lacks
// a source (or has both), with its line, and reports every one.
func TestFidelity_RefusesABehaviourWithoutSource(t *testing.T) {
	const doc = `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    post:
      operationId: a
      x-evidence: the vendor page
      responses:
        "200":
          description: ok
          x-reading: >-
            nothing public
            shows it
        "400":
          description: no source
  /b:
    get:
      operationId: b
      x-evidence: one
      x-reading: two
      responses:
        "200": {description: ok, x-evidence: page}
x-no-route:
  x-reading: a reading
`
	rows, err := Fidelity("t", "t.yaml", []byte(doc))
	if err == nil {
		t.Fatal("no error for a response without a source")
	}
	for _, want := range []string{
		"t.yaml:14: operation a, response 400: neither x-evidence nor x-reading",
		"t.yaml:17: operation b: both x-evidence and x-reading",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error\n%v\nlacks %q", err, want)
		}
	}
	if len(rows) != 4 || rows[2].Source != "nothing public shows it" || rows[2].Kind != KindReading {
		t.Errorf("rows = %+v", rows)
	}
	if _, err := Fidelity("t", "t.yaml", []byte(strings.Replace(doc, "x-no-route:\n  x-reading: a reading\n", "", 1))); err == nil ||
		!strings.Contains(err.Error(), "x-no-route") {
		t.Errorf("a contract without x-no-route: %v", err)
	}
}
