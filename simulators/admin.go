package simulators

import (
	"context"
	"net/http"
	"time"

	"github.com/mockauth/mockauth/contracts"
	"github.com/mockauth/mockauth/simulators/admin"
	"github.com/mockauth/mockauth/simulators/internal/pipeline"
	"github.com/mockauth/mockauth/simulators/journal"
	"github.com/mockauth/mockauth/simulators/stub"
	"github.com/mockauth/mockauth/simulators/upstream"
)

// AdminPrefix is where the admin API lives on the admin port.
const AdminPrefix = admin.Prefix

// PostmanSchema is the collection format GET /__admin/postman serves.
const PostmanSchema = admin.PostmanSchema

// VendorInfo describes one running simulator.
type VendorInfo = admin.VendorInfo

// adminHandler is the admin API and dashboard over this stack.
func (s *Stack) adminHandler() http.Handler {
	return admin.New(adminBackend{s}, admin.Options{Token: s.opts.AdminToken, Logger: s.log, Hosts: []string{"admin" + memoryHost}})
}

// adminBackend is the stack as the admin API drives it.
type adminBackend struct{ s *Stack }

var _ admin.Backend = adminBackend{}

func (b adminBackend) Health() admin.Health {
	h := admin.Health{Status: "ok", Vendors: map[string]string{}, ContractChecksShed: b.s.pipes.Shed()}
	if b.s.state != nil {
		st := b.s.state.Health()
		h.State = &st
	}
	for _, sv := range b.s.vendors {
		state := "serving"
		if !sv.serving.Load() {
			state, h.Status = "stopped", "unavailable"
		}
		h.Vendors[sv.name] = state
	}
	return h
}

func (b adminBackend) VendorNames() []string {
	out := make([]string, len(b.s.vendors))
	for i, sv := range b.s.vendors {
		out[i] = sv.name
	}
	return out
}

func (b adminBackend) Vendors() ([]admin.VendorInfo, error) { return b.s.Vendors() }

func (b adminBackend) Contract(name string) (*contracts.Validator, string, error) {
	sv, err := b.s.served(name)
	if err != nil {
		return nil, "", err
	}
	v, err := pipeline.ValidatorFor(sv.spec)
	return v, sv.url, err
}

func (b adminBackend) Drift() upstream.Report { return b.s.Drift() }

func (b adminBackend) Fidelity(name string) ([]contracts.Basis, error) {
	sv, err := b.s.served(name)
	if err != nil {
		return nil, err
	}
	return Fidelity(sv.spec)
}

func (b adminBackend) Reset() error { return b.s.Reset() }

func (b adminBackend) RequestsPage(f journal.Filter, limit, maxBytes int) ([]journal.Entry, bool, error) {
	if err := b.s.syncAll(); err != nil {
		return nil, false, err
	}
	entries, more := b.s.journal.Page(f, limit, maxBytes)
	return entries, more, nil
}

func (b adminBackend) Requests(f journal.Filter, limit int) []journal.Entry {
	return b.s.Requests(f, limit)
}

func (b adminBackend) CountRequests(f journal.Filter) (int, error) {
	if err := b.s.syncAll(); err != nil {
		return 0, err
	}
	return b.s.journal.Count(f), nil
}

func (b adminBackend) ClearRequests() (int, error) {
	n := b.s.journal.Len()
	if b.s.state != nil {
		return n, stateError(b.s.state.ClearJournal(context.Background()))
	}
	b.s.journal.Clear()
	return n, nil
}

func (b adminBackend) Now() time.Time        { return b.s.clock.Now() }
func (b adminBackend) Offset() time.Duration { return b.s.clock.Offset() }
func (b adminBackend) Advance(d time.Duration) error {
	if b.s.state != nil {
		return b.s.advanceShared(d)
	}
	return b.s.clock.Advance(d)
}
func (b adminBackend) Scenarios() admin.Scenarios { return b.s.Scenarios() }

func (b adminBackend) Stubs(name string) ([]*stub.Stub, error) { return b.s.Stubs(name) }
func (b adminBackend) PutStub(vendorName, name string, data []byte) (*stub.Stub, bool, error) {
	return b.s.PutStub(vendorName, name, data)
}
func (b adminBackend) DeleteStub(vendorName, name string) error {
	return b.s.DeleteStub(vendorName, name)
}
