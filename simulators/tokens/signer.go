package tokens

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"time"
)

// Signer makes token ids that any replica holding the same secret can
// verify without shared state. An id is the 16 random-looking bytes inside
// a vendor's visible token (uContact's uuid, CRM.COM's hex, AutoAlert's
// GUID): expiry (4 bytes, Unix seconds), a nonce (2), the index of the login
// in the vendor's sorted fixture logins (2), and an HMAC-SHA256 over vendor
// and all of these, cut to 8 bytes.
type Signer struct {
	secret []byte
}

// NewSigner returns a signer for a shared secret.
func NewSigner(secret string) *Signer { return &Signer{secret: []byte(secret)} }

func (s *Signer) mac(vendor string, head []byte) []byte {
	h := hmac.New(sha256.New, s.secret)
	h.Write([]byte(vendor))
	h.Write([]byte{0})
	h.Write(head)
	return h.Sum(nil)[:8]
}

// Seal makes a signed id.
func (s *Signer) Seal(vendor string, subject uint16, expires time.Time) [16]byte {
	var id [16]byte
	binary.BigEndian.PutUint32(id[0:4], uint32(expires.Unix()))
	_, _ = rand.Read(id[4:6])
	binary.BigEndian.PutUint16(id[6:8], subject)
	copy(id[8:], s.mac(vendor, id[:8]))
	return id
}

// Open verifies an id and returns what it carries.
func (s *Signer) Open(vendor string, id [16]byte) (subject uint16, expires time.Time, ok bool) {
	if !hmac.Equal(id[8:], s.mac(vendor, id[:8])) {
		return 0, time.Time{}, false
	}
	return binary.BigEndian.Uint16(id[6:8]), time.Unix(int64(binary.BigEndian.Uint32(id[0:4])), 0), true
}

// Sharing makes a store's tokens verifiable by other replicas.
type Sharing struct {
	Signer   *Signer
	Vendor   string
	Subjects []string                            // the vendor's logins, sorted: a token carries an index into them
	Decode   func(value string) ([16]byte, bool) // the id inside a visible token
}

// SubjectIndex is a login's index for Seal (0 when unknown).
func (sh *Sharing) SubjectIndex(login string) uint16 {
	for i, s := range sh.Subjects {
		if s == login {
			return uint16(i)
		}
	}
	return 0
}
