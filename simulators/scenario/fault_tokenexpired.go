package scenario

import "net/http"

// tokenExpiredFault lets the vendor answer as usual, but every token it
// mints meanwhile is already expired for its token-checking endpoints.
type tokenExpiredFault struct{}

func init() {
	register("token-expired", func(decode func(any) error) (Fault, error) {
		f := &tokenExpiredFault{}
		return f, decode(f)
	})
}

func (f *tokenExpiredFault) MintsExpired() bool { return true }

func (f *tokenExpiredFault) Serve(w http.ResponseWriter, _ *http.Request, x Exchange) string {
	x.Answer().Write(w)
	return "token-expired: tokens minted already expired"
}
