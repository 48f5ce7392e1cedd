// Package tokens keeps the tokens a simulator has minted: who they belong to,
// when they expire on the simulated clock, and whether they were ended.
//
// The store is vendor-neutral: each vendor decides what its tokens look like
// and how long they live, and asks the store whether one is still good.
package tokens

import (
	"context"
	"crypto/rand"
	"errors"
	"hash/maphash"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mockauth/mockauth/simulators/clock"
)

// Sentinel errors of Check, so vendors can map them to their own answers.
var (
	ErrUnknown = errors.New("tokens: unknown or ended token")
	ErrExpired = errors.New("tokens: token expired")
)

// DefaultMaxTokens bounds a store so a long load test cannot grow it without
// end; the oldest tokens are forgotten first (a token from 20,000 logins ago
// then answers as unknown).
const DefaultMaxTokens = 20_000

// Token is one minted token.
type Token struct {
	Value     string
	Subject   string        // the login it was minted for
	Kind      string        // which of a vendor's logins minted it
	IssuedAt  time.Time     // on the simulated clock
	ExpiresAt time.Time     // zero: never expires
	IdleFor   time.Duration // > 0: also expires this long after its last use
	LastUsed  time.Time
	Data      any // vendor data; treated as immutable once stored
}

// stored is a token as the store holds it. A load test fills a store to
// its bound, so it is kept small and within the map's own memory: the
// value is not kept (the map's key is its hash), the login and kind are
// shared by the tokens of one login (owner), and nothing else points
// out; the collector then has one block of buckets to scan, not tens of
// thousands of tokens.
type stored struct {
	owner         *owner
	issuedAt      int64 // Unix nanoseconds on the simulated clock; 0: none
	expiresAt     int64
	lastUsed      int64
	idleFor       time.Duration
	expiredAtMint bool // minted under a token-expired fault
}

// token is st as a Token of the given value.
func (st *stored) token(value string) Token {
	return Token{Value: value, Subject: st.owner.subject, Kind: st.owner.kind, IssuedAt: fromNanos(st.issuedAt),
		ExpiresAt: fromNanos(st.expiresAt), IdleFor: st.idleFor, LastUsed: fromNanos(st.lastUsed), Data: st.owner.data}
}

// nanos is t in Unix nanoseconds, 0 for the zero time; times past what
// an int64 holds (years before 1678 or after 2262) are held at its ends.
func nanos(t time.Time) int64 {
	switch {
	case t.IsZero():
		return 0
	case t.Before(minTime):
		return math.MinInt64
	case t.After(maxTime):
		return math.MaxInt64
	}
	if n := t.UnixNano(); n != 0 {
		return n
	}
	return 1 // the epoch itself is not "none"
}

var minTime, maxTime = time.Unix(0, math.MinInt64), time.Unix(0, math.MaxInt64)

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// owner is who a token was minted for, and the vendor's data on it.
type owner struct {
	subject, kind string
	data          any
}

// maxOwners bounds the shared owners a store keeps: beyond, the table
// starts again (the tokens keep theirs).
const maxOwners = 4096

// key is a token's value as the store indexes it: 128 bits of hash under
// seeds of this process, which no client knows, so none can make two
// values meet.
type key [2]uint64

var keySeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}

func keyOf(value string) key {
	return key{maphash.String(keySeeds[0], value), maphash.String(keySeeds[1], value)}
}

// Store holds the minted tokens of one simulator.
type Store struct {
	clock clock.Clock
	max   int

	mu sync.Mutex // guards everything below
	// ring holds the last max tokens minted, in order: the next one takes
	// the place of the oldest (next), which is forgotten. It grows to max
	// as tokens come, so an idle store holds nothing.
	ring   []slot
	next   int
	tokens map[key]int32 // a held token's place in ring
	owners map[owner]*owner
	// lastOwner is the owner last found or made (no vendor data).
	lastOwner *owner
	ids       map[key][16]byte // a shared store's tokens: their signed ids

	sharing *Sharing         // nil: tokens live only in this store
	revoked map[key]struct{} // ended here, so no longer honoured by signature (a replica's, a JWT)
	revOrd  []key            // revoked's insertion order, for its bound
	// revokedIDs are the signed ids of the ended tokens: a token re-spelt
	// (upper-case, braced, without dashes, another user prefix) decodes to
	// the same id, and stays ended.
	revokedIDs map[[16]byte]bool
	revIDOrd   [][16]byte
}

// slot is a place in the ring: a token, or none (owner nil) once ended.
type slot struct {
	key key
	stored
}

// ownerLocked is the shared owner of subject and kind; a token with
// vendor data has an owner of its own.
func (s *Store) ownerLocked(subject, kind string, data any) *owner {
	// Copies: a login name read from a request may share the whole body's
	// memory, which the store would otherwise keep alive.
	if data != nil {
		return &owner{strings.Clone(subject), strings.Clone(kind), data}
	}
	if o := s.lastOwner; o != nil && o.subject == subject && o.kind == kind {
		return o // a load test's logins are mostly one login's
	}
	if o, ok := s.owners[owner{subject: subject, kind: kind}]; ok {
		s.lastOwner = o
		return o
	}
	if len(s.owners) >= maxOwners {
		s.owners = map[owner]*owner{}
	}
	o := &owner{subject: strings.Clone(subject), kind: strings.Clone(kind)}
	s.owners[*o] = o
	s.lastOwner = o
	return o
}

// Share makes the store's ids signed, and honours signed tokens minted by
// other replicas holding the same secret. A token ended on another
// replica is still honoured here until it expires: ends are the one state
// replicas do not share.
func (s *Store) Share(sh *Sharing) *Store {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sharing = sh
	return s
}

// NewID returns the 16 bytes a vendor turns into a visible token for a
// login: random, or signed when the store is shared. A token minted under
// a token-expired fault is signed already expired, so other replicas
// refuse it too.
func (s *Store) NewID(ctx context.Context, login string, expires time.Time) [16]byte {
	return s.newID(ctx, login, expires, false)
}

// NewUUID is NewID for a vendor whose token embeds a UUID or GUID: the 16
// bytes are an RFC 4122 version-4 UUID, as the vendors' own (random, or
// signed when the store is shared).
func (s *Store) NewUUID(ctx context.Context, login string, expires time.Time) [16]byte {
	return s.newID(ctx, login, expires, true)
}

func (s *Store) newID(ctx context.Context, login string, expires time.Time, v4 bool) [16]byte {
	if s.sharing == nil || s.sharing.Signer == nil {
		var id [16]byte
		_, _ = rand.Read(id[:])
		if v4 {
			setVersion4(&id)
			setVariant(&id)
		}
		return id
	}
	if tr := trackerFrom(ctx); tr != nil && tr.mintExpired {
		expires = s.clock.Now().Add(-time.Second)
	}
	if expires.IsZero() {
		expires = s.clock.Now().Add(100 * 365 * 24 * time.Hour)
	}
	return s.sharing.Signer.Seal(s.sharing.Vendor, s.sharing.SubjectIndex(login), expires, v4)
}

// remote checks a token this store did not mint, by its signature.
func (s *Store) remoteLocked(value string, now time.Time) (Token, error) {
	sh := s.sharing
	if sh == nil || sh.Signer == nil || sh.Decode == nil || s.isRevokedLocked(value) {
		return Token{}, ErrUnknown
	}
	id, ok := sh.Decode(value)
	if !ok || s.revokedIDs[id] {
		return Token{}, ErrUnknown
	}
	idx, exp, ok := sh.Signer.Open(sh.Vendor, id)
	if !ok || int(idx) >= len(sh.Subjects) {
		return Token{}, ErrUnknown
	}
	t := Token{Value: value, Subject: sh.Subjects[idx], ExpiresAt: exp, LastUsed: now}
	if !now.Before(exp) {
		return t, ErrExpired
	}
	return t, nil
}

// NewStore returns an empty store on the given clock.
func NewStore(c clock.Clock) *Store {
	return &Store{clock: c, max: DefaultMaxTokens, tokens: map[key]int32{}, owners: map[owner]*owner{}, revoked: map[key]struct{}{}}
}

// Limit bounds the store to n tokens (n > 0), forgetting the oldest first.
func (s *Store) Limit(n int) *Store {
	if n > 0 {
		s.mu.Lock()
		s.max = n
		s.mu.Unlock()
	}
	return s
}

// Add stores t, stamping IssuedAt and LastUsed with the clock when they are
// zero, and returns what was stored. Under a Tracker that asks for it, the
// token is stored already expired while the caller still sees its intended
// expiry: the vendor answers the login as usual and the token then fails.
func (s *Store) Add(ctx context.Context, t Token) Token {
	if t.IssuedAt.IsZero() {
		t.IssuedAt = s.clock.Now()
	}
	if t.LastUsed.IsZero() {
		t.LastUsed = t.IssuedAt
	}
	st := stored{issuedAt: nanos(t.IssuedAt), expiresAt: nanos(t.ExpiresAt), lastUsed: nanos(t.LastUsed), idleFor: t.IdleFor}
	if tr := trackerFrom(ctx); tr != nil {
		st.expiredAtMint = tr.record(t.Value)
	}
	k := keyOf(t.Value)
	s.mu.Lock()
	defer s.mu.Unlock()
	st.owner = s.ownerLocked(t.Subject, t.Kind, t.Data)
	if i, ok := s.tokens[k]; ok {
		s.ring[i].stored = st // the same value again: its place is kept
	} else {
		s.putLocked(k, st)
	}
	if sh := s.sharing; sh != nil && sh.Decode != nil {
		if id, ok := sh.Decode(t.Value); ok {
			if s.ids == nil {
				s.ids = map[key][16]byte{}
			}
			s.ids[k] = id
		}
	}
	return t
}

// putLocked gives a new token the next place in the ring, forgetting the
// token there (the oldest).
func (s *Store) putLocked(k key, st stored) {
	if len(s.ring) < s.max {
		if len(s.ring) == cap(s.ring) { // grow as append does, but never past the bound
			s.ring = slices.Grow(s.ring, min(max(len(s.ring), 64), s.max-len(s.ring)))
		}
		s.ring = append(s.ring, slot{})
		s.next = len(s.ring) - 1
	}
	if s.next >= len(s.ring) {
		s.next = 0 // the bound was lowered: wrap at the ring's end
	}
	old := &s.ring[s.next]
	if old.owner != nil {
		delete(s.tokens, old.key)
		delete(s.ids, old.key)
	}
	*old = slot{key: k, stored: st}
	s.tokens[k] = int32(s.next)
	s.next++
	if len(s.ring) < s.max {
		s.next = len(s.ring) // still growing: the next token appends
	} else if s.next == len(s.ring) {
		s.next = 0
	}
}

// heldLocked is the held token of key k, and whether there is one.
func (s *Store) heldLocked(k key) (*stored, bool) {
	i, ok := s.tokens[k]
	if !ok {
		return nil, false
	}
	return &s.ring[i].stored, true
}

// dropLocked forgets the held token of key k; its place stays empty
// until the ring comes round.
func (s *Store) dropLocked(k key) {
	if i, ok := s.tokens[k]; ok {
		s.ring[i].stored = stored{}
		delete(s.tokens, k)
		delete(s.ids, k)
	}
}

// Check returns the token if it is known, not ended and not expired, and
// marks it used (which moves an idle expiry forward).
func (s *Store) Check(value string) (Token, error) {
	now := s.clock.Now()
	k := keyOf(value)
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.heldLocked(k)
	if !ok {
		return s.remoteLocked(value, now)
	}
	if st.expiredAtMint || st.expired(now) {
		return st.token(value), ErrExpired
	}
	st.lastUsed = nanos(now)
	return st.token(value), nil
}

// expired reports whether st has expired by now: its lifetime, or its
// idle time since its last use.
func (st *stored) expired(now time.Time) bool {
	n := nanos(now)
	if st.expiresAt != 0 && n >= st.expiresAt {
		return true
	}
	return st.idleFor > 0 && n >= st.lastUsed+int64(st.idleFor)
}

// Valid reports whether a token is known, not ended and not expired,
// without marking it used.
func (s *Store) Valid(value string) bool {
	now := s.clock.Now()
	k := keyOf(value)
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.heldLocked(k)
	if !ok {
		_, err := s.remoteLocked(value, now)
		return err == nil
	}
	return !st.expiredAtMint && !st.expired(now)
}

// Revoke ends a token; it reports ErrUnknown when there was none.
func (s *Store) Revoke(value string) error {
	k := keyOf(value)
	s.mu.Lock()
	defer s.mu.Unlock()
	_, local := s.tokens[k]
	if !local {
		if _, err := s.remoteLocked(value, s.clock.Now()); err != nil {
			return ErrUnknown
		}
	}
	s.dropLocked(k)
	s.forbidLocked(value)
	return nil
}

// EndSubject ends every token a login holds here (another session of the
// same user ended them all); it reports how many. Tokens of a replica
// that this store never held stay good.
func (s *Store) EndSubject(subject string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for i := range s.ring {
		sl := &s.ring[i]
		if sl.owner != nil && sl.owner.subject == subject {
			if id, ok := s.ids[sl.key]; ok {
				s.revokeIDLocked(id)
			}
			s.revokeKeyLocked(sl.key)
			s.dropLocked(sl.key)
			n++
		}
	}
	return n
}

// Forbid records a token as ended even when the store never held it: a
// vendor that honours tokens by their own signature (a JWT another
// replica minted) asks Ended before honouring one.
func (s *Store) Forbid(value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forbidLocked(value)
}

func (s *Store) forbidLocked(value string) {
	if sh := s.sharing; sh != nil && sh.Decode != nil {
		if id, ok := sh.Decode(value); ok {
			s.revokeIDLocked(id)
		}
	}
	s.revokeKeyLocked(keyOf(value))
}

// revokeIDLocked records a signed id as ended here.
func (s *Store) revokeIDLocked(id [16]byte) {
	if s.revokedIDs[id] {
		return
	}
	if s.revokedIDs == nil {
		s.revokedIDs = map[[16]byte]bool{}
	}
	s.revokedIDs[id] = true
	s.revIDOrd = append(s.revIDOrd, id)
	for len(s.revIDOrd) > s.max {
		delete(s.revokedIDs, s.revIDOrd[0])
		s.revIDOrd = s.revIDOrd[1:]
	}
}

// revokeKeyLocked records a value, by its key, as ended here.
func (s *Store) revokeKeyLocked(k key) {
	if _, ok := s.revoked[k]; ok {
		return
	}
	s.revoked[k] = struct{}{}
	s.revOrd = append(s.revOrd, k)
	for len(s.revOrd) > s.max {
		delete(s.revoked, s.revOrd[0])
		s.revOrd = s.revOrd[1:]
	}
}

func (s *Store) isRevokedLocked(value string) bool {
	_, ok := s.revoked[keyOf(value)]
	return ok
}

// Ended reports whether this store ended a token (Revoke, Forbid), in
// any spelling of its signed id.
func (s *Store) Ended(value string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.isRevokedLocked(value) {
		return true
	}
	if sh := s.sharing; sh != nil && sh.Decode != nil {
		if id, ok := sh.Decode(value); ok {
			return s.revokedIDs[id]
		}
	}
	return false
}

// Len reports how many tokens the store holds, expired ones included.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.tokens)
}

// Reset forgets every token.
func (s *Store) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens, s.ring, s.next = map[key]int32{}, nil, 0
	s.owners, s.ids, s.lastOwner = map[owner]*owner{}, nil, nil
	s.revoked, s.revOrd = map[key]struct{}{}, nil
	s.revokedIDs, s.revIDOrd = nil, nil
}

// Tracker follows the tokens minted while one request is served: the
// pipeline uses it to keep them out of the journal, and to mint them already
// expired when a token-expired fault asks for that.
type Tracker struct {
	mintExpired bool

	mu     sync.Mutex // guards minted
	minted []string
}

type trackerKey struct{}

// Track returns a context carrying a new Tracker.
func Track(ctx context.Context, mintExpired bool) (context.Context, *Tracker) {
	t := &Tracker{mintExpired: mintExpired}
	return context.WithValue(ctx, trackerKey{}, t), t
}

func trackerFrom(ctx context.Context) *Tracker {
	if ctx == nil {
		return nil
	}
	t, _ := ctx.Value(trackerKey{}).(*Tracker)
	return t
}

func (t *Tracker) record(value string) (mintExpired bool) {
	t.mu.Lock()
	t.minted = append(t.minted, value)
	t.mu.Unlock()
	return t.mintExpired
}

// Count is how many tokens were minted so far.
func (t *Tracker) Count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.minted)
}

// Note tells the request's Tracker, if any, of a token minted outside a
// Store (a signed JWT), so the journal keeps it out and counts the login.
func Note(ctx context.Context, value string) {
	if t := trackerFrom(ctx); t != nil {
		t.record(value)
	}
}

// Minted returns a copy of the token values minted so far.
func (t *Tracker) Minted() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.minted...)
}
