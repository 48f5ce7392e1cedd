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
// GUID): expiry (4 bytes, Unix seconds), the index of the login in the
// vendor's sorted fixture logins (2), a nonce (2), and an HMAC-SHA256 over
// vendor and all of these, cut to 8 bytes. An id that is a UUID keeps the
// RFC 4122 version-4 bits: the version nibble is set before the MAC is
// taken (it is part of what is signed), the two variant bits after (the
// MAC is checked without them).
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

// Seal makes a signed id; with v4 it is a version-4 UUID.
func (s *Signer) Seal(vendor string, subject uint16, expires time.Time, v4 bool) [16]byte {
	var id [16]byte
	binary.BigEndian.PutUint32(id[0:4], uint32(expires.Unix()))
	binary.BigEndian.PutUint16(id[4:6], subject)
	_, _ = rand.Read(id[6:8])
	if v4 {
		setVersion4(&id)
	}
	copy(id[8:], s.mac(vendor, id[:8]))
	if v4 {
		setVariant(&id)
	}
	return id
}

// Open verifies an id and returns what it carries.
func (s *Signer) Open(vendor string, id [16]byte) (subject uint16, expires time.Time, ok bool) {
	want := s.mac(vendor, id[:8])
	got := id[8:]
	// The variant bits of a UUID are not signed.
	if want[0]&0x3f != got[0]&0x3f || !hmac.Equal(got[1:], want[1:]) {
		return 0, time.Time{}, false
	}
	return binary.BigEndian.Uint16(id[4:6]), time.Unix(int64(binary.BigEndian.Uint32(id[0:4])), 0), true
}

// setVersion4 and setVariant make 16 bytes an RFC 4122 version-4 UUID, as
// .NET's Guid.NewGuid and Java's UUID.randomUUID make theirs.
func setVersion4(id *[16]byte) { id[6] = id[6]&0x0f | 0x40 }
func setVariant(id *[16]byte)  { id[8] = id[8]&0x3f | 0x80 }

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
