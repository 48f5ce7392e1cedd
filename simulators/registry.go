package simulators

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/mockauth/mockauth/contracts"
	"github.com/mockauth/mockauth/internal/fuzzy"
	"github.com/mockauth/mockauth/simulators/autoalert"
	"github.com/mockauth/mockauth/simulators/crmcom"
	"github.com/mockauth/mockauth/simulators/exotel"
	"github.com/mockauth/mockauth/simulators/internal/pipeline"
	"github.com/mockauth/mockauth/simulators/scenario"
	"github.com/mockauth/mockauth/simulators/stub"
	"github.com/mockauth/mockauth/simulators/tokens"
	"github.com/mockauth/mockauth/simulators/ucontact"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// registry lists every vendor, in port order (admin on the port base, the
// vendors on the next ports): one line a vendor.
var registry = []vendor.Spec{
	ucontact.Spec,
	crmcom.Spec,
	autoalert.Spec,
	exotel.Spec,
}

// registryMu guards registry against Register.
var registryMu sync.RWMutex

// Register adds a vendor after the built-in ones: it is served on the
// next port, listed by the admin API, exported to Postman and `mockauth
// env`, checked by `contract check` and run through the conformance cases
// like the others. Call it before starting a stack (from an init function
// or TestMain); a name already registered is refused.
func Register(spec vendor.Spec) error {
	switch {
	case spec.Name == "" || spec.Build == nil || len(spec.Endpoints) == 0:
		return fmt.Errorf("simulators: vendor spec %q needs a name, endpoints and Build", spec.Name)
	case spec.Fixtures.Data == nil || spec.Contract.Data == nil:
		return fmt.Errorf("simulators: vendor %q needs its default fixtures and its contract", spec.Name)
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if indexLocked(spec.Name) >= 0 {
		return fmt.Errorf("simulators: vendor %q is registered already", spec.Name)
	}
	registry = append(registry, spec)
	return nil
}

// Specs returns every registered vendor, in port order.
func Specs() []vendor.Spec {
	registryMu.RLock()
	defer registryMu.RUnlock()
	return slices.Clone(registry)
}

// SpecOf returns a registered vendor by name.
func SpecOf(name string) (vendor.Spec, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	i := indexLocked(name)
	if i < 0 {
		return vendor.Spec{}, false
	}
	return registry[i], true
}

// indexLocked is a vendor's place in the registry, -1 when it has none;
// registryMu is held.
func indexLocked(name string) int {
	return slices.IndexFunc(registry, func(s vendor.Spec) bool { return s.Name == name })
}

// VendorNames lists the simulators that exist, in port order.
func VendorNames() []string {
	specs := Specs()
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Name
	}
	return names
}

// Vocabulary lists every vendor's endpoint names, for checking scenario
// files: the built-in endpoints and the stubs of the default fixtures.
func Vocabulary() scenario.Vocabulary { return vocabularyOf("", nil) }

// vocabularyOf is Vocabulary with the stubs of the fixtures a stack loads
// (dir, and files given whole); a stub added at run time is matched by
// name though no file could name it at load.
func vocabularyOf(dir string, files map[string]vendor.File) scenario.Vocabulary {
	v := scenario.Vocabulary{}
	for _, spec := range Specs() {
		for _, e := range spec.Endpoints {
			v[spec.Name] = append(v[spec.Name], e.Name)
		}
		fx, _, err := fixturesOf(dir, spec)
		if f, ok := files[spec.Name]; ok {
			fx, err = f, nil
		}
		val, verr := pipeline.ValidatorFor(spec)
		if err != nil || verr != nil {
			continue // the stack's build reports it
		}
		stubs, err := pipeline.FixtureStubs(spec, val, fx)
		if err != nil {
			continue
		}
		for _, st := range stubs {
			if !slices.Contains(v[spec.Name], st.Name) {
				v[spec.Name] = append(v[spec.Name], st.Name)
			}
		}
	}
	return v
}

// CheckVendor is nil for a registered vendor, else an error wrapping
// ErrUnknownVendor that names the registered ones (and the closest).
func CheckVendor(name string) error {
	if PortOffset(name) >= 0 {
		return nil
	}
	return vendor.UnknownVendor(name, VendorNames(), true)
}

// PortOffset returns a vendor's port relative to the port base (admin is
// 0, the vendors follow in registry order), or -1 for an unknown vendor.
func PortOffset(name string) int {
	registryMu.RLock()
	defer registryMu.RUnlock()
	if i := indexLocked(name); i >= 0 {
		return i + 1
	}
	return -1
}

// DefaultDemo returns the demo logins of a vendor's default fixtures, for
// requests to a server other than a stack (a real tenant): what the
// contract check sends unless told otherwise.
func DefaultDemo(spec vendor.Spec) (map[string]string, error) {
	sim, err := spec.Build(spec.Fixtures, vendor.Env{})
	if err != nil {
		return nil, err
	}
	return sim.Demo()
}

// Ports is how many ports a stack of every registered vendor takes: the
// admin API's and one a vendor.
func Ports() int { return len(Specs()) + 1 }

// vendorEnv is what the stack's simulators are built with: its clock,
// token stores bounded to maxTokens and, with a token secret, shared with
// other replicas, and keys derived from that secret.
func vendorEnv(name string, s *Stack) vendor.Env {
	var signer *tokens.Signer
	if s.opts.TokenSecret != "" {
		signer = tokens.NewSigner(s.opts.TokenSecret)
	}
	return vendor.Env{
		Clock: s.clock,
		Tokens: func(logins []string, decode func(string) ([16]byte, bool)) *tokens.Store {
			st := tokens.NewStore(s.clock).Limit(s.opts.MaxTokens)
			if signer != nil {
				st.Share(&tokens.Sharing{Signer: signer, Vendor: name, Subjects: logins, Decode: decode})
			}
			s.shareTokens(name, st)
			return st
		},
		Shared: s.sharedFor(name),
		Value:  s.sharedValue(),
		Key: func(use string) []byte {
			if s.opts.TokenSecret == "" {
				return nil
			}
			h := hmac.New(sha256.New, []byte(s.opts.TokenSecret))
			h.Write([]byte(use))
			return h.Sum(nil)
		},
	}
}

// FixturesEmbedded is where a vendor's fixtures come from when no file
// of the user's gives them (VendorInfo.Fixtures).
const FixturesEmbedded = "embedded"

// fixturesOf returns a vendor's fixture file and where it came from:
// DIR/<vendor>.yaml when dir is set and holds one, else the vendor's
// default (FixturesEmbedded).
func fixturesOf(dir string, spec vendor.Spec) (vendor.File, string, error) {
	if dir != "" {
		p := filepath.Join(dir, spec.Name+".yaml")
		data, err := ReadConfig(p)
		if err == nil {
			return vendor.File{Name: p, Data: data}, p, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return vendor.File{}, "", err
		}
	}
	return spec.Fixtures, FixturesEmbedded, nil
}

// CheckFixturesDir refuses a fixtures directory that would be read as
// nothing: one that is missing or no directory, or that holds a YAML file
// naming no vendor (ucontat.yaml, ucontact.yml), which would leave its
// vendor on the embedded demo data without a word.
func CheckFixturesDir(dir string) error {
	st, err := os.Stat(dir)
	switch {
	case err != nil:
		return fmt.Errorf("fixtures directory: %w", err)
	case !st.IsDir():
		return fmt.Errorf("fixtures directory %s is not a directory", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("fixtures directory: %w", err)
	}
	names := VendorNames()
	var files []string
	for _, v := range names {
		files = append(files, v+".yaml")
	}
	var errs []error
	for _, e := range entries {
		name := e.Name()
		ext := strings.ToLower(filepath.Ext(name))
		if ext != ".yaml" && ext != ".yml" || slices.Contains(files, name) {
			continue
		}
		errs = append(errs, fmt.Errorf("%s names no vendor%s: a fixtures directory holds <vendor>.yaml files, vendors %s",
			filepath.Join(dir, name), fuzzy.DidYouMean(name, files), strings.Join(names, ", ")))
	}
	return errors.Join(errs...)
}

// MaxConfigBytes bounds a fixtures or scenarios file (issue 21, B15): a
// file linked to /dev/zero, or a giant one, is refused, not read.
const MaxConfigBytes = 4 << 20

// ReadConfig reads a fixtures or scenarios file: a regular file (not a
// FIFO or a device, which could block or never end) of at most
// MaxConfigBytes.
func ReadConfig(path string) ([]byte, error) {
	// Stat before opening: opening a FIFO blocks until a writer comes.
	st, err := os.Stat(path)
	switch {
	case err != nil:
		return nil, err
	case !st.Mode().IsRegular():
		return nil, fmt.Errorf("%s is not a regular file (%v)", path, st.Mode().Type())
	case st.Size() > MaxConfigBytes:
		return nil, fmt.Errorf("%s is %d bytes: a fixtures or scenarios file has at most %d", path, st.Size(), MaxConfigBytes)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxConfigBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxConfigBytes {
		return nil, fmt.Errorf("%s grew past %d bytes while read", path, MaxConfigBytes)
	}
	return data, nil
}

// Fidelity is what each behaviour of a vendor's contract rests on: the
// x-evidence or x-reading of its operations, responses and no-route
// answers. The error names every behaviour without one.
func Fidelity(spec vendor.Spec) ([]contracts.Basis, error) {
	rows, err := contracts.Fidelity(spec.Name, spec.Contract.Name, spec.Contract.Data)
	stubs, serr := embeddedStubs(spec)
	var errs []error
	for _, st := range stubs {
		kind, source, ok := strings.Cut(st.Basis, ": ")
		if !ok || kind != contracts.KindEvidence && kind != contracts.KindReading {
			errs = append(errs, fmt.Errorf("%s: stub %s says nothing of what its answer rests on (basis: evidence: … or reading: …)", st.Source, st.Name))
			continue
		}
		rows = append(rows, contracts.Basis{Vendor: spec.Name, Operation: "stub " + st.Name, Method: st.Method, Path: st.Path, Kind: kind, Source: source})
	}
	return rows, errors.Join(append([]error{err, serr}, errs...)...)
}

// embeddedStubs are the stubs of a vendor's embedded fixtures: the calls
// after login mockauth answers out of the box.
func embeddedStubs(spec vendor.Spec) ([]*stub.Stub, error) {
	fx, _, err := fixturesOf("", spec)
	if err != nil {
		return nil, err
	}
	v, err := pipeline.ValidatorFor(spec)
	if err != nil {
		return nil, err
	}
	return pipeline.FixtureStubs(spec, v, fx)
}
