package pipeline

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/mockauth/mockauth/simulators/ucontact"
)

// BenchmarkLayer_VerdictKey is the contract check's cache key of a login,
// computed on the request's goroutine for every exchange.
func BenchmarkLayer_VerdictKey(b *testing.B) {
	v, err := ValidatorFor(ucontact.Spec)
	if err != nil {
		b.Fatal(err)
	}
	r := httptest.NewRequest("POST", ucontact.PathGetUserToken, nil)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	tok := "ZGVtbzo0OTExZWM4OS00OTQ2LTQwYzctYTMzNC1iNzMwNjk3MjNmODE="
	job := &checkJob{v: v, r: r, path: ucontact.PathGetUserToken, body: []byte("user=demo&password=demo"), minted: []string{tok},
		answers: []answered{{status: 200, header: http.Header{"Content-Type": {"text/plain;charset=UTF-8"}}, body: []byte(`"` + tok + `"`)}}}
	b.ReportAllocs()
	for b.Loop() {
		keyOf(job)
	}
}
