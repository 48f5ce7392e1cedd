package ucontact

import (
	"time"

	"github.com/mockauth/mockauth/fixtures"
	"github.com/mockauth/mockauth/simulators/vendor"
	"github.com/mockauth/mockauth/simulators/yamlfile"
)

// Fixtures is the content of fixtures/ucontact.yaml.
type Fixtures struct {
	Settings Settings         `yaml:"settings"`
	Users    map[string]User  `yaml:"users"`
	Agents   map[string]Agent `yaml:"agents"`

	demoUser, demoAgent string // the logins marked demo: true
}

// Settings are the undocumented behaviours a tenant may differ in.
type Settings struct {
	// TokenLifetime is how long a token stays good (default 8h).
	TokenLifetime time.Duration `yaml:"tokenLifetime"`
	// GetUserTokenError is "quoted" (the page's "0", default) or "bare" (0).
	GetUserTokenError string `yaml:"getUserTokenError"`
	// ErrorPages is how the servlet container answers a path or method
	// no endpoint takes: "tomcat" (default) or "empty".
	ErrorPages vendor.ServletErrors `yaml:"errorPages"`
}

// User is an API user of getUserToken and UserLogin.
type User struct {
	Password string `yaml:"password"`
	Fullname string `yaml:"fullname"`
	Scenario string `yaml:"scenario"`
	Demo     bool   `yaml:"demo"` // the demo login mockauth advertises
}

// Agent is a SIP agent of AgentLogin.
type Agent struct {
	Password string `yaml:"password"`
	Scenario string `yaml:"scenario"`
	Demo     bool   `yaml:"demo"` // the demo agent mockauth advertises
	Peer     Peer   `yaml:"peer"`
}

// Error spellings of getUserToken.
const (
	ErrorQuoted = "quoted"
	ErrorBare   = "bare"
)

const defaultTokenLifetime = 8 * time.Hour

// ParseFixtures reads a fixture file, refusing unknown keys and bad values
// with the file name and line.
func ParseFixtures(file string, data []byte) (Fixtures, error) {
	var f Fixtures
	doc, err := yamlfile.Decode(file, data, &f)
	if err != nil {
		return Fixtures{}, err
	}
	switch f.Settings.GetUserTokenError {
	case "":
		f.Settings.GetUserTokenError = ErrorQuoted
	case ErrorQuoted, ErrorBare:
	default:
		return Fixtures{}, doc.Errorf(doc.Line("settings", "getUserTokenError"),
			"getUserTokenError must be %q or %q, not %q", ErrorQuoted, ErrorBare, f.Settings.GetUserTokenError)
	}
	if f.Settings.ErrorPages, err = vendor.CheckServletErrors(f.Settings.ErrorPages); err != nil {
		return Fixtures{}, doc.Errorf(doc.Line("settings", "errorPages"), "%v", err)
	}
	switch {
	case f.Settings.TokenLifetime == 0:
		f.Settings.TokenLifetime = defaultTokenLifetime
	case f.Settings.TokenLifetime < 0:
		return Fixtures{}, doc.Errorf(doc.Line("settings", "tokenLifetime"), "tokenLifetime must be positive")
	}
	if len(f.Users) == 0 && len(f.Agents) == 0 {
		return Fixtures{}, doc.Errorf(doc.Line(), "no users and no agents: nobody could log in")
	}
	for name, u := range f.Users {
		if u.Password == "" {
			return Fixtures{}, doc.Errorf(doc.KeyLine("users", name), "user %q has no password", name)
		}
	}
	for name, a := range f.Agents {
		if a.Password == "" {
			return Fixtures{}, doc.Errorf(doc.KeyLine("agents", name), "agent %q has no password", name)
		}
		if a.Peer.AccountCode == "" {
			return Fixtures{}, doc.Errorf(doc.KeyLine("agents", name), "agent %q has no peer.accountcode (its token is base64 of accountcode:uuid)", name)
		}
	}
	if f.demoUser, err = yamlfile.OneDemo(doc, "users", f.Users, func(u User) bool { return u.Demo }); err != nil {
		return Fixtures{}, err
	}
	if f.demoAgent, err = yamlfile.OneDemo(doc, "agents", f.Agents, func(a Agent) bool { return a.Demo }); err != nil {
		return Fixtures{}, err
	}
	return f, nil
}

// DefaultFixtures returns the embedded fixtures/ucontact.yaml.
func DefaultFixtures() Fixtures { return fixtures.MustParse(Name, ParseFixtures) }
