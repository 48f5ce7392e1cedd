package ucontact

import (
	"bytes"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
)

// Describe's parse, handed to the handler, is what the handler's own
// ParseForm would give, for every request it is handed for; a request it
// cannot parse is left to ParseForm, which reports the error as before.
func TestParsedOnce_IsParseForm(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ method, target, contentType, body string }{
		{"POST", "/x", "application/x-www-form-urlencoded", "user=demo&password=demo"},
		{"POST", "/x", "application/x-www-form-urlencoded", "user=a&user=b&password=%41"},
		{"POST", "/x?user=q", "application/x-www-form-urlencoded", "user=demo&password=demo"},
		{"POST", "/x?bad=%zz", "application/x-www-form-urlencoded", "user=demo"},
		{"POST", "/x", "application/x-www-form-urlencoded", "user=%zz"},
		{"POST", "/x", "application/x-www-form-urlencoded; charset=UTF-8", "user=demo"},
		{"POST", "/x", "Application/X-WWW-Form-Urlencoded", "user=demo"},
		{"POST", "/x", "application/json", `{"user":"demo"}`},
		{"POST", "/x", "", "user=demo"},
		{"POST", "/x", "text/plain; charset", "user=demo"},
		{"POST", "/x", "application/x-www-form-urlencoded", ""},
		{"PUT", "/x?a=1", "application/x-www-form-urlencoded", "user=demo"},
		{"GET", "/x?user=demo", "", ""},
	} {
		r := httptest.NewRequest(tc.method, tc.target, nil)
		if tc.contentType != "" {
			r.Header.Set("Content-Type", tc.contentType)
		}
		f := parsedOnce(r, []byte(tc.body))

		own := httptest.NewRequest(tc.method, tc.target, bytes.NewReader([]byte(tc.body)))
		own.Header = r.Header.Clone()
		err := own.ParseForm()
		switch {
		case f == nil && err == nil && (tc.method == http.MethodPost || tc.method == http.MethodPut):
			t.Errorf("%+v: not handed over, though ParseForm parses it", tc)
		case f != nil && err != nil:
			t.Errorf("%+v: handed over, though ParseForm fails: %v", tc, err)
		case f != nil && (!equal(f.form, own.Form) || !equal(f.post, own.PostForm)):
			t.Errorf("%+v: Form %v PostForm %v, ParseForm gives %v and %v", tc, f.form, f.post, own.Form, own.PostForm)
		}
		// The handler's view: the parse handed over, or its own.
		if f != nil {
			h := httptest.NewRequest(tc.method, tc.target, io.NopCloser(bytes.NewReader(nil)))
			h.Form, h.PostForm = f.form, f.post
			if err := h.ParseForm(); err != nil {
				t.Errorf("%+v: ParseForm after the hand-over: %v", tc, err)
			}
		}
	}
}

func equal(a, b map[string][]string) bool {
	return maps.EqualFunc(a, b, slices.Equal)
}
