package ucontact

import (
	"time"

	"github.com/mockauth/mockauth/fixtures"
	"github.com/mockauth/mockauth/simulators/vendor"
	"github.com/mockauth/mockauth/simulators/yamlfile"
)

// Fixtures is the content of fixtures/ucontact.yaml.
type Fixtures struct {
	// Stubs are the calls after login the file declares, read by the
	// stack (simulators/stub) and guarded by this vendor's checks.
	Stubs    yamlfile.Section `yaml:"stubs"`
	Settings Settings         `yaml:"settings"`
	Users    map[string]User  `yaml:"users"`
	Agents   map[string]Agent `yaml:"agents"`
	// APITokens are newer uContact's portal "API Tokens", by value, naming
	// the user whose permissions they carry: Authorization: Bearer <token>.
	APITokens map[string]string `yaml:"apiTokens"`

	demoUser, demoAgent string // the logins marked demo: true
}

// Settings are the undocumented behaviours a tenant may differ in.
type Settings struct {
	// Generation is the server generation a tenant runs: GenerationPartner
	// (the partner pages, default) or GenerationIntegra (the vendor's wiki).
	Generation string `yaml:"generation"`
	// TokenLifetime is how long a token stays good (default 1h).
	TokenLifetime time.Duration `yaml:"tokenLifetime"`
	// GetUserTokenError is "quoted" ("0", the partner page's) or "bare"
	// (0, the wiki's); its default follows the generation.
	GetUserTokenError string `yaml:"getUserTokenError"`
	// TokenParsing is how a token sent back is read: TokenLenient (as a
	// lenient Java Base64 decoder reads it, default) or TokenExact.
	TokenParsing string `yaml:"tokenParsing"`
	// ErrorPages is how the servlet container answers a path or method
	// no endpoint takes: "tomcat" (default) or "empty".
	ErrorPages vendor.ServletErrors `yaml:"errorPages"`
	// UserLogin is the shape of UserLogin's list: UserLoginClients (the
	// key at element 2, as public clients read it; default) or
	// UserLoginWiki (the wiki's: the phone's peer last, or the key last).
	UserLogin string `yaml:"userLogin"`
}

// User is an API user of getUserToken and UserLogin.
type User struct {
	Password string `yaml:"password"`
	Fullname string `yaml:"fullname"`
	// Phone names the agent whose SIP peer is the user's phone: UserLogin
	// then lists that peer, whose md5secret is the key.
	Phone    string `yaml:"phone"`
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

// Server generations of the settings.
const (
	// GenerationPartner is the partner pages' server: AgentLogin's
	// md5secret a 32-hex value beside a separate token, limite 0, the
	// getUserToken error "0".
	GenerationPartner = "partner"
	// GenerationIntegra is the vendor wiki's: md5secret is the API key
	// (base64 of accountcode:uuid), no token field, limite 0.0 (a Java
	// double), the getUserToken error a bare 0.
	GenerationIntegra = "integra"
)

// Token parsing modes of the settings.
const (
	TokenLenient = "lenient"
	TokenExact   = "exact"

	// UserLoginClients: [{user, fullname}, the phone's peer or {}, key]:
	// element 2 is the key, as the public PHP and Node clients read it
	// (evidence D12).
	UserLoginClients = "clients"
	// UserLoginWiki: the wiki's sample, [{user, fullname}, peer] with the
	// peer last (md5secret the key) for a user with a phone, and
	// [{user, fullname}, key] with the key last for one without.
	UserLoginWiki = "wiki"
)

// Error spellings of getUserToken.
const (
	ErrorQuoted = "quoted"
	ErrorBare   = "bare"
)

// defaultTokenLifetime is the only observation there is: a real token
// refused within about 66 minutes of issue.
const defaultTokenLifetime = time.Hour

// ParseFixtures reads a fixture file, refusing unknown keys and bad values
// with the file name and line.
func ParseFixtures(file string, data []byte) (Fixtures, error) {
	var f Fixtures
	doc, err := yamlfile.Decode(file, data, &f)
	if err != nil {
		return Fixtures{}, err
	}
	def := ErrorQuoted // the getUserToken error follows the generation
	if f.Settings.Generation == GenerationIntegra {
		def = ErrorBare
	}
	for _, c := range []struct {
		value   *string
		def     string
		key     string
		allowed []string
	}{
		{&f.Settings.Generation, GenerationPartner, "generation", []string{GenerationPartner, GenerationIntegra}},
		{&f.Settings.TokenParsing, TokenLenient, "tokenParsing", []string{TokenLenient, TokenExact}},
		{&f.Settings.GetUserTokenError, def, "getUserTokenError", []string{ErrorQuoted, ErrorBare}},
		{&f.Settings.UserLogin, UserLoginClients, "userLogin", []string{UserLoginClients, UserLoginWiki}},
	} {
		if err := doc.Choice(c.value, c.def, []string{"settings", c.key}, c.allowed...); err != nil {
			return Fixtures{}, err
		}
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
	for name, u := range f.Users {
		if _, ok := f.Agents[u.Phone]; u.Phone != "" && !ok {
			return Fixtures{}, doc.Errorf(doc.Line("users", name, "phone"), "user %q: phone %q is not among the agents", name, u.Phone)
		}
	}
	for tok, user := range f.APITokens {
		if _, ok := f.Users[user]; !ok {
			return Fixtures{}, doc.Errorf(doc.KeyLine("apiTokens", tok), "API token %q names user %q, who is not among the users", tok, user)
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
