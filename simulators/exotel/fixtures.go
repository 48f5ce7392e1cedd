package exotel

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"slices"
	"time"

	"github.com/mockauth/mockauth/fixtures"
	"github.com/mockauth/mockauth/simulators/yamlfile"
)

// Fixtures is the content of fixtures/exotel.yaml.
type Fixtures struct {
	// Stubs are the calls after login the file declares, read by the
	// stack (simulators/stub) and guarded by this vendor's checks.
	Stubs          yamlfile.Section  `yaml:"stubs"`
	Settings       Settings          `yaml:"settings"`
	ContactCenters map[string]string `yaml:"contactCenters"` // id -> name
	Roles          []string          `yaml:"roles"`
	Admins         map[string]Admin  `yaml:"admins"`
	// Credentials are Basic pairs registered from the start (and again
	// after a reset), so a client has a login that works before any admin
	// registers one.
	Credentials map[string]Credential `yaml:"credentials"`
	// Accounts are cloud accounts of the ccm-api token call, by account SID.
	Accounts map[string]Account `yaml:"accounts"`

	demoAdmin, demoCredential, demoAccount string // the logins marked demo: true

	key *rsa.PrivateKey // from Settings.SigningKey; nil: generated
}

// Settings are lifetimes and the signing key.
type Settings struct {
	AdminTokenLifetime        time.Duration `yaml:"adminTokenLifetime"`
	DefaultCredentialLifetime time.Duration `yaml:"defaultCredentialLifetime"`
	SigningKey                string        `yaml:"signingKey"`
	// Registration is what registering a username again does:
	// RegistrationCreate (default: 409) or RegistrationUpsert (200, the
	// credential replaced). The page shows no answer: both are readings.
	Registration string `yaml:"registration"`
	// ErrorMessage is Spring Boot's server.error.include-message:
	// ErrorMessageNever (default: Boot 2.5 and later write no message
	// member) or ErrorMessageAlways (every error carries its message).
	ErrorMessage string `yaml:"errorMessage"`
	// MaxRegistrations bounds the credentials registered at run time (the
	// demo admin is public, so anyone can register): past it, the admin
	// who registered the most forgets its oldest. Default
	// DefaultMaxRegistrations.
	MaxRegistrations int `yaml:"maxRegistrations"`
	// MaxRegistrationsPerAdmin bounds what one admin registers: past it,
	// that admin's oldest registration is forgotten, never another's
	// (issue 31, N2). Default DefaultMaxRegistrationsPerAdmin.
	MaxRegistrationsPerAdmin int `yaml:"maxRegistrationsPerAdmin"`
}

// DefaultMaxRegistrations is the default bound of run-time registrations.
const DefaultMaxRegistrations = 10_000

// DefaultMaxRegistrationsPerAdmin is the default bound of one admin's.
const DefaultMaxRegistrationsPerAdmin = 1_000

// Values of the registration setting.
const (
	RegistrationCreate = "create"
	RegistrationUpsert = "upsert"
)

// Values of the errorMessage setting.
const (
	ErrorMessageAlways = "always"
	ErrorMessageNever  = "never"
)

// Admin is a contact-center user who can log in at /login.
type Admin struct {
	Password       string   `yaml:"password"`
	Role           string   `yaml:"role"`
	ContactCenters []string `yaml:"contactCenters"`
	Scenario       string   `yaml:"scenario"`
	Demo           bool     `yaml:"demo"` // the demo admin mockauth advertises, with a fresh bearer
}

// Account is a cloud account of the ccm-api token call: its API key and
// token (the Basic pair) and whether it may use the contact center.
type Account struct {
	APIKey   string `yaml:"apiKey"`
	APIToken string `yaml:"apiToken"`
	CCM      bool   `yaml:"ccm"` // false: 403, not authorized for CCM
	Demo     bool   `yaml:"demo"`
}

// Credential is a Basic username/password registered from the start.
type Credential struct {
	Password  string `yaml:"password"`
	ContextID string `yaml:"contextId"`
	UserRole  string `yaml:"userRole"`
	Demo      bool   `yaml:"demo"` // the demo Basic login mockauth advertises
}

// ParseFixtures reads a fixture file, refusing unknown keys and
// inconsistent references with the file name and line.
func ParseFixtures(file string, data []byte) (Fixtures, error) {
	var f Fixtures
	doc, err := yamlfile.Decode(file, data, &f)
	if err != nil {
		return Fixtures{}, err
	}
	if err := doc.Choice(&f.Settings.Registration, RegistrationCreate, []string{"settings", "registration"}, RegistrationCreate, RegistrationUpsert); err != nil {
		return Fixtures{}, err
	}
	if err := doc.Choice(&f.Settings.ErrorMessage, ErrorMessageNever, []string{"settings", "errorMessage"}, ErrorMessageAlways, ErrorMessageNever); err != nil {
		return Fixtures{}, err
	}
	if f.Settings.AdminTokenLifetime == 0 {
		f.Settings.AdminTokenLifetime = time.Hour
	}
	switch {
	case f.Settings.MaxRegistrations == 0:
		f.Settings.MaxRegistrations = DefaultMaxRegistrations
	case f.Settings.MaxRegistrations < 0:
		return Fixtures{}, doc.Errorf(doc.Line("settings", "maxRegistrations"), "maxRegistrations must be positive")
	}
	switch {
	case f.Settings.MaxRegistrationsPerAdmin == 0:
		f.Settings.MaxRegistrationsPerAdmin = min(DefaultMaxRegistrationsPerAdmin, f.Settings.MaxRegistrations)
	case f.Settings.MaxRegistrationsPerAdmin < 0:
		return Fixtures{}, doc.Errorf(doc.Line("settings", "maxRegistrationsPerAdmin"), "maxRegistrationsPerAdmin must be positive")
	}
	if f.Settings.DefaultCredentialLifetime == 0 {
		f.Settings.DefaultCredentialLifetime = 30 * 24 * time.Hour
	}
	if f.Settings.AdminTokenLifetime < 0 || f.Settings.DefaultCredentialLifetime < 0 {
		return Fixtures{}, doc.Errorf(doc.Line("settings"), "lifetimes must be positive")
	}
	if f.Settings.SigningKey != "" {
		block, _ := pem.Decode([]byte(f.Settings.SigningKey))
		if block == nil {
			return Fixtures{}, doc.Errorf(doc.Line("settings", "signingKey"), "signingKey is not PEM")
		}
		key, err := parseRSAKey(block.Bytes)
		if err != nil {
			return Fixtures{}, doc.Errorf(doc.Line("settings", "signingKey"), "signingKey: %v", err)
		}
		f.key = key
	}
	if len(f.Admins) == 0 {
		return Fixtures{}, doc.Errorf(doc.Line(), "no admins: nobody could get a bearer token")
	}
	for name, a := range f.Admins {
		line := doc.KeyLine("admins", name)
		if a.Password == "" {
			return Fixtures{}, doc.Errorf(line, "admin %q has no password", name)
		}
		if !slices.Contains(f.Roles, a.Role) {
			return Fixtures{}, doc.Errorf(line, "admin %q: role %q is not among the roles %v", name, a.Role, f.Roles)
		}
		for _, cc := range a.ContactCenters {
			if _, ok := f.ContactCenters[cc]; !ok {
				return Fixtures{}, doc.Errorf(line, "admin %q: contact center %q is not among the contactCenters", name, cc)
			}
		}
	}
	for name, c := range f.Credentials {
		line := doc.KeyLine("credentials", name)
		if c.Password == "" {
			return Fixtures{}, doc.Errorf(line, "credential %q has no password", name)
		}
		if _, ok := f.ContactCenters[c.ContextID]; !ok {
			return Fixtures{}, doc.Errorf(line, "credential %q: contextId %q is not among the contactCenters", name, c.ContextID)
		}
		if !slices.Contains(f.Roles, c.UserRole) {
			return Fixtures{}, doc.Errorf(line, "credential %q: userRole %q is not among the roles %v", name, c.UserRole, f.Roles)
		}
	}
	for sid, a := range f.Accounts {
		if a.APIKey == "" || a.APIToken == "" {
			return Fixtures{}, doc.Errorf(doc.KeyLine("accounts", sid), "account %q needs an apiKey and an apiToken", sid)
		}
	}
	if f.demoAccount, err = yamlfile.OneDemo(doc, "accounts", f.Accounts, func(a Account) bool { return a.Demo }); err != nil {
		return Fixtures{}, err
	}
	if f.demoAdmin, err = yamlfile.OneDemo(doc, "admins", f.Admins, func(a Admin) bool { return a.Demo }); err != nil {
		return Fixtures{}, err
	}
	if f.demoCredential, err = yamlfile.OneDemo(doc, "credentials", f.Credentials, func(c Credential) bool { return c.Demo }); err != nil {
		return Fixtures{}, err
	}
	return f, nil
}

func parseRSAKey(der []byte) (*rsa.PrivateKey, error) {
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("not an RSA private key in PKCS#1 or PKCS#8")
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("the key is not RSA")
	}
	return rk, nil
}

// DefaultFixtures returns the embedded fixtures/exotel.yaml.
func DefaultFixtures() Fixtures { return fixtures.MustParse(Name, ParseFixtures) }
