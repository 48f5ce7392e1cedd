package crmcom

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mockauth/mockauth/fixtures"
	"github.com/mockauth/mockauth/simulators/vendor"
	"github.com/mockauth/mockauth/simulators/yamlfile"
)

// Token modes of the settings.
const (
	TokensHourFromIssue = "hour-from-issue"
	TokensHourIdle      = "hour-idle"
	TokensJWTTwoHours   = "jwt-two-hours"
)

// Fixtures is the content of fixtures/crmcom.yaml.
type Fixtures struct {
	// Stubs are the calls after login the file declares, read by the
	// stack (simulators/stub) and guarded by this vendor's checks.
	Stubs         yamlfile.Section        `yaml:"stubs"`
	Settings      Settings                `yaml:"settings"`
	Organisations map[string]Organisation `yaml:"organisations"`
	Users         map[string]User         `yaml:"users"`
	AccessTokens  map[string]AccessToken  `yaml:"accessTokens"`
	// WebAPIKeys are the keys of authentication/web_api_key/token (R10+),
	// by value, each logging in as a user.
	WebAPIKeys map[string]APIKey `yaml:"webAPIKeys"`
	Contacts   []Contact         `yaml:"contacts"`

	demoUser, demoAccessToken, demoWebAPIKey string // the logins marked demo: true
}

// Settings pick the behaviour of a CRM.COM release.
type Settings struct {
	Tokens string `yaml:"tokens"`
	// ErrorPages is how the servlet container answers a path or method
	// no endpoint takes: "tomcat" (default) or "empty".
	ErrorPages vendor.ServletErrors `yaml:"errorPages"`
	// ErrorCodes renames mockauth's error codes (a reading) to what a
	// tenant sends, so a client's error table can be tested against it.
	ErrorCodes map[string]string `yaml:"errorCodes"`
}

// Organisation is a tenant with its units (id -> name).
type Organisation struct {
	Units map[string]string `yaml:"units"`
}

// User is a Web API user.
type User struct {
	Password     string   `yaml:"password"`
	Organisation string   `yaml:"organisation"`
	DefaultUnit  string   `yaml:"defaultUnit"`
	Units        []string `yaml:"units"`
	Scenario     string   `yaml:"scenario"`
	Demo         bool     `yaml:"demo"` // the demo login mockauth advertises
}

// APIKey is a web API key: it logs in as User by the key alone.
type APIKey struct {
	User string `yaml:"user"`
	Demo bool   `yaml:"demo"` // the demo key mockauth advertises
}

// AccessToken logs in as User by identifier + pass code or by code.
type AccessToken struct {
	PassCode           string `yaml:"passCode"`
	AuthenticationCode string `yaml:"authenticationCode"`
	User               string `yaml:"user"`
	Demo               bool   `yaml:"demo"` // the demo access token mockauth advertises
}

// ParseFixtures reads a fixture file, refusing unknown keys and
// inconsistent references with the file name and line.
func ParseFixtures(file string, data []byte) (Fixtures, error) {
	var f Fixtures
	doc, err := yamlfile.Decode(file, data, &f)
	if err != nil {
		return Fixtures{}, err
	}
	if err := doc.Choice(&f.Settings.Tokens, TokensHourFromIssue, []string{"settings", "tokens"},
		TokensHourFromIssue, TokensHourIdle, TokensJWTTwoHours); err != nil {
		return Fixtures{}, err
	}
	if f.Settings.ErrorPages, err = vendor.CheckServletErrors(f.Settings.ErrorPages); err != nil {
		return Fixtures{}, doc.Errorf(doc.Line("settings", "errorPages"), "%v", err)
	}
	for from, to := range f.Settings.ErrorCodes {
		line := doc.KeyLine("settings", "errorCodes", from)
		if _, known := errorTable[from]; !known {
			return Fixtures{}, doc.Errorf(line, "errorCodes: %q is not one of mockauth's error codes (%s)", from, strings.Join(errorCodeNames(), ", "))
		}
		if to == "" || to == CodeOK {
			return Fixtures{}, doc.Errorf(line, "errorCodes: %s cannot become %q", from, to)
		}
	}
	if len(f.Users) == 0 {
		return Fixtures{}, doc.Errorf(doc.Line(), "no users: nobody could log in")
	}
	for name, u := range f.Users {
		line := doc.KeyLine("users", name)
		org, ok := f.Organisations[u.Organisation]
		switch {
		case u.Password == "":
			return Fixtures{}, doc.Errorf(line, "user %q has no password", name)
		case !ok:
			return Fixtures{}, doc.Errorf(line, "user %q: organisation %q is not among the organisations", name, u.Organisation)
		case u.DefaultUnit == "" || !slices.Contains(u.Units, u.DefaultUnit):
			return Fixtures{}, doc.Errorf(line, "user %q: defaultUnit %q must be one of its units", name, u.DefaultUnit)
		}
		for _, unit := range u.Units {
			if _, ok := org.Units[unit]; !ok {
				return Fixtures{}, doc.Errorf(line, "user %q: unit %q is not a unit of %s", name, unit, u.Organisation)
			}
		}
	}
	for id, at := range f.AccessTokens {
		line := doc.KeyLine("accessTokens", id)
		if _, ok := f.Users[at.User]; !ok {
			return Fixtures{}, doc.Errorf(line, "access token %q: user %q is not among the users", id, at.User)
		}
		if at.PassCode == "" && at.AuthenticationCode == "" {
			return Fixtures{}, doc.Errorf(line, "access token %q has neither passCode nor authenticationCode", id)
		}
	}
	for i, c := range f.Contacts {
		if err := checkContact(c); err != nil {
			return Fixtures{}, doc.Errorf(doc.Line("contacts", fmt.Sprint(i)), "contact %d %v", i+1, err)
		}
	}
	if f.demoUser, err = yamlfile.OneDemo(doc, "users", f.Users, func(u User) bool { return u.Demo }); err != nil {
		return Fixtures{}, err
	}
	for key, k := range f.WebAPIKeys {
		if _, ok := f.Users[k.User]; !ok {
			return Fixtures{}, doc.Errorf(doc.KeyLine("webAPIKeys", key), "web API key %q: user %q is not among the users", key, k.User)
		}
	}
	if f.demoWebAPIKey, err = yamlfile.OneDemo(doc, "webAPIKeys", f.WebAPIKeys, func(k APIKey) bool { return k.Demo }); err != nil {
		return Fixtures{}, err
	}
	if f.demoAccessToken, err = yamlfile.OneDemo(doc, "accessTokens", f.AccessTokens, func(t AccessToken) bool { return t.Demo }); err != nil {
		return Fixtures{}, err
	}
	return f, nil
}

// DefaultFixtures returns the embedded fixtures/crmcom.yaml.
func DefaultFixtures() Fixtures { return fixtures.MustParse(Name, ParseFixtures) }
