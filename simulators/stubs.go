package simulators

import (
	"github.com/mockauth/mockauth/simulators/admin"
	"github.com/mockauth/mockauth/simulators/internal/pipeline"
	"github.com/mockauth/mockauth/simulators/stub"
)

// Errors of the stub calls.
var (
	ErrNoStub      = admin.ErrNoStub
	ErrFixtureStub = admin.ErrFixtureStub
	ErrTooManyStub = pipeline.ErrTooManyStub
)

// Stubs lists a vendor's stubs, fixtures' first.
func (s *Stack) Stubs(vendorName string) ([]*stub.Stub, error) {
	sv, err := s.served(vendorName)
	if err != nil {
		return nil, err
	}
	return sv.pipe.Stubs(), nil
}

// PutStub adds (or replaces) a run-time stub of a vendor from its YAML or
// JSON text; it answers on the next request. created is false when it
// replaced one.
func (s *Stack) PutStub(vendorName, name string, data []byte) (st *stub.Stub, created bool, err error) {
	sv, err := s.served(vendorName)
	if err != nil {
		return nil, false, err
	}
	if s.state != nil {
		return s.putStubShared(sv, name, data)
	}
	return sv.pipe.PutStub(name, data)
}

// DeleteStub removes a run-time stub (a fixture's of the same name, if
// any, answers again). A fixture's own stub is changed in its file.
func (s *Stack) DeleteStub(vendorName, name string) error {
	sv, err := s.served(vendorName)
	if err != nil {
		return err
	}
	if s.state != nil {
		return s.deleteStubShared(sv, name)
	}
	return sv.pipe.DeleteStub(name)
}
