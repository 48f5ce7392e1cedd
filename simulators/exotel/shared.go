package exotel

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"time"
)

// matches reports whether password is the credential's.
func (c credential) matches(password string) bool {
	sum := sha256.Sum256([]byte(password))
	return subtle.ConstantTimeCompare(sum[:], c.password[:]) == 1
}

// register records a credential (replacing one of its name when upsert);
// dup reports that the name was registered already. With shared state
// the store decides, atomically for every replica, and each replica's
// copy changes when the store tells it (applyRegistration).
func (s *Simulator) register(c credential, upsert bool) (dup bool, err error) {
	if s.shared == nil {
		s.mu.Lock()
		_, dup = s.credentials[c.Username]
		if !dup || upsert {
			s.keepLocked(c)
		}
		s.forgotten = nil
		s.mu.Unlock()
		return dup, nil
	}
	if upsert {
		s.mu.Lock()
		_, dup = s.credentials[c.Username]
		s.mu.Unlock()
	}
	raw, _ := json.Marshal(sharedCredential{
		Username: c.Username, PasswordSHA256: hex.EncodeToString(c.password[:]), Context: c.Context, ContextID: c.ContextID,
		UserRole: c.UserRole, Expiry: c.Expiry, CreatedBy: c.CreatedBy, CreatedAt: c.CreatedAt,
	})
	existed, err := s.shared.Put(c.Username, raw, upsert)
	if err != nil {
		return false, err
	}
	return dup || existed, nil
}

// keepLocked puts a registration in this replica's copy, within the
// bounds.
func (s *Simulator) keepLocked(c credential) {
	s.credentials[c.Username] = c
	s.registered[c.CreatedBy] = append(s.registered[c.CreatedBy], c.Username)
	s.regCount[adminName{c.CreatedBy, c.Username}]++
	s.regTotal++
	s.boundLocked(c.CreatedBy)
}

// sharedCredential is a registration as replicas share it: the password
// as its SHA-256 only.
type sharedCredential struct {
	Username       string    `json:"username"`
	PasswordSHA256 string    `json:"passwordSha256"`
	Context        string    `json:"context"`
	ContextID      string    `json:"contextId"`
	UserRole       string    `json:"userRole"`
	Expiry         time.Time `json:"expiry"`
	CreatedBy      string    `json:"createdBy"`
	CreatedAt      time.Time `json:"createdAt"`
}

func (sc sharedCredential) credential() (credential, bool) {
	c := credential{Username: sc.Username, Context: sc.Context, ContextID: sc.ContextID, UserRole: sc.UserRole,
		Expiry: sc.Expiry, CreatedBy: sc.CreatedBy, CreatedAt: sc.CreatedAt}
	sum, err := hex.DecodeString(sc.PasswordSHA256)
	if err != nil || len(sum) != len(c.password) || c.Username == "" {
		return c, false
	}
	copy(c.password[:], sum)
	return c, true
}

// applyRegistration takes a registration made on any replica (value nil:
// forgotten by its bound).
// What its bound forgets here is forgotten in the store too (every
// replica forgets the same names: deleting twice does no harm).
func (s *Simulator) applyRegistration(name string, value []byte) {
	s.mu.Lock()
	if value == nil {
		if c, ok := s.credentials[name]; ok && c.CreatedBy != "fixtures" {
			delete(s.credentials, name)
		}
		s.mu.Unlock()
		return
	}
	var sc sharedCredential
	if json.Unmarshal(value, &sc) == nil {
		if c, ok := sc.credential(); ok {
			s.keepLocked(c)
		}
	}
	forgotten := s.forgotten
	s.forgotten = nil
	s.mu.Unlock()
	if len(forgotten) > 0 {
		s.shared.Forget(forgotten...)
	}
}

// loadRegistrations takes the whole set: the fixtures' own and every
// replica's.
func (s *Simulator) loadRegistrations(all map[string][]byte) {
	fresh := s.fixtureCredentials()
	s.mu.Lock()
	s.credentials, s.registered, s.regCount, s.regTotal = fresh, map[string][]string{}, map[adminName]int{}, 0
	s.mu.Unlock()
	for name, v := range all {
		s.applyRegistration(name, v)
	}
}

// sharedKey is the admin tokens' signing key every replica holds: made
// (and kept in the stack's shared state) by the first that needs one, so
// a bearer one replica showed is good on every other. nil when the store
// cannot give one: the replica then signs with a key of its own.
func sharedKey(value func(string, func() (string, error)) (string, error)) *rsa.PrivateKey {
	text, err := value("exotel:signing-key", func() (string, error) {
		der, err := x509.MarshalPKCS8PrivateKey(processKey())
		if err != nil {
			return "", err
		}
		return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
	})
	if err != nil {
		return nil
	}
	block, _ := pem.Decode([]byte(text))
	if block == nil {
		return nil
	}
	key, err := parseRSAKey(block.Bytes)
	if err != nil {
		return nil
	}
	return key
}
