package stub

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/mockauth/mockauth/simulators/vendor"
)

// Call is one request for a stub, once the vendor's check has run.
type Call struct {
	Stub    *Stub
	Params  map[string]string
	Login   vendor.Login
	Refusal *vendor.Refusal // the vendor's check refused the credential
	Checked bool            // the stub takes a credential and the check ran
	// User is who the request is for: the check's login, or the login
	// the request itself names (a login stub); Mint mints a token for a
	// user (nil: the vendor mints none for stubs).
	User string
	Mint func(ctx context.Context, user string) (string, error)
}

// Authorize runs the vendor's check a stub names on a request whose body
// was read into body (none for auth: none).
func Authorize(st *Stub, params map[string]string, guard vendor.Guard, r *http.Request, body []byte) Call {
	c := Call{Stub: st, Params: params}
	if st.Auth == vendor.AuthNone || guard == nil {
		return c
	}
	c.Login, c.Refusal = guard.Authenticate(st.Auth, r, body)
	c.Checked = true
	return c
}

// Verdict is the check's outcome for the journal: "ok", the refusal's
// reason, or "" for a stub without a check.
func (c Call) Verdict() string {
	switch {
	case !c.Checked:
		return ""
	case c.Refusal != nil:
		return c.Refusal.Reason
	}
	return "ok"
}

// Handler answers the call: the vendor's refusal, or the stub's response
// rendered over the request, the login and the clock.
func (c Call) Handler(vendorName string, body []byte, now func() time.Time) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c.Refusal != nil {
			c.Refusal.Answer.ServeHTTP(w, r)
			return
		}
		login := make(map[string]string, len(c.Login.Fields)+1)
		for k, v := range c.Login.Fields {
			login[k] = v
		}
		if c.Login.User != "" {
			login["user"] = c.Login.User
		}
		data := NewData(vendorName, r, body, c.Params, login, now())
		if c.Mint != nil {
			mints := 0
			data.mint = func() (string, error) {
				if mints++; mints > MaxMints {
					return "", fmt.Errorf("a stub's answer mints at most %d tokens", MaxMints)
				}
				return c.Mint(r.Context(), c.User)
			}
		}
		if err := c.Stub.Pick(r.Header.Get("Accept")).Render(w, data); err != nil {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = fmt.Fprintf(w, "mockauth: stub %s: %v\n", c.Stub.Name, err)
		}
	})
}

// Refuse writes the vendor's answer to a stale token on a call of the
// stub (the vendor-error fault's answer); false when the stub takes none.
func Refuse(st *Stub, guard vendor.Guard, w http.ResponseWriter, r *http.Request) bool {
	if st.Auth == vendor.AuthNone || guard == nil {
		return false
	}
	guard.Stale(st.Auth).ServeHTTP(w, r)
	return true
}
