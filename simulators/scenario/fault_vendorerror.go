package scenario

import "net/http"

// vendorErrorFault answers the vendor's own documented error for the
// endpoint (uContact's "0", CRM.COM's error envelope, ...): the vendor
// package owns its bytes.
type vendorErrorFault struct{}

func init() {
	register("vendor-error", func(decode func(any) error) (Fault, error) {
		f := &vendorErrorFault{}
		return f, decode(f)
	})
}

func (f *vendorErrorFault) Serve(w http.ResponseWriter, _ *http.Request, x Exchange) string {
	x.VendorError().Write(w)
	return "vendor-error"
}
