package stub_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mockauth/mockauth/simulators/stub"
)

// FuzzStub: any stub text is parsed or refused with a line, never a
// panic, and any request to a parsed stub is matched and answered within
// the caps.
func FuzzStub(f *testing.F) {
	f.Add("method: GET\npath: /a/{id}\nauth: none\nresponse: {body: '{{.Path.id}}'}\n", "GET", "/a/1", "")
	f.Add("method: POST\npath: /s\nauth: none\nmatch: {json: {a.b: '*'}}\nresponse: {body: '{{json (.Field \"a.b\")}}'}\n", "POST", "/s", `{"a":{"b":[1,{"c":2}]}}`)
	f.Add("method: POST\npath: /s\nauth: none\nmatch: {xml: {x: '*'}}\nresponse: {body: '{{xml (.Field \"x\")}}'}\n", "POST", "/s", `<r><x>&lt;</x></r>`)
	f.Add("method: GET\npath: /{a:[0-9]+}\nauth: none\nresponses: {text/plain: {body: x}, application/json: {body: '{}'}}\n", "GET", "/12", "")
	f.Add("method: GET\npath: /\nauth: none\nresponse: {body: '{{range .Query}}{{.}}{{end}}'}\n", "GET", "/?a=1&b=2", "")
	f.Add("{", "GET", "/", "")
	f.Fuzz(func(t *testing.T, text, method, target, body string) {
		st, err := stub.ParseOne("fuzz", "s", []byte(text), rules)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz") {
				t.Fatalf("an error without the file's name: %v", err)
			}
			return
		}
		if !strings.HasPrefix(target, "/") || strings.ContainsAny(target, " \t\r\n#") {
			return
		}
		r := httptest.NewRequest("GET", "/", strings.NewReader(body))
		r.Method = method
		u, err := r.URL.Parse(target)
		if err != nil {
			return
		}
		r.URL = u
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		found, params := stub.NewSet([]*stub.Stub{st}).Lookup(r, []byte(body))
		if found == nil {
			return
		}
		w := httptest.NewRecorder()
		stub.Call{Stub: found, Params: params}.Handler("fuzz", []byte(body), time.Now).ServeHTTP(w, r)
		if w.Body.Len() > 1<<20+200 {
			t.Fatalf("answer of %d bytes", w.Body.Len())
		}
	})
}
