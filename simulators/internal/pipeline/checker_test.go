package pipeline

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/mockauth/mockauth/simulators/ucontact"
)

// Two exchanges share a verdict key when they differ only in the tokens
// minted for them; anything else a check reads makes another key.
func TestVerdictKey(t *testing.T) {
	t.Parallel()
	v, err := ValidatorFor(ucontact.Spec)
	if err != nil {
		t.Fatal(err)
	}
	job := func(change func(r *http.Request, j *checkJob)) verdictKey {
		r := httptest.NewRequest("POST", ucontact.PathGetUserToken, nil)
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		tok := "ZGVtbzo0OTExZWM4OS00OTQ2LTQwYzctYTMzNC1iNzMwNjk3MjNmODE="
		j := &checkJob{v: v, r: r, path: ucontact.PathGetUserToken, body: []byte("user=demo&password=demo"), minted: []string{tok},
			answers: []answered{{status: 200, header: http.Header{"Content-Type": {"text/plain;charset=UTF-8"}}, body: []byte(`"` + tok + `"`)}}}
		change(r, j)
		return keyOf(j)
	}
	base := job(func(*http.Request, *checkJob) {})
	other := "b3RoZXI6MTExMTExMTEtMjIyMi0zMzMzLTQ0NDQtNTU1NTU1NTU1NTU1"
	if got := job(func(_ *http.Request, j *checkJob) {
		j.minted, j.answers[0].body = []string{other}, []byte(`"`+other+`"`)
	}); got != base {
		t.Error("another minted token made another key")
	}
	for name, change := range map[string]func(*http.Request, *checkJob){
		"method":           func(r *http.Request, _ *checkJob) { r.Method = "PUT" },
		"path":             func(r *http.Request, _ *checkJob) { r.URL.Path += "x" },
		"documented path":  func(_ *http.Request, j *checkJob) { j.path = "/other" },
		"query":            func(r *http.Request, _ *checkJob) { r.URL.RawQuery = "a=1" },
		"content type":     func(r *http.Request, _ *checkJob) { r.Header.Set("Content-Type", "application/json") },
		"accept":           func(r *http.Request, _ *checkJob) { r.Header.Set("Accept", "text/html") },
		"scheme":           func(r *http.Request, _ *checkJob) { r.Header.Set("Authorization", "Basic") },
		"credentials":      func(r *http.Request, _ *checkJob) { r.Header.Set("Authorization", "Basic x") },
		"body":             func(_ *http.Request, j *checkJob) { j.body = []byte("user=demo&password=demO") },
		"status":           func(_ *http.Request, j *checkJob) { j.answers[0].status = 201 },
		"answer type":      func(_ *http.Request, j *checkJob) { j.answers[0].header.Set("Content-Type", "text/html") },
		"challenge":        func(_ *http.Request, j *checkJob) { j.answers[0].header.Set("WWW-Authenticate", "Basic") },
		"answer":           func(_ *http.Request, j *checkJob) { j.answers[0].body = append(j.answers[0].body, ' ') },
		"no answer":        func(_ *http.Request, j *checkJob) { j.answers = nil },
		"a real service's": func(_ *http.Request, j *checkJob) { j.real = true },
		"token unmasked":   func(_ *http.Request, j *checkJob) { j.minted = nil },
	} {
		if job(change) == base {
			t.Errorf("%s: the same key", name)
		}
	}
	r := httptest.NewRequest("POST", ucontact.PathGetUserToken, nil)
	if requestKeyOf(&checkJob{v: v, r: r}) == keyOf(&checkJob{v: v, r: r}) {
		t.Error("a request's own verdict and an exchange's share a key")
	}
}
