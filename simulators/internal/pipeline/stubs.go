package pipeline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/mockauth/mockauth/contracts"
	"github.com/mockauth/mockauth/simulators/admin"
	"github.com/mockauth/mockauth/simulators/stub"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// ErrTooManyStub refuses a stub past stub.MaxStubs of a vendor.
var ErrTooManyStub = fmt.Errorf("%w: a vendor has at most %d", admin.ErrTooManyStub, stub.MaxStubs)

// stubRules is what a vendor's stubs may name: its checks, its contract's
// operations.
func stubRules(spec vendor.Spec, v *contracts.Validator) stub.Rules {
	names := make([]string, len(spec.Auth))
	for i, a := range spec.Auth {
		names[i] = a.Name
	}
	documented := make([]string, len(spec.Endpoints))
	for i, e := range spec.Endpoints {
		documented[i] = e.Method + " " + e.Path
	}
	return stub.Rules{Auth: names, Documented: documented, Operation: func(id string) bool {
		_, _, ok := v.Operation(id)
		return ok
	}}
}

// stubCheck is how a stub's exchanges are checked: against which contract,
// under which documented path.
type stubCheck struct {
	v    *contracts.Validator
	path string
}

// stubTable is one vendor's stubs: those of its fixtures and those added
// at run time (which outlive a fixture reload), merged into the set the
// pipeline matches.
type stubTable struct {
	set    *stub.Set
	checks map[*stub.Stub]stubCheck
	also   []contracts.Operation // for the near-miss diagnosis
}

// lookup finds the stub a request is for.
func (t *stubTable) lookup(r *http.Request, body []byte) (*stub.Stub, map[string]string, *stubCheck) {
	if t == nil {
		return nil, nil, nil
	}
	st, params := t.set.Lookup(r, body)
	if st == nil {
		return nil, nil, nil
	}
	c, ok := t.checks[st]
	if !ok {
		return st, params, nil
	}
	return st, params, &c
}

// newStubTable merges fixture and run-time stubs (a run-time one replaces
// the fixture's of its name) and prepares their contract checks.
func newStubTable(vendorName string, v *contracts.Validator, fixture, runtime []*stub.Stub) (*stubTable, error) {
	var all []*stub.Stub
	for _, st := range fixture {
		if !slices.ContainsFunc(runtime, func(o *stub.Stub) bool { return o.Name == st.Name }) {
			all = append(all, st)
		}
	}
	all = append(all, runtime...)
	t := &stubTable{set: stub.NewSet(all), checks: map[*stub.Stub]stubCheck{}}
	for _, st := range all {
		if st.Contract == "" || st.Contract == "inline" { // a contract's own operation is named already
			t.also = append(t.also, contracts.Operation{Method: st.Method, Path: st.Path, OperationID: st.Name + " (stub)"})
		}
		switch st.Contract {
		case "":
		case "inline":
			cv, err := inlineContract(vendorName, st)
			if err != nil {
				return nil, err
			}
			t.checks[st] = stubCheck{v: cv, path: ""}
		default:
			_, path, ok := v.Operation(st.Contract)
			if !ok {
				return nil, fmt.Errorf("%s: stub %s: contract %q: no such operationId", st.Source, st.Name, st.Contract)
			}
			t.checks[st] = stubCheck{v: v, path: path}
		}
	}
	return t, nil
}

// inlineContract makes a one-operation OpenAPI document of a stub's own
// operation.
func inlineContract(vendorName string, st *stub.Stub) (*contracts.Validator, error) {
	var op map[string]any
	if err := json.Unmarshal(st.Operation, &op); err != nil {
		return nil, fmt.Errorf("%s: stub %s: contract: %w", st.Source, st.Name, err)
	}
	if _, ok := op["operationId"]; !ok {
		op["operationId"] = st.Name
	}
	doc := map[string]any{
		"openapi": "3.0.3",
		"info":    map[string]any{"title": vendorName + " stub " + st.Name, "version": "1"},
		"paths":   map[string]any{st.Path: map[string]any{strings.ToLower(st.Method): op}},
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	v, err := contracts.NewValidatorFrom(vendorName, st.Source+" (stub "+st.Name+")", data)
	if err != nil {
		return nil, fmt.Errorf("%s: stub %s: contract: %w", st.Source, st.Name, err)
	}
	return v, nil
}

// stubRegistry keeps a vendor's run-time stubs; mu also orders the swaps
// of the pipeline's state that stubs and reloads make.
type stubRegistry struct {
	mu      sync.Mutex
	runtime []*stub.Stub
}

// FixtureStubs reads the stubs of a vendor's fixture file; a file
// without a stubs: section takes the default fixtures' (the catalogue of
// calls after login), one with `stubs: {}` has none.
func FixtureStubs(spec vendor.Spec, v *contracts.Validator, fx vendor.File) ([]*stub.Stub, error) {
	if string(fx.Data) != string(spec.Fixtures.Data) {
		stubs, declared, err := stub.ParseFile(fx.Name, fx.Data, stubRules(spec, v))
		if declared || err != nil {
			return stubs, err
		}
	}
	return defaultStubs(spec, v)
}

// defaultStubs are the stubs of a vendor's embedded fixtures, parsed once
// per process: a parsed stub is read-only, and stacks start per test.
func defaultStubs(spec vendor.Spec, v *contracts.Validator) ([]*stub.Stub, error) {
	once, _ := defaultStubSets.LoadOrStore(spec.Name+"\x00"+spec.Fixtures.Name, sync.OnceValues(func() ([]*stub.Stub, error) {
		return stub.Parse(spec.Fixtures.Name, spec.Fixtures.Data, stubRules(spec, v))
	}))
	return once.(func() ([]*stub.Stub, error))()
}

var defaultStubSets sync.Map // vendor name -> func() ([]*stub.Stub, error)

// Stubs lists the vendor's stubs, fixtures' first.
func (p *Pipeline) Stubs() []*stub.Stub { return p.cur.Load().stubs.set.Stubs() }

// PutStub adds (or replaces) a run-time stub from its YAML or JSON text;
// it answers on the next request. created is false when it replaced one.
func (p *Pipeline) PutStub(name string, data []byte) (st *stub.Stub, created bool, err error) {
	return p.putStub(name, data, false)
}

// CheckStub is PutStub without the change: what it would answer. With
// shared state the stack checks a stub here, then every replica puts it.
func (p *Pipeline) CheckStub(name string, data []byte) (st *stub.Stub, created bool, err error) {
	return p.putStub(name, data, true)
}

func (p *Pipeline) putStub(name string, data []byte, dry bool) (st *stub.Stub, created bool, err error) {
	st, err = stub.ParseOne("stub "+p.spec.Name+"/"+name, name, data, stubRules(p.spec, p.validator))
	if err != nil {
		return nil, false, err
	}
	reg := &p.stubs
	reg.mu.Lock()
	defer reg.mu.Unlock()
	next := slices.DeleteFunc(slices.Clone(reg.runtime), func(o *stub.Stub) bool { return o.Name == name })
	created = len(next) == len(reg.runtime)
	next = append(next, st)
	cur := p.cur.Load()
	if created && len(cur.fixtureStubs)+len(next) > stub.MaxStubs {
		return nil, false, ErrTooManyStub
	}
	if dry {
		_, err = newStubTable(cur.spec.Name, p.validator, cur.fixtureStubs, next)
	} else {
		err = p.swapStubsLocked(cur, next)
	}
	if err != nil {
		return nil, false, err
	}
	return st, created, nil
}

// LoadStubs puts a whole set of run-time stubs in place (the stack's
// shared state, read whole); one that does not load is left out and
// named in the error.
func (p *Pipeline) LoadStubs(all map[string][]byte) error {
	names := slices.Sorted(maps.Keys(all))
	var next []*stub.Stub
	var errs []error
	for _, name := range names {
		st, err := stub.ParseOne("stub "+p.spec.Name+"/"+name, name, all[name], stubRules(p.spec, p.validator))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		next = append(next, st)
	}
	reg := &p.stubs
	reg.mu.Lock()
	defer reg.mu.Unlock()
	cur := p.cur.Load()
	if len(cur.fixtureStubs)+len(next) > stub.MaxStubs {
		next = next[:max(stub.MaxStubs-len(cur.fixtureStubs), 0)]
		errs = append(errs, ErrTooManyStub)
	}
	if err := p.swapStubsLocked(cur, next); err != nil {
		return err
	}
	return errors.Join(errs...)
}

// DeleteStub removes a run-time stub (a fixture's of the same name, if
// any, answers again). A fixture's own stub is changed in its file.
func (p *Pipeline) DeleteStub(name string) error {
	reg := &p.stubs
	reg.mu.Lock()
	defer reg.mu.Unlock()
	i := slices.IndexFunc(reg.runtime, func(o *stub.Stub) bool { return o.Name == name })
	cur := p.cur.Load()
	if i < 0 {
		if j := slices.IndexFunc(cur.fixtureStubs, func(o *stub.Stub) bool { return o.Name == name }); j >= 0 {
			return fmt.Errorf("stub %s/%s: %w (%s): edit the file and reload", p.spec.Name, name, admin.ErrFixtureStub, cur.fixtureStubs[j].Source)
		}
		return fmt.Errorf("stub %s/%s: %w", p.spec.Name, name, admin.ErrNoStub)
	}
	return p.swapStubsLocked(cur, slices.Delete(slices.Clone(reg.runtime), i, i+1))
}

// swapStubsLocked puts a new state in place: cur's simulator and fixture
// stubs with these run-time ones. The caller holds the registry's lock.
func (p *Pipeline) swapStubsLocked(cur *vendorState, runtime []*stub.Stub) error {
	t, err := newStubTable(cur.spec.Name, p.validator, cur.fixtureStubs, runtime)
	if err != nil {
		return err
	}
	next := *cur
	next.stubs = t
	p.cur.Store(&next)
	p.stubs.runtime = runtime
	return nil
}

// Reload is a new simulator and fixture stubs for a pipeline, ready to
// be put in place (Commit) or dropped (Abandon); until either, the
// pipeline's stubs cannot change, so reloads of several vendors are all
// or nothing.
type Reload struct {
	p    *Pipeline
	next *vendorState
}

// Prepare readies a reload: sim built from fixtures (from where),
// declaring fixtureStubs. An error leaves the pipeline as it was.
func (p *Pipeline) Prepare(sim vendor.Simulator, fixtures vendor.File, from string, fixtureStubs []*stub.Stub) (*Reload, error) {
	if p.proxy != nil {
		fixtureStubs = nil // proxy mode: the real service answers what the fixture's stubs would
	}
	p.stubs.mu.Lock()
	t, err := newStubTable(p.spec.Name, p.validator, fixtureStubs, p.stubs.runtime)
	if err == nil && len(t.set.Stubs()) > stub.MaxStubs {
		err = fmt.Errorf("%s: %d stubs with the run-time ones: %w", p.spec.Name, len(t.set.Stubs()), ErrTooManyStub)
	}
	if err != nil {
		p.stubs.mu.Unlock()
		return nil, err
	}
	vs := newVendorState(p.spec, sim, fixtureStubs, t)
	vs.fixturesFrom, vs.fixtures = from, fixtures.Data
	return &Reload{p: p, next: vs}, nil
}

// Unchanged reports whether fixtures, from where, are what the pipeline
// has loaded: the vendor may stay as it is, its tokens with it.
func (p *Pipeline) Unchanged(fixtures vendor.File, from string) bool {
	cur := p.cur.Load()
	return from == cur.fixturesFrom && bytes.Equal(fixtures.Data, cur.fixtures)
}

// Commit puts the reload in place.
func (r *Reload) Commit() {
	r.p.cur.Store(r.next)
	r.p.stubs.mu.Unlock()
}

// Abandon drops the reload.
func (r *Reload) Abandon() { r.p.stubs.mu.Unlock() }
