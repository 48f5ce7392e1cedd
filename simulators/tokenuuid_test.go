package simulators_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/mockauth/mockauth/simulators"
)

// Every uContact and AutoAlert token embeds an RFC 4122 version-4 UUID, as
// the vendors' own do (evidence D9), with and without a token secret.
func TestTokens_UUIDsAreVersion4(t *testing.T) {
	t.Parallel()
	for _, secret := range []string{"", "a-shared-secret-of-some-length-0123456789"} {
		s := start(t, simulators.Options{NoListener: true, TokenSecret: secret, Vendors: []string{"ucontact", "autoalert"}})
		check := func(what, id string) {
			t.Helper()
			u, err := uuid.Parse(id)
			if err != nil || u.Version() != 4 || u.Variant() != uuid.RFC4122 {
				t.Fatalf("secret %q: %s %q is not a version-4 RFC 4122 UUID (version %d, variant %v, %v)", secret, what, id, u.Version(), u.Variant(), err)
			}
		}
		for range 300 {
			got := login(t, s, "demo", "demo")
			raw, err := base64.StdEncoding.DecodeString(strings.Trim(got.body, `"`))
			_, id, _ := strings.Cut(string(raw), ":")
			if err != nil {
				t.Fatalf("uContact token %q: %v", got.body, err)
			}
			check("uContact token", id)

			aa := send(t, s.Client(), "POST", s.URL("autoalert")+"/User/authenticate", "application/json", `{"userName":"demo","password":"demo"}`)
			var a struct{ Token string }
			if err := json.Unmarshal([]byte(aa.body), &a); err != nil {
				t.Fatalf("AutoAlert answer %q: %v", aa.body, err)
			}
			check("AutoAlert token", a.Token)
		}
	}
}
