package simulators

import (
	"crypto/hmac"
	"crypto/sha256"
	"sync"

	"github.com/mockauth/mockauth/contracts"
	"github.com/mockauth/mockauth/fixtures"
	"github.com/mockauth/mockauth/simulators/autoalert"
	"github.com/mockauth/mockauth/simulators/clock"
	"github.com/mockauth/mockauth/simulators/crmcom"
	"github.com/mockauth/mockauth/simulators/exotel"
	"github.com/mockauth/mockauth/simulators/scenario"
	"github.com/mockauth/mockauth/simulators/tokens"
	"github.com/mockauth/mockauth/simulators/ucontact"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// vendorSpec tells the stack how to build one simulator.
type vendorSpec struct {
	name      string
	offset    int // port = port base + offset; fixed per vendor so ports never move
	build     func(fx fixtureFile, env buildEnv) (vendor.Simulator, error)
	endpoints func() []vendor.Endpoint
}

// buildEnv is what every simulator of a stack shares.
type buildEnv struct {
	clock     clock.Clock
	maxTokens int            // per vendor; 0 for tokens.DefaultMaxTokens
	signer    *tokens.Signer // nil: tokens are this process's alone
	secret    string         // the shared token secret, "" without one
}

// store is a vendor's token store, shared with other replicas when the
// stack has a token secret.
func (e buildEnv) store(vendor string, logins []string, decode func(string) ([16]byte, bool)) *tokens.Store {
	st := tokens.NewStore(e.clock).Limit(e.maxTokens)
	if e.signer != nil {
		st.Share(&tokens.Sharing{Signer: e.signer, Vendor: vendor, Subjects: logins, Decode: decode})
	}
	return st
}

// derive is a key for one use, from the shared secret (nil without one).
func (e buildEnv) derive(use string) []byte {
	if e.secret == "" {
		return nil
	}
	h := hmac.New(sha256.New, []byte(e.secret))
	h.Write([]byte(use))
	return h.Sum(nil)
}

// fixtureFile is a vendor's fixture file, by name and content.
type fixtureFile struct {
	name string
	data []byte
}

// registry lists every vendor in port order.
var registry = []vendorSpec{
	{name: ucontact.Name, endpoints: ucontact.Endpoints, offset: 1, build: builder(ucontact.ParseFixtures, func(f *ucontact.Fixtures, e buildEnv) vendor.Simulator {
		return ucontact.New(ucontact.Options{Fixtures: f, Clock: e.clock, Tokens: e.store(ucontact.Name, ucontact.Logins(f), ucontact.TokenID)})
	})},
	{name: crmcom.Name, endpoints: crmcom.Endpoints, offset: 2, build: builder(crmcom.ParseFixtures, func(f *crmcom.Fixtures, e buildEnv) vendor.Simulator {
		return crmcom.New(crmcom.Options{Fixtures: f, Clock: e.clock, Tokens: e.store(crmcom.Name, crmcom.Logins(f), crmcom.TokenID), JWTSecret: e.derive("crmcom-jwt")})
	})},
	{name: autoalert.Name, endpoints: autoalert.Endpoints, offset: 3, build: builder(autoalert.ParseFixtures, func(f *autoalert.Fixtures, e buildEnv) vendor.Simulator {
		return autoalert.New(autoalert.Options{Fixtures: f, Clock: e.clock, Tokens: e.store(autoalert.Name, autoalert.Logins(f), autoalert.TokenID)})
	})},
	{name: exotel.Name, endpoints: exotel.Endpoints, offset: 4, build: builder(exotel.ParseFixtures, func(f *exotel.Fixtures, e buildEnv) vendor.Simulator {
		return exotel.New(exotel.Options{Fixtures: f, Clock: e.clock})
	})},
}

// builder joins a vendor's fixture parser and constructor into a build func.
func builder[F any](parse func(string, []byte) (F, error), make func(*F, buildEnv) vendor.Simulator) func(fixtureFile, buildEnv) (vendor.Simulator, error) {
	return func(fx fixtureFile, env buildEnv) (vendor.Simulator, error) {
		f, err := parse(fx.name, fx.data)
		if err != nil {
			return nil, err
		}
		return make(&f, env), nil
	}
}

// VendorNames lists the simulators that exist, in port order.
func VendorNames() []string {
	names := make([]string, len(registry))
	for i, v := range registry {
		names[i] = v.name
	}
	return names
}

// Vocabulary lists every vendor's endpoint names, for checking scenario files.
func Vocabulary() scenario.Vocabulary {
	v := scenario.Vocabulary{}
	for _, spec := range registry {
		for _, e := range spec.endpoints() {
			v[spec.name] = append(v[spec.name], e.Name)
		}
	}
	return v
}

// PortOffset returns a vendor's port relative to the port base (admin is 0),
// or -1 for an unknown vendor.
func PortOffset(name string) int {
	for _, v := range registry {
		if v.name == name {
			return v.offset
		}
	}
	return -1
}

// validators are built once per process: a contract is read-only once
// loaded, and loading one takes longer than starting a whole stack.
var validators sync.Map // vendor name -> *validatorOnce

type validatorOnce struct {
	once sync.Once
	v    *contracts.Validator
	err  error
}

func validatorFor(name string) (*contracts.Validator, error) {
	vo, _ := validators.LoadOrStore(name, &validatorOnce{})
	o := vo.(*validatorOnce)
	o.once.Do(func() { o.v, o.err = contracts.NewValidator(name) })
	return o.v, o.err
}

func readFixtures(dir, vendor string) (fixtureFile, error) {
	name, data, err := fixtures.Read(dir, vendor)
	return fixtureFile{name: name, data: data}, err
}
