package ucontact

import "strconv"

// Peer is the SIP peer object AgentLogin answers, with the fields, names,
// order and value types of the vendor page's example: id and limite are
// numbers, everything else a string, even where empty.
type Peer struct {
	ID               int    `yaml:"id" json:"id"`
	Name             string `yaml:"name" json:"name"` // defaults to the agent's login
	Host             string `yaml:"-" json:"host"`    // the host the request came to
	Nat              string `yaml:"nat" json:"nat"`
	Type             string `yaml:"type" json:"type"`
	AccountCode      string `yaml:"accountcode" json:"accountcode"`
	CallGroup        string `yaml:"callgroup" json:"callgroup"`
	CallerID         string `yaml:"callerid" json:"callerid"` // defaults to the agent's login
	CanReinvite      string `yaml:"canreinvite" json:"canreinvite"`
	Context          string `yaml:"context" json:"context"`
	DTMFMode         string `yaml:"dtmfmode" json:"dtmfmode"`
	Insecure         string `yaml:"insecure" json:"insecure"`
	Language         string `yaml:"language" json:"language"`
	Mailbox          string `yaml:"mailbox" json:"mailbox"`
	MD5Secret        string `yaml:"md5secret" json:"md5secret"`
	PickupGroup      string `yaml:"pickupgroup" json:"pickupgroup"`
	Qualify          string `yaml:"qualify" json:"qualify"`
	Secret           string `yaml:"secret" json:"secret"`
	Disallow         string `yaml:"disallow" json:"disallow"`
	Allow            string `yaml:"allow" json:"allow"`
	Port             string `yaml:"port" json:"port"`
	DefaultUser      string `yaml:"defaultuser" json:"defaultuser"` // defaults to the agent's login
	SubscribeContext string `yaml:"subscribecontext" json:"subscribecontext"`
	Record           string `yaml:"record" json:"record"`
	Email            string `yaml:"email" json:"email"`
	PhoneType        string `yaml:"phonetype" json:"phonetype"`
	LogLevel         string `yaml:"LogLevel" json:"LogLevel"`
	Limite           Limite `yaml:"limite" json:"limite"`
	Transport        string `yaml:"transport" json:"transport"`
	Encryption       string `yaml:"encryption" json:"encryption"`
	DID              string `yaml:"did" json:"did"`
	OutboundProxy    string `yaml:"outboundproxy" json:"outboundproxy"`
	Fullname         string `yaml:"fullname" json:"fullname"`
	Token            string `yaml:"-" json:"token,omitempty"` // the partner generation's; the wiki's has none
}

// Limite is the peer's limit, a number: the partner page writes it 0, the
// vendor's wiki 0.0, as Java writes a double.
type Limite struct {
	Value  int64
	Double bool // written as a Java double: 0.0
}

// UnmarshalYAML reads a fixture's whole number.
func (l *Limite) UnmarshalYAML(unmarshal func(any) error) error {
	return unmarshal(&l.Value)
}

// MarshalJSON writes the number as the generation does.
func (l Limite) MarshalJSON() ([]byte, error) {
	s := strconv.FormatInt(l.Value, 10)
	if l.Double {
		s += ".0"
	}
	return []byte(s), nil
}

// withDefaults fills the fields a fixture left empty with the values of the
// vendor page's example, so a fixture names only what differs.
func (p Peer) withDefaults(login string) Peer {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&p.Name, login)
	def(&p.CallerID, login)
	def(&p.DefaultUser, login)
	def(&p.Nat, "yes")
	def(&p.Type, "friend")
	def(&p.Context, "agents")
	def(&p.DTMFMode, "rfc2833")
	def(&p.Language, "es")
	def(&p.Qualify, "yes")
	def(&p.Disallow, "all")
	def(&p.Allow, "alaw;ulaw")
	def(&p.SubscribeContext, "default")
	def(&p.Record, "agent")
	def(&p.PhoneType, "SoftPhone")
	def(&p.LogLevel, "SEVERE")
	def(&p.Transport, "wss")
	def(&p.Encryption, "yes")
	return p
}
