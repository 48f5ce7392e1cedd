package autoalert

import (
	"strconv"
	"time"
	_ "time/tzdata" // the timezone setting must load on machines without a zoneinfo database

	"github.com/google/uuid"

	"github.com/mockauth/mockauth/fixtures"
	"github.com/mockauth/mockauth/simulators/yamlfile"
)

// Fixtures is the content of fixtures/autoalert.yaml.
type Fixtures struct {
	// Stubs are the calls after login the file declares, read by the
	// stack (simulators/stub) and guarded by this vendor's checks.
	Stubs           yamlfile.Section  `yaml:"stubs"`
	Settings        Settings          `yaml:"settings"`
	Users           map[string]User   `yaml:"users"`
	AutologinTokens map[string]string `yaml:"autologinTokens"`
	// Entities are what Search/getentities answers, in order.
	Entities []Entity `yaml:"entities"`
	// VehiclesNotOwned are what Vehicle/getnotowned answers, in order.
	VehiclesNotOwned []VehicleNotOwned `yaml:"vehiclesNotOwned"`

	location               *time.Location
	demoUser, demoCodeUser string // the logins marked demo: true, without and with a security code
}

// Settings are the undocumented behaviours.
type Settings struct {
	TokenLifetime time.Duration `yaml:"tokenLifetime"`
	// Timezone is the zone expirationDateUtc is written in; UTC writes Z.
	Timezone string `yaml:"timezone"`
	// Failures is how a refused login or token comes back: FailuresHTTP
	// (default) or FailuresInBody.
	Failures string `yaml:"failures"`
}

// Failure modes of the settings.
const (
	// FailuresHTTP answers 400, 401 or 403 with the failure in the body.
	FailuresHTTP = "http-status"
	// FailuresInBody answers HTTP 200 with the status in the body's code.
	FailuresInBody = "in-body"
)

// User is an AutoAlert account.
type User struct {
	UserID       int    `yaml:"userID"`
	Password     string `yaml:"password"`
	SecurityCode string `yaml:"securityCode"`
	IsEmployee   bool   `yaml:"isEmployee"`
	FullName     string `yaml:"fullName"`
	Scenario     string `yaml:"scenario"`
	// Demo marks the demo login mockauth advertises: one without a
	// security code, one with.
	Demo bool `yaml:"demo"`
}

// ParseFixtures reads a fixture file, refusing unknown keys and bad values
// with the file name and line.
func ParseFixtures(file string, data []byte) (Fixtures, error) {
	var f Fixtures
	doc, err := yamlfile.Decode(file, data, &f)
	if err != nil {
		return Fixtures{}, err
	}
	if f.Settings.TokenLifetime == 0 {
		f.Settings.TokenLifetime = 24 * time.Hour
	} else if f.Settings.TokenLifetime < 0 {
		return Fixtures{}, doc.Errorf(doc.Line("settings", "tokenLifetime"), "tokenLifetime must be positive")
	}
	if err := doc.Choice(&f.Settings.Failures, FailuresHTTP, []string{"settings", "failures"}, FailuresHTTP, FailuresInBody); err != nil {
		return Fixtures{}, err
	}
	if f.Settings.Timezone == "" {
		f.Settings.Timezone = "America/Los_Angeles"
	}
	if f.location, err = time.LoadLocation(f.Settings.Timezone); err != nil {
		return Fixtures{}, doc.Errorf(doc.Line("settings", "timezone"), "unknown timezone %q", f.Settings.Timezone)
	}
	if len(f.Users) == 0 {
		return Fixtures{}, doc.Errorf(doc.Line(), "no users: nobody could log in")
	}
	ids := map[int]string{}
	for name, u := range f.Users {
		line := doc.KeyLine("users", name)
		switch {
		case u.Password == "":
			return Fixtures{}, doc.Errorf(line, "user %q has no password", name)
		case u.UserID <= 0:
			return Fixtures{}, doc.Errorf(line, "user %q needs a userID above 0", name)
		case ids[u.UserID] != "":
			return Fixtures{}, doc.Errorf(line, "user %q has the userID %d of user %q", name, u.UserID, ids[u.UserID])
		}
		ids[u.UserID] = name
	}
	for tok, user := range f.AutologinTokens {
		line := doc.KeyLine("autologinTokens", tok)
		if _, err := uuid.Parse(tok); err != nil {
			return Fixtures{}, doc.Errorf(line, "autologin token %q is not a GUID", tok)
		}
		if _, ok := f.Users[user]; !ok {
			return Fixtures{}, doc.Errorf(line, "autologin token %q names user %q, who is not among the users", tok, user)
		}
	}
	for i, e := range f.Entities {
		if _, err := uuid.Parse(e.EntityID); err != nil {
			return Fixtures{}, doc.Errorf(doc.Line("entities", strconv.Itoa(i), "entityID"), "entity %d: entityID %q is not a GUID", i+1, e.EntityID)
		}
	}
	for i, v := range f.VehiclesNotOwned {
		if _, err := uuid.Parse(v.EntityID); err != nil {
			return Fixtures{}, doc.Errorf(doc.Line("vehiclesNotOwned", strconv.Itoa(i), "entityID"), "vehicle %d: entityID %q is not a GUID", i+1, v.EntityID)
		}
		if v.InsertDate.IsZero() {
			return Fixtures{}, doc.Errorf(doc.Line("vehiclesNotOwned", strconv.Itoa(i)), "vehicle %d has no insertDate", i+1)
		}
	}
	if f.demoUser, err = yamlfile.OneDemo(doc, "users", f.Users, func(u User) bool { return u.Demo && u.SecurityCode == "" }); err != nil {
		return Fixtures{}, err
	}
	if f.demoCodeUser, err = yamlfile.OneDemo(doc, "users", f.Users, func(u User) bool { return u.Demo && u.SecurityCode != "" }); err != nil {
		return Fixtures{}, err
	}
	return f, nil
}

// DefaultFixtures returns the embedded fixtures/autoalert.yaml.
func DefaultFixtures() Fixtures { return fixtures.MustParse(Name, ParseFixtures) }
