// Package tokens keeps the tokens a simulator has minted: who they belong to,
// when they expire on the simulated clock, and whether they were ended.
//
// The store is vendor-neutral: each vendor decides what its tokens look like
// and how long they live, and asks the store whether one is still good.
package tokens

import (
	"container/heap"
	"context"
	"crypto/rand"
	"errors"
	"hash/maphash"
	"math"
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

// DefaultMaxPerLogin bounds the tokens one login holds, and the ended
// tokens a store remembers for it: a login that mints more forgets its
// own oldest first, so a flood of one user's logins never ends another
// user's token (issue 31, N2).
const DefaultMaxPerLogin = 1000

// Store holds the minted tokens of one simulator.
//
// Every bound bites the login that floods: a login holds at most
// perLogin tokens (minting another forgets its own oldest), and when the
// store as a whole reaches max, the login holding the most pays. An ended
// token stays ended until it expires: the store remembers it (by its
// value's hash, and by its signed id in every spelling) as long as the
// bound allows, and when a login's ended tokens overflow, the store
// raises that login's watermark instead of forgetting: every token of the
// login expiring no later than the one forgotten is refused as ended.
type Store struct {
	clock    clock.Clock
	max      int // tokens held and ended tokens remembered, each
	perLogin int

	mu sync.Mutex // guards everything below
	// tokens indexes the held tokens in slots: a map of small integers
	// the collector need not scan, and one block of slots it scans at
	// once (a token of eight pointers each cost most of a load test's
	// marking once).
	tokens map[key]int32
	slots  []stored
	free   []int32           // slots of forgotten tokens, taken again first
	logins map[string]*login // by subject: the order its tokens came in, its ended ones
	heavy  loginHeap         // logins by weight (held and ended), for the store's bound
	held   int
	ended  int
	marked int    // logins with a watermark: none, and no check looks one up
	last   *login // the login last found (a load test's logins are mostly one login's)
	owners map[owner]*owner
	// lastOwner is the owner last found or made (no vendor data).
	lastOwner *owner
	ids       map[key][16]byte // a shared store's tokens: their signed ids

	sharing *Sharing // nil: tokens live only in this store
	// endedKeys and endedIDs are the ended tokens remembered: by their
	// value's hash, and by their signed ids (a token re-spelt —
	// upper-case, braced, without dashes, another user prefix — decodes
	// to the same id), each with its expiry (Unix nanoseconds, 0: none).
	endedKeys map[key]int64
	endedIDs  map[[16]byte]int64

	shared // what other replicas change (shared.go); zero without shared state
}

// login is one subject's share of the store.
type login struct {
	subject   string
	order     keyRing // its tokens in minting order; ended or forgotten ones stay until compacted
	live      int     // of order, the tokens still held
	ended     []endedEntry
	watermark int64 // its tokens expiring at or before this are ended (0: none)
	index     int   // in the heap
}

func (l *login) weight() int { return l.live + len(l.ended) }

// keyRing is a queue of keys in a circular buffer: a login at its bound
// pushes one and pops one per token, with no allocation.
type keyRing struct {
	buf     []key
	head, n int
}

func (q *keyRing) push(k key) {
	if q.n == len(q.buf) {
		q.resize(max(8, 2*len(q.buf)))
	}
	q.buf[(q.head+q.n)%len(q.buf)] = k
	q.n++
}

func (q *keyRing) pop() (key, bool) {
	if q.n == 0 {
		return key{}, false
	}
	k := q.buf[q.head]
	q.head = (q.head + 1) % len(q.buf)
	q.n--
	return k, true
}

// resize moves the queue into a buffer of size (at least q.n).
func (q *keyRing) resize(size int) {
	nb := make([]key, size)
	for i := range q.n {
		nb[i] = q.buf[(q.head+i)%len(q.buf)]
	}
	q.buf, q.head = nb, 0
}

// keep drops the keys keep refuses, in place, and gives back room when
// the queue holds a quarter of its buffer.
func (q *keyRing) keep(keep func(key) bool) {
	kept := 0
	for i := range q.n {
		k := q.buf[(q.head+i)%len(q.buf)]
		if keep(k) {
			q.buf[(q.head+kept)%len(q.buf)] = k
			kept++
		}
	}
	q.n = kept
	if len(q.buf) > 64 && q.n < len(q.buf)/4 {
		q.resize(max(8, 2*q.n))
	}
}

// endedEntry is an ended token a login's list remembers.
type endedEntry struct {
	key   key
	id    [16]byte
	hasID bool
	exp   int64
}

// loginHeap orders logins by weight, heaviest first.
type loginHeap []*login

func (h loginHeap) Len() int           { return len(h) }
func (h loginHeap) Less(i, j int) bool { return h[i].weight() > h[j].weight() }
func (h loginHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i]; h[i].index = i; h[j].index = j }
func (h *loginHeap) Push(x any)        { l := x.(*login); l.index = len(*h); *h = append(*h, l) }
func (h *loginHeap) Pop() any {
	old := *h
	l := old[len(old)-1]
	*h = old[:len(old)-1]
	l.index = -1
	return l
}

// heldLocked is the held token of key k, and whether there is one.
func (s *Store) heldLocked(k key) (*stored, bool) {
	i, ok := s.tokens[k]
	if !ok {
		return nil, false
	}
	return &s.slots[i], true
}

// holdLocked puts a new token in a slot.
func (s *Store) holdLocked(k key, st stored) {
	var i int32
	if n := len(s.free); n > 0 {
		i, s.free = s.free[n-1], s.free[:n-1]
		s.slots[i] = st
	} else {
		i = int32(len(s.slots))
		s.slots = append(s.slots, st)
	}
	s.tokens[k] = i
}

// releaseLocked forgets the held token of key k, freeing its slot.
func (s *Store) releaseLocked(k key) {
	if i, ok := s.tokens[k]; ok {
		s.slots[i] = stored{}
		s.free = append(s.free, i)
		delete(s.tokens, k)
		if id, ok := s.ids[k]; ok && s.byID != nil {
			delete(s.byID, id)
		}
		delete(s.ids, k)
	}
}

// loginLocked is subject's share, made when it has none.
func (s *Store) loginLocked(subject string) *login {
	if l := s.last; l != nil && l.index >= 0 && l.subject == subject {
		return l
	}
	if l, ok := s.logins[subject]; ok {
		s.last = l
		return l
	}
	l := &login{subject: strings.Clone(subject)}
	s.logins[l.subject] = l
	heap.Push(&s.heavy, l)
	s.last = l
	return l
}

// weighedLocked puts a login whose weight changed in its place in the
// heap, or drops a login that holds nothing and ends nothing.
func (s *Store) weighedLocked(l *login) {
	if l.index < 0 {
		return
	}
	if l.weight() == 0 && l.watermark == 0 {
		heap.Remove(&s.heavy, l.index) // its index is -1 from now on
		delete(s.logins, l.subject)
		return
	}
	heap.Fix(&s.heavy, l.index)
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
// replica is still honoured here until it expires, unless the replicas
// share their state (Observe and the Apply methods, shared.go).
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

// remoteLocked checks a token this store did not mint, by its signature.
func (s *Store) remoteLocked(value string, now time.Time, use bool) (Token, error) {
	sh := s.sharing
	if sh == nil || sh.Signer == nil || sh.Decode == nil || s.endedKeyLocked(keyOf(value)) || s.sumEndedLocked(value) {
		return Token{}, ErrUnknown
	}
	id, ok := sh.Decode(value)
	if !ok {
		return Token{}, ErrUnknown
	}
	if _, ended := s.endedIDs[id]; ended {
		return Token{}, ErrUnknown
	}
	idx, exp, ok := sh.Signer.Open(sh.Vendor, id)
	if !ok || int(idx) >= len(sh.Subjects) {
		return Token{}, ErrUnknown
	}
	t := Token{Value: value, Subject: sh.Subjects[idx], ExpiresAt: exp, LastUsed: now}
	if s.belowWatermarkLocked(t.Subject, nanos(exp)) {
		return Token{}, ErrUnknown
	}
	if idle, ok := s.idleRemoteLocked(id, exp, now, use); ok {
		exp, t.ExpiresAt = idle, idle
	}
	if !now.Before(exp) {
		return t, ErrExpired
	}
	return t, nil
}

// belowWatermarkLocked reports a token of subject expiring at exp that
// its login's watermark ends.
func (s *Store) belowWatermarkLocked(subject string, exp int64) bool {
	if s.marked == 0 || exp == 0 {
		return false
	}
	l, ok := s.logins[subject]
	return ok && l.watermark != 0 && exp != 0 && exp <= l.watermark
}

// NewStore returns an empty store on the given clock.
func NewStore(c clock.Clock) *Store {
	s := &Store{clock: c, max: DefaultMaxTokens, perLogin: DefaultMaxPerLogin}
	s.resetLocked()
	return s
}

func (s *Store) resetLocked() {
	s.tokens, s.slots, s.free = map[key]int32{}, nil, nil
	s.logins, s.heavy, s.held, s.ended, s.marked, s.last = map[string]*login{}, nil, 0, 0, 0, nil
	s.owners, s.ids, s.lastOwner = map[owner]*owner{}, nil, nil
	s.endedKeys, s.endedIDs = map[key]int64{}, map[[16]byte]int64{}
	s.resetShared()
}

// Limit bounds the store to n tokens (n > 0), and as many ended ones; a
// login holds at most min(n, DefaultMaxPerLogin).
func (s *Store) Limit(n int) *Store {
	if n > 0 {
		s.mu.Lock()
		s.max, s.perLogin = n, min(n, DefaultMaxPerLogin)
		s.mu.Unlock()
	}
	return s
}

// LimitPerLogin bounds the tokens one login holds (n > 0), and the ended
// tokens remembered for it.
func (s *Store) LimitPerLogin(n int) *Store {
	if n > 0 {
		s.mu.Lock()
		s.perLogin = n
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
	if old, ok := s.heldLocked(k); ok && old.owner.subject == st.owner.subject {
		*old = st // the same value again: its place is kept
	} else {
		if ok {
			s.forgetLocked(k) // the same value for another login: it moves
		}
		s.putLocked(k, st)
	}
	if sh := s.sharing; sh != nil && sh.Decode != nil {
		if id, ok := sh.Decode(t.Value); ok {
			if s.ids == nil {
				s.ids = map[key][16]byte{}
			}
			s.ids[k] = id
			if s.observer != nil {
				s.byID[id] = k
			}
		}
	}
	return t
}

// putLocked holds a new token, in its login's order; past the login's
// bound its own oldest is forgotten, past the store's the heaviest
// login's.
func (s *Store) putLocked(k key, st stored) {
	l := s.loginLocked(st.owner.subject)
	s.holdLocked(k, st)
	l.order.push(k)
	l.live++
	s.held++
	if l.live > s.perLogin {
		for l.live > s.perLogin {
			s.forgetOldestLocked(l)
		}
	} else {
		s.weighedLocked(l) // heavier: at the bound it weighs the same
	}
	if s.held > s.max {
		s.boundLocked()
	}
}

// boundLocked makes room past the store's bounds: the heaviest login
// forgets its oldest ended token (raising its watermark), or its oldest
// token.
func (s *Store) boundLocked() {
	for s.held > s.max || s.ended > s.max {
		if len(s.heavy) == 0 {
			return
		}
		l := s.heavy[0]
		switch {
		case s.ended > s.max && len(l.ended) > 0, l.live == 0 && len(l.ended) > 0:
			s.dropEndedLocked(l)
		case l.live > 0:
			s.forgetOldestLocked(l)
		default:
			return
		}
		s.weighedLocked(l)
	}
}

// forgetOldestLocked forgets the oldest token a login holds.
func (s *Store) forgetOldestLocked(l *login) {
	for {
		k, ok := l.order.pop()
		if !ok {
			return
		}
		if st, ok := s.heldLocked(k); ok && st.owner.subject == l.subject {
			s.releaseLocked(k)
			l.live--
			s.held--
			return
		}
	}
}

// forgetLocked forgets a held token, wherever it is in its login's order
// (the order is compacted when it holds mostly forgotten ones).
func (s *Store) forgetLocked(k key) {
	st, ok := s.heldLocked(k)
	if !ok {
		return
	}
	subject := st.owner.subject
	s.releaseLocked(k)
	s.held--
	l := s.logins[subject]
	if l == nil {
		return
	}
	l.live--
	if l.order.n > 2*l.live+64 {
		l.order.keep(func(o key) bool {
			h, ok := s.heldLocked(o)
			return ok && h.owner.subject == l.subject
		})
	}
	s.weighedLocked(l)
}

// endLocked remembers a token as ended for its login, until it expires:
// past the login's bound, its oldest ended token is dropped and the
// login's watermark rises to its expiry, so no ended token comes back.
func (s *Store) endLocked(subject string, e endedEntry) {
	if _, ok := s.endedKeys[e.key]; ok {
		return
	}
	l := s.loginLocked(subject)
	now := nanos(s.clock.Now())
	for len(l.ended) > 0 && l.ended[0].exp != 0 && l.ended[0].exp <= now {
		s.dropEndedLocked(l) // expired: nothing to remember
	}
	s.endedKeys[e.key] = e.exp
	if e.hasID {
		s.endedIDs[e.id] = e.exp
	}
	l.ended = append(l.ended, e)
	s.ended++
	for len(l.ended) > s.perLogin {
		s.dropEndedLocked(l)
	}
	s.weighedLocked(l)
	s.boundLocked()
}

// dropEndedLocked forgets a login's oldest ended token, raising its
// watermark to that token's expiry.
func (s *Store) dropEndedLocked(l *login) {
	e := l.ended[0]
	l.ended = l.ended[1:]
	if len(l.ended) == 0 {
		l.ended = nil // the backing array goes
	}
	delete(s.endedKeys, e.key)
	if e.hasID {
		delete(s.endedIDs, e.id)
	}
	s.ended--
	if e.exp > l.watermark && e.exp > nanos(s.clock.Now()) {
		if l.watermark == 0 {
			s.marked++
		}
		l.watermark = e.exp
	}
}

// endedKeyLocked reports whether a value's hash is remembered as ended.
func (s *Store) endedKeyLocked(k key) bool {
	_, ok := s.endedKeys[k]
	return ok
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
		return s.remoteLocked(value, now, true)
	}
	if s.belowWatermarkLocked(st.owner.subject, st.expiresAt) || s.sumEndedLocked(value) {
		return Token{}, ErrUnknown
	}
	if st.expiredAtMint || st.expired(now) {
		return st.token(value), ErrExpired
	}
	st.lastUsed = nanos(now)
	if st.idleFor > 0 {
		s.noteUsedLocked(k, st.lastUsed)
	}
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
		_, err := s.remoteLocked(value, now, false)
		return err == nil
	}
	return !st.expiredAtMint && !st.expired(now) && !s.belowWatermarkLocked(st.owner.subject, st.expiresAt) && !s.sumEndedLocked(value)
}

// Revoke ends a token; it reports ErrUnknown when there was none.
func (s *Store) Revoke(value string) error {
	k := keyOf(value)
	defer s.tell()
	s.mu.Lock()
	defer s.mu.Unlock()
	st, local := s.heldLocked(k)
	subject, exp := "", int64(0)
	if local {
		subject, exp = st.owner.subject, st.expiresAt
	} else {
		t, err := s.remoteLocked(value, s.clock.Now(), false)
		if err != nil {
			return ErrUnknown
		}
		subject, exp = t.Subject, nanos(t.ExpiresAt)
	}
	s.endValueLocked(k, value, subject, exp)
	return nil
}

// endValueLocked ends a token by its value: forgotten if held, and
// remembered as ended (with its signed id, if it has one).
func (s *Store) endValueLocked(k key, value, subject string, exp int64) {
	e := endedEntry{key: k, exp: exp}
	if id, ok := s.ids[k]; ok {
		e.id, e.hasID = id, true
	} else if sh := s.sharing; sh != nil && sh.Decode != nil {
		e.id, e.hasID = sh.Decode(value)
	}
	s.forgetLocked(k)
	s.endLocked(subject, e)
	s.noteEndLocked(e, value, subject)
}

// EndSubject ends every token a login holds here (another session of the
// same user ended them all); it reports how many. Tokens of a replica
// that this store never held stay good, unless the replicas share their
// state: the observer tells them, and each ends its own.
func (s *Store) EndSubject(subject string) int {
	defer s.tell()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noteSubjectLocked(subject)
	return s.endSubjectLocked(subject)
}

// endSubjectLocked ends every token a login holds here.
func (s *Store) endSubjectLocked(subject string) int {
	l, ok := s.logins[subject]
	if !ok {
		return 0
	}
	var held []key
	for i := range l.order.n {
		k := l.order.buf[(l.order.head+i)%len(l.order.buf)]
		if st, ok := s.heldLocked(k); ok && st.owner.subject == subject {
			held = append(held, k)
		}
	}
	for _, k := range held {
		st, _ := s.heldLocked(k)
		s.endValueLocked(k, "", subject, st.expiresAt) // a held token's signed id is in ids
	}
	return len(held)
}

// Forbid records a token as ended even when the store never held it: a
// vendor that honours tokens by their own signature (a JWT another
// replica minted) asks Ended before honouring one. Its login and expiry
// are unknown: it is remembered under no login, as long as the bound
// allows.
func (s *Store) Forbid(value string) { s.ForbidToken(value, "", time.Time{}) }

// ForbidToken is Forbid for a token whose login and expiry the vendor
// read (a JWT's claims): it stays ended until it expires, whatever the
// login does after.
func (s *Store) ForbidToken(value, subject string, expires time.Time) {
	k := keyOf(value)
	defer s.tell()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.endValueLocked(k, value, subject, nanos(expires))
}

// Ended reports whether this store ended a token (Revoke, Forbid), in
// any spelling of its signed id.
func (s *Store) Ended(value string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.endedKeyLocked(keyOf(value)) || s.sumEndedLocked(value) {
		return true
	}
	if sh := s.sharing; sh != nil && sh.Decode != nil {
		if id, ok := sh.Decode(value); ok {
			if _, ended := s.endedIDs[id]; ended {
				return true
			}
			if sh.Signer != nil {
				if idx, exp, ok := sh.Signer.Open(sh.Vendor, id); ok && int(idx) < len(sh.Subjects) {
					return s.belowWatermarkLocked(sh.Subjects[idx], nanos(exp))
				}
			}
		}
	}
	return false
}

// EndedFor reports whether a token of subject expiring at expires is
// ended: remembered (Ended), or under its login's watermark.
func (s *Store) EndedFor(value, subject string, expires time.Time) bool {
	if s.Ended(value) {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.belowWatermarkLocked(subject, nanos(expires))
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
	s.resetLocked()
}

// Tracker follows the tokens minted while one request is served: the
// pipeline uses it to keep them out of the journal, and to mint them already
// expired when a token-expired fault asks for that.
type Tracker struct {
	mintExpired bool

	mu     sync.Mutex // guards minted
	minted []string
	room   [2]string // minted's first place: a login mints one token
}

type trackerKey struct{}

// TrackerKey is the context key a request's Tracker is found under: a
// context of the caller's own may answer it (the request path's does, to
// carry what it needs in one value).
var TrackerKey any = trackerKey{}

// Track returns a context carrying a new Tracker.
func Track(ctx context.Context, mintExpired bool) (context.Context, *Tracker) {
	t := &Tracker{}
	return TrackWith(ctx, t, mintExpired), t
}

// TrackWith is Track with a Tracker the caller holds (a new one, or one
// of a request that ended): the request path keeps one in its exchange.
func TrackWith(ctx context.Context, t *Tracker, mintExpired bool) context.Context {
	t.Reset(mintExpired)
	return context.WithValue(ctx, trackerKey{}, t)
}

// Reset readies t for a request of its own (found under TrackerKey).
func (t *Tracker) Reset(mintExpired bool) { t.mintExpired, t.minted = mintExpired, t.room[:0] }

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
	if len(t.minted) == 0 {
		return nil
	}
	return append([]string(nil), t.minted...)
}
