package redact_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/mockauth/mockauth/simulators/redact"
)

// placement is one way a request carries a secret: its content type,
// body, header and query, with S standing for the secret.
type placement struct {
	name, contentType, body, header, query string
}

// placements are the ways the hardening issue (21, B12) found secrets
// reaching the journal in clear, and the usual ones.
var placements = []placement{
	{name: "form", contentType: "application/x-www-form-urlencoded", body: "user=u&password=S"},
	{name: "form split by ;", contentType: "application/x-www-form-urlencoded", body: "user=u;password=S"},
	{name: "form array", contentType: "application/x-www-form-urlencoded", body: "user=u&password[]=S"},
	{name: "JSON", contentType: "application/json", body: `{"user":"u","password":"S"}`},
	{name: "JSON array", contentType: "application/json", body: `{"user":"u","password":["S","x"]}`},
	{name: "JSON object", contentType: "application/json", body: `{"user":"u","password":{"value":"S"}}`},
	{name: "JSON one_time_password", contentType: "application/json", body: `{"username":"u","one_time_password":"S"}`},
	{name: "JSON securityCode", contentType: "application/json", body: `{"userName":"u","securityCode":"S"}`},
	{name: "JSON newPassword", contentType: "application/json", body: `{"newPassword":"S"}`},
	{name: "broken JSON", contentType: "application/json", body: `{"user":"u","password":"S`},
	{name: "XML element", contentType: "application/xml", body: `<Login><userName>u</userName><password>S</password></Login>`},
	{name: "XML attribute", contentType: "application/xml", body: `<Login user="u" password="S"/>`},
	{name: "XML attribute, prefixed", contentType: "application/xml", body: `<Login xmlns:a="urn:a" a:password='S'></Login>`},
	{name: "DOCTYPE entity", contentType: "application/xml", body: `<!DOCTYPE Login [<!ENTITY p "S">]><Login><password>&p;</password></Login>`},
	{name: "multipart", contentType: "multipart/form-data; boundary=XyZ", body: "--XyZ\r\nContent-Disposition: form-data; name=\"user\"\r\n\r\nu\r\n--XyZ\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\nS\r\n--XyZ--\r\n"},
	{name: "X-Password header", header: "X-Password"},
	{name: "X-Api-Token header", header: "X-Api-Token"},
	{name: "query token", query: "token=S&user=u"},
	{name: "query securityCode", query: "securityCode=S"},
}

// redacted is what the journal keeps of a placement with secret s.
func redacted(p placement, s string) string {
	pol := redact.NewPolicy()
	var out strings.Builder
	out.WriteString(pol.Body(p.contentType, []byte(strings.ReplaceAll(p.body, "S", s))))
	if p.header != "" {
		h := pol.Headers(http.Header{http.CanonicalHeaderKey(p.header): {s}})
		for _, v := range h {
			out.WriteString(strings.Join(v, ","))
		}
	}
	out.WriteString(pol.Query(strings.ReplaceAll(p.query, "S", s)))
	return out.String()
}

func TestRedaction_EveryPlacement(t *testing.T) {
	const secret = "Planted-Secret-7Qz9"
	for _, p := range placements {
		if out := redacted(p, secret); strings.Contains(out, secret) {
			t.Errorf("%s: the secret is kept: %q", p.name, out)
		}
	}
}

// FuzzPlantedSecret plants any secret in every placement: it never comes
// out in clear (not just no panic).
func FuzzPlantedSecret(f *testing.F) {
	for _, s := range []string{"Planted-Secret-7Qz9", "aaaaaaaa", "x1y2z3w4v5u6", "0000000000000000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, secret string) {
		// A secret is a token-like run of 8 to 64 letters, digits, - and _:
		// shorter ones are ordinary text that other fields may hold.
		if len(secret) < 8 || len(secret) > 64 || strings.Trim(secret, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "" {
			return
		}
		for _, p := range placements {
			if strings.Contains(strings.ReplaceAll(p.body+p.header+p.query, "S", ""), secret) {
				continue // the secret is a word of the placement itself
			}
			if out := redacted(p, secret); strings.Contains(out, secret) {
				t.Fatalf("%s: secret %q kept: %q", p.name, secret, out)
			}
			if err := everyCut(p, secret); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// everyCut checks BodyPrefix at every cut of a placement's body: whatever
// part of the secret the first n bytes hold (6 bytes or more: shorter ones
// are ordinary text) never comes out in clear.
func everyCut(p placement, secret string) error {
	body := strings.ReplaceAll(p.body, "S", secret)
	at := strings.Index(body, secret)
	if at < 0 {
		return nil
	}
	pol := redact.NewPolicy()
	for n := 1; n < len(body); n++ {
		seen := secret[:max(0, min(len(secret), n-at))]
		if len(seen) < 6 || strings.Contains(strings.ReplaceAll(p.body, "S", ""), seen) {
			continue
		}
		if out := pol.BodyPrefix(p.contentType, []byte(body), n); strings.Contains(out, seen) {
			return fmt.Errorf("%s cut at %d: %q of secret %q kept: %q", p.name, n, seen, secret, out)
		}
	}
	return nil
}

// A journal that keeps the first n bytes of a body redacts only those:
// every placement, cut anywhere, keeps no part of its secret.
func TestRedaction_EveryCut(t *testing.T) {
	for _, p := range placements {
		if err := everyCut(p, "Planted-Secret-7Qz9"); err != nil {
			t.Error(err)
		}
	}
}

// What comes before the cut is kept as it was: BodyPrefix of a long body
// is the redacted prefix, not a mask of everything.
func TestBodyPrefix_KeepsWhatParses(t *testing.T) {
	pol := redact.NewPolicy()
	for _, c := range []struct{ contentType, body, want string }{
		{"application/json", `{"user":"u","password":"p4ssw0rd-long","pad":"xxxxxxxx"}`, `{"user":"u","password":"[redacted]","pad"[redacted]`},
		{"application/xml", `<L><user>u</user><password>p4ssw0rd-long</password><pad>xxxxxxxx</pad></L>`, `<L><user>u</user><password>[redacted]</password><pad>x`},
		{"application/x-www-form-urlencoded", `user=u&password=p4ssw0rd-long&pad=xxxxxxxx`, `user=u&password=[redacted]&pad=x`},
	} {
		n := strings.Index(c.body, "xxxxxxxx") + 1
		if got := pol.BodyPrefix(c.contentType, []byte(c.body), n); got != c.want {
			t.Errorf("%s cut at %d:\n got %q\nwant %q", c.contentType, n, got, c.want)
		}
	}
}
