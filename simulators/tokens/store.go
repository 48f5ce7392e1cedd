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

type stored struct {
	Token
	expiredAtMint bool // minted under a token-expired fault
}

// Store holds the minted tokens of one simulator.
type Store struct {
	clock clock.Clock
	max   int

	mu     sync.Mutex         // guards tokens, order and revoked
	tokens map[string]*stored // by Value
	order  []string           // insertion order, for eviction; may hold ended values

	sharing *Sharing        // nil: tokens live only in this store
	revoked map[string]bool // ended here, so no longer honoured by signature (a replica's, a JWT)
	revOrd  []string        // revoked's insertion order, for its bound
	// revokedIDs are the signed ids of the ended tokens: a token re-spelt
	// (upper-case, braced, without dashes, another user prefix) decodes to
	// the same id, and stays ended.
	revokedIDs map[[16]byte]bool
	revIDOrd   [][16]byte
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
	if sh == nil || sh.Signer == nil || sh.Decode == nil || s.revoked[value] {
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
	return &Store{clock: c, max: DefaultMaxTokens, tokens: make(map[string]*stored), revoked: map[string]bool{}}
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
	// Copies: a login name read from a request may share the whole body's
	// memory, which the store would otherwise keep alive.
	t.Value, t.Subject, t.Kind = strings.Clone(t.Value), strings.Clone(t.Subject), strings.Clone(t.Kind)
	now := s.clock.Now()
	if t.IssuedAt.IsZero() {
		t.IssuedAt = now
	}
	if t.LastUsed.IsZero() {
		t.LastUsed = t.IssuedAt
	}
	st := &stored{Token: t}
	if tr := trackerFrom(ctx); tr != nil {
		st.expiredAtMint = tr.record(t.Value)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.tokens) >= s.max && len(s.order) > 0 {
		delete(s.tokens, s.order[0])
		s.order = s.order[1:]
	}
	n := len(s.tokens)
	s.tokens[t.Value] = st
	if len(s.tokens) > n { // a new value (one map operation, not two)
		s.order = append(s.order, t.Value)
	}
	s.compactLocked()
	return t
}

// compactLocked drops ended values from the eviction order once they
// outnumber the live ones, so add-and-end cycles cannot grow it.
func (s *Store) compactLocked() {
	if len(s.order) <= 2*len(s.tokens)+1024 {
		return
	}
	live := make([]string, 0, len(s.tokens))
	for _, v := range s.order {
		if _, ok := s.tokens[v]; ok {
			live = append(live, v)
		}
	}
	s.order = live
}

// Check returns the token if it is known, not ended and not expired, and
// marks it used (which moves an idle expiry forward).
func (s *Store) Check(value string) (Token, error) {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.tokens[value]
	if !ok {
		return s.remoteLocked(value, now)
	}
	if st.expiredAtMint || expired(st.Token, now) {
		return st.Token, ErrExpired
	}
	st.LastUsed = now
	return st.Token, nil
}

func expired(t Token, now time.Time) bool {
	if !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt) {
		return true
	}
	return t.IdleFor > 0 && !now.Before(t.LastUsed.Add(t.IdleFor))
}

// Valid reports whether a token is known, not ended and not expired,
// without marking it used.
func (s *Store) Valid(value string) bool {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.tokens[value]
	if !ok {
		_, err := s.remoteLocked(value, now)
		return err == nil
	}
	return !st.expiredAtMint && !expired(st.Token, now)
}

// Revoke ends a token; it reports ErrUnknown when there was none.
func (s *Store) Revoke(value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, local := s.tokens[value]
	if !local {
		if _, err := s.remoteLocked(value, s.clock.Now()); err != nil {
			return ErrUnknown
		}
	}
	delete(s.tokens, value)
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
	for value, st := range s.tokens {
		if st.Subject == subject {
			delete(s.tokens, value)
			s.forbidLocked(value)
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
		if id, ok := sh.Decode(value); ok && !s.revokedIDs[id] {
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
	}
	if s.revoked[value] {
		return
	}
	s.revoked[value] = true
	s.revOrd = append(s.revOrd, value)
	for len(s.revOrd) > s.max {
		delete(s.revoked, s.revOrd[0])
		s.revOrd = s.revOrd[1:]
	}
}

// Ended reports whether this store ended a token (Revoke, Forbid), in
// any spelling of its signed id.
func (s *Store) Ended(value string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.revoked[value] {
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
	s.tokens = make(map[string]*stored)
	s.order = nil
	if s.revoked != nil {
		s.revoked, s.revOrd = map[string]bool{}, nil
	}
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
