package tokens

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"sync"
	"sync/atomic"
	"time"
)

// Signer makes token ids that any replica holding the same secret can
// verify without shared state. An id is the 16 random-looking bytes inside
// a vendor's visible token (uContact's uuid, CRM.COM's hex, AutoAlert's
// GUID): expiry (4 bytes, Unix seconds), the index of the login in the
// vendor's sorted fixture logins (2), a nonce (4), and an HMAC-SHA256 over
// vendor and all of these, cut to 6 bytes. The nonce counts up from a
// random start, so one replica never mints the same id twice for a login
// and an expiry (the 16-bit random nonce of before repeated: 69 duplicates
// in 3,000 logins of one user); a 48-bit MAC still takes 2^48 tries to
// forge. An id that is a UUID keeps the RFC 4122 version-4 bits, which
// fall in the nonce and are signed with it (26 bits of count remain).
type Signer struct {
	secret []byte
	next   atomic.Uint32 // the next nonce
	macs   sync.Pool     // keyed HMACs, reset between uses: keying one costs two hash blocks and allocations, on every login
}

// NewSigner returns a signer for a shared secret.
func NewSigner(secret string) *Signer {
	s := &Signer{secret: []byte(secret)}
	s.macs.New = func() any { return &macState{h: hmac.New(sha256.New, s.secret)} }
	var start [4]byte
	_, _ = rand.Read(start[:])
	s.next.Store(binary.BigEndian.Uint32(start[:]))
	return s
}

// Layout of a signed id.
const (
	headLen = 10 // expiry 4, login 2, nonce 4: what the MAC signs
	macLen  = 16 - headLen
)

// macState is a keyed HMAC with room for what it signs and its sum: in
// the pool, so a login's MAC allocates nothing.
type macState struct {
	h   hash.Hash
	buf [64]byte
}

func (s *Signer) mac(vendor string, head []byte) (out [macLen]byte) {
	m := s.macs.Get().(*macState)
	m.h.Reset()
	msg := append(append(append(m.buf[:0], vendor...), 0), head...)
	m.h.Write(msg)
	copy(out[:], m.h.Sum(m.buf[:0]))
	s.macs.Put(m)
	return out
}

// Seal makes a signed id; with v4 it is a version-4 UUID.
func (s *Signer) Seal(vendor string, subject uint16, expires time.Time, v4 bool) [16]byte {
	var id [16]byte
	binary.BigEndian.PutUint32(id[0:4], uint32(expires.Unix()))
	binary.BigEndian.PutUint16(id[4:6], subject)
	n := s.next.Add(1)
	if v4 {
		// The count goes around the version nibble (byte 6) and the
		// variant bits (byte 8): 4 + 8 + 6 + 8 bits.
		id[6], id[7], id[8], id[9] = byte(n>>22)&0x0f, byte(n>>14), byte(n>>8)&0x3f, byte(n)
		setVersion4(&id)
		setVariant(&id)
	} else {
		binary.BigEndian.PutUint32(id[6:10], n)
	}
	m := s.mac(vendor, id[:headLen])
	copy(id[headLen:], m[:])
	return id
}

// Open verifies an id and returns what it carries.
func (s *Signer) Open(vendor string, id [16]byte) (subject uint16, expires time.Time, ok bool) {
	m := s.mac(vendor, id[:headLen])
	if !hmac.Equal(id[headLen:], m[:]) {
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
