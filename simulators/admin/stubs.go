package admin

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/mockauth/mockauth/simulators/stub"
	"github.com/mockauth/mockauth/simulators/yamlfile"
)

// Stubs are the user-declared endpoints of the running vendors.
type Stubs interface {
	// Stubs lists a vendor's stubs, its fixtures' first.
	Stubs(vendor string) ([]*stub.Stub, error)
	// PutStub adds or replaces a run-time stub from its YAML or JSON text.
	PutStub(vendor, name string, data []byte) (st *stub.Stub, created bool, err error)
	// DeleteStub removes a run-time stub.
	DeleteStub(vendor, name string) error
}

// Errors a Stubs backend returns, for their statuses.
var (
	ErrNoStub      = errors.New("no such stub")
	ErrFixtureStub = errors.New("declared in the fixtures")
	ErrTooManyStub = errors.New("too many stubs")
)

// StubInfo is one stub as the admin API lists it.
type StubInfo struct {
	Vendor string `json:"vendor"`
	*stub.Stub
}

type stubsAnswer struct {
	Stubs []StubInfo `json:"stubs"`
}

func (a *api) vendorNamed(r *http.Request) (string, error) {
	name := mux.Vars(r)["vendor"]
	if err := a.checkVendor(name); err != nil {
		return "", err
	}
	return name, nil
}

func (a *api) listStubs(r *http.Request) (any, error) {
	names := a.b.VendorNames()
	if v, ok := mux.Vars(r)["vendor"]; ok {
		name, err := a.vendorNamed(r)
		if err != nil {
			return nil, err
		}
		names = []string{name}
		_ = v
	}
	out := stubsAnswer{Stubs: []StubInfo{}}
	for _, n := range names {
		stubs, err := a.b.Stubs(n)
		if err != nil {
			return nil, err
		}
		for _, st := range stubs {
			out.Stubs = append(out.Stubs, StubInfo{Vendor: n, Stub: st})
		}
	}
	return out, nil
}

func (a *api) getStub(r *http.Request) (any, error) {
	name, err := a.vendorNamed(r)
	if err != nil {
		return nil, err
	}
	stubs, err := a.b.Stubs(name)
	if err != nil {
		return nil, err
	}
	want := mux.Vars(r)["name"]
	for _, st := range stubs {
		if st.Name == want {
			return StubInfo{Vendor: name, Stub: st}, nil
		}
	}
	return nil, &Error{Status: http.StatusNotFound, Message: fmt.Sprintf("no stub %q of %s (see GET %s/stubs/%s)", want, name, Prefix, name)}
}

type putAnswer struct {
	Created bool     `json:"created"`
	Stub    StubInfo `json:"stub"`
}

func (a *api) putStub(r *http.Request) (any, error) {
	name, err := a.vendorNamed(r)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, badRequest("cannot read the body: %v", err)
	}
	if len(data) > MaxBodyBytes {
		return nil, &Error{Status: http.StatusRequestEntityTooLarge, Message: "body larger than 1 MiB"}
	}
	st, created, err := a.b.PutStub(name, mux.Vars(r)["name"], data)
	if err != nil {
		return nil, stubError(err)
	}
	a.log.Info("stub put", "vendor", name, "stub", st.Name, "created", created)
	return putAnswer{Created: created, Stub: StubInfo{Vendor: name, Stub: st}}, nil
}

func (a *api) deleteStub(r *http.Request) (any, error) {
	name, err := a.vendorNamed(r)
	if err != nil {
		return nil, err
	}
	stubName := mux.Vars(r)["name"]
	if err := a.b.DeleteStub(name, stubName); err != nil {
		return nil, stubError(err)
	}
	a.log.Info("stub deleted", "vendor", name, "stub", stubName)
	return map[string]string{"deleted": stubName}, nil
}

// stubError gives a stub call's failure its status.
func stubError(err error) error {
	var ye *yamlfile.Error
	switch {
	case errors.As(err, &ye):
		return badRequest("%v", err)
	case errors.Is(err, ErrNoStub):
		return &Error{Status: http.StatusNotFound, Message: err.Error()}
	case errors.Is(err, ErrFixtureStub), errors.Is(err, ErrTooManyStub):
		return &Error{Status: http.StatusConflict, Message: err.Error()}
	}
	return err
}
