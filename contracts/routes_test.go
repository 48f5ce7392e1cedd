package contracts

import (
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// The generated index is the contracts' own: a contract changed without
// go generate fails here.
func TestEmbeddedRoutes(t *testing.T) {
	for _, vendor := range []string{"ucontact", "crmcom", "autoalert", "exotel"} {
		doc, err := Load(vendor)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := embeddedRoutes[vendor], RoutesOf(doc); !slices.Equal(got, want) {
			t.Errorf("%s: routes_gen.go is stale (run go generate ./contracts):\n got %v\nwant %v", vendor, got, want)
		}
	}
}

// The index routes a request as the loaded contract's router does, on the
// documented paths and on every near miss a client makes of them.
func TestRouteIndexMatchesLikeTheRouter(t *testing.T) {
	methods := []string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "post"}
	for _, vendor := range []string{"ucontact", "crmcom", "autoalert", "exotel"} {
		lazy, err := NewEmbeddedValidator(vendor)
		if err != nil {
			t.Fatal(err)
		}
		eager, err := NewValidator(vendor)
		if err != nil {
			t.Fatal(err)
		}
		var paths []string
		for _, rt := range embeddedRoutes[vendor] {
			p := strings.NewReplacer("{", "", "}", "").Replace(rt.Path) // a variable's own name as its value
			paths = append(paths, p, p+"/", "/"+p, strings.ToLower(p), strings.ToUpper(p), "/x"+p, p+"/x",
				strings.Replace(p, "/", "//", 2), strings.Replace(p, "a", "%61", 1), strings.Replace(rt.Path, "{account_sid}", "", 1),
				strings.Replace(rt.Path, "{account_sid}", "a%2Fb", 1), strings.Replace(rt.Path, "{account_sid}", "a/b", 1), p+"?q=1")
		}
		paths = append(paths, "/", "", "/.well-known/", "/login%2F")
		matched := 0
		for _, p := range paths {
			for _, m := range methods {
				r := httptest.NewRequest("GET", "http://h/", nil)
				r.Method = m
				u := *r.URL
				if err := setPath(&u, p); err != nil {
					continue
				}
				r.URL = &u
				got, want := lazy.Matches(r, ""), eager.Matches(r, "")
				if got != want {
					t.Errorf("%s %s %q: index says %t, router %t", vendor, m, p, got, want)
				}
				if want {
					matched++
				}
			}
		}
		if matched < len(embeddedRoutes[vendor]) {
			t.Errorf("%s: only %d probes matched: the test does not reach the routes", vendor, matched)
		}
	}
}

// A variable inside a segment is refused at generation.
func TestCheckTemplate(t *testing.T) {
	for path, ok := range map[string]bool{"/a/{id}/b": true, "/a/b": true, "/a/{id}.json": false, "/a/{id:[0-9]+}": false} {
		if err := CheckTemplate(path); (err == nil) != ok {
			t.Errorf("CheckTemplate(%q) = %v", path, err)
		}
	}
}

// An embedded validator loads its document when first asked, once.
func TestEmbeddedValidatorLoadsOnUse(t *testing.T) {
	v, err := NewEmbeddedValidator("ucontact")
	if err != nil {
		t.Fatal(err)
	}
	if v.doc != nil {
		t.Fatal("loaded before use")
	}
	if m, p, ok := v.Operation("getUserToken"); !ok || m != "POST" || p != "/Integra/resources/auth/getUserToken" {
		t.Fatalf("Operation from the index: %s %s %t", m, p, ok)
	}
	if v.doc != nil {
		t.Fatal("the index's answers loaded the document")
	}
	r := httptest.NewRequest("POST", "/Integra/resources/auth/getUserToken", nil)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if _, violations := v.Request(r, "", []byte("user=a&password=b")); len(violations) != 0 || v.Doc() == nil {
		t.Fatalf("a check after a lazy start: %v", violations)
	}
}

// setPath sets a URL's path from its escaped form, as a server parses it.
func setPath(u *url.URL, escaped string) error {
	path, query, _ := strings.Cut(escaped, "?")
	p, err := url.PathUnescape(path)
	if err != nil {
		return err
	}
	u.Path, u.RawPath, u.RawQuery = p, path, query
	if u.EscapedPath() != path {
		u.RawPath = ""
	}
	return nil
}
