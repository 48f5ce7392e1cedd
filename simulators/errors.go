package simulators

import (
	"github.com/mockauth/mockauth/simulators/internal/certs"
	"github.com/mockauth/mockauth/simulators/internal/pipeline"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// ErrUnknownVendor is wrapped by every error that names a vendor the
// stack (or the registry) does not have: a *vendor.UnknownVendorError
// saying which there are.
var ErrUnknownVendor = vendor.ErrUnknownVendor

// served is the vendor of that name, or an error wrapping ErrUnknownVendor.
func (s *Stack) served(name string) (*served, error) {
	if sv := s.vendor(name); sv != nil {
		return sv, nil
	}
	names := make([]string, len(s.vendors))
	for i, sv := range s.vendors {
		names[i] = sv.name
	}
	return nil, vendor.UnknownVendor(name, names, false)
}

// CAFile is the name of the CA certificate a TLS stack writes into its
// TLS directory (Options.TLSDir).
const CAFile = certs.CAFile

// What the vendor ports answer themselves, exact so tests and users can
// match them (the pipeline's; see simulators/internal/pipeline).
const (
	MaxBodyBytes         = pipeline.MaxBodyBytes
	MaxRequestURI        = pipeline.MaxRequestURI
	HeaderScenario       = pipeline.HeaderScenario
	HeaderDiagnosis      = pipeline.HeaderDiagnosis
	MsgBodyTooLarge      = pipeline.MsgBodyTooLarge
	MsgHeavyBusy         = pipeline.MsgHeavyBusy
	MsgURITooLong        = pipeline.MsgURITooLong
	MsgForeignHost       = pipeline.MsgForeignHost
	MsgBodyUnread        = pipeline.MsgBodyUnread
	MsgStrictPrefix      = pipeline.MsgStrictPrefix
	MsgBadScenarioHeader = pipeline.MsgBadScenarioHeader
	MsgBadUserScenario   = pipeline.MsgBadUserScenario
)
