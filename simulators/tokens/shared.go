package tokens

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Observer hears what a store changes that the stack's other replicas
// must know (simulators/state). Ended and EndedSubject return once the
// replicas know; Relayed and Used must not wait (Relayed runs as a
// replica applies another's change, Used under the store's lock).
type Observer interface {
	// Ended: the token of this portable id was ended (Revoke, Forbid).
	Ended(id, subject string, expires int64)
	// Relayed: this store ended a token it held because another replica
	// ended its login (ApplyEndedSubject); the others honour it by its
	// signature until told.
	Relayed(id, subject string, expires int64)
	// EndedSubject: every token of a login was ended (EndSubject).
	EndedSubject(subject string)
	// Used: an idle-expiring token was used at (Unix nanoseconds).
	Used(id string, at int64)
}

// shared is what a store keeps of other replicas' changes.
type shared struct {
	observer Observer
	outbox   []note             // ends to tell the observer once the lock is released
	byID     map[[16]byte]key   // held tokens by their signed id
	sums     map[[32]byte]int64 // tokens ended elsewhere known only by their value's SHA-256, with their expiry
	used     map[[16]byte]int64 // last use of idle tokens this store did not mint
	idle     time.Duration      // > 0: tokens honoured by signature expire this long after their last use
}

// note is an end to tell the observer.
type note struct {
	id, subject string
	exp         int64
	all         bool // every token of subject
}

func (s *Store) resetShared() {
	s.outbox, s.sums, s.used = nil, nil, nil
	if s.observer != nil {
		s.byID = map[[16]byte]key{}
	}
}

// Observe tells o what this store ends and uses, from now on; the store
// takes other replicas' changes through ApplyEnded, ApplyEndedSubject and
// ApplyUsed.
func (s *Store) Observe(o Observer) *Store {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.observer, s.byID = o, map[[16]byte]key{}
	for k, id := range s.ids {
		s.byID[id] = k
	}
	return s
}

// IdleFor says the tokens this store honours by their signature expire d
// after their last use, wherever that use was (CRM.COM's idle hour).
func (s *Store) IdleFor(d time.Duration) *Store {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.idle = d
	return s
}

// portable is a token's name every replica knows it by: its signed id
// ("i…"), or the SHA-256 of its value ("h…"), or "" (none).
func portable(id [16]byte, hasID bool, value string) string {
	if hasID {
		return portableID(id)
	}
	if value == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(value))
	return "h" + hex.EncodeToString(sum[:])
}

func portableID(id [16]byte) string { return "i" + hex.EncodeToString(id[:]) }

// parsePortable reads a portable name: a signed id ('i'), or a value's
// SHA-256 ('h'); kind 0 for neither.
func parsePortable(name string) (id [16]byte, sum [32]byte, kind byte) {
	if name == "" {
		return id, sum, 0
	}
	raw, err := hex.DecodeString(name[1:])
	switch {
	case err != nil:
	case name[0] == 'i' && len(raw) == len(id):
		copy(id[:], raw)
		return id, sum, 'i'
	case name[0] == 'h' && len(raw) == len(sum):
		copy(sum[:], raw)
		return id, sum, 'h'
	}
	return id, sum, 0
}

func (s *Store) noteEndLocked(e endedEntry, value, subject string) {
	if s.observer == nil {
		return
	}
	if id := portable(e.id, e.hasID, value); id != "" {
		s.outbox = append(s.outbox, note{id: id, subject: subject, exp: e.exp})
	}
}

func (s *Store) noteSubjectLocked(subject string) {
	if s.observer != nil {
		s.outbox = append(s.outbox, note{subject: subject, all: true})
	}
}

func (s *Store) noteUsedLocked(k key, at int64) {
	if s.observer == nil {
		return
	}
	if id, ok := s.ids[k]; ok {
		s.observer.Used(portableID(id), at)
	}
}

// tell hands the ends noted to the observer, outside the store's lock
// (the observer waits for the other replicas).
func (s *Store) tell() {
	s.mu.Lock()
	out, o := s.outbox, s.observer
	s.outbox = nil
	s.mu.Unlock()
	for _, n := range out {
		if n.all {
			o.EndedSubject(n.subject)
		} else {
			o.Ended(n.id, n.subject, n.exp)
		}
	}
}

// sumEndedLocked reports a token ended elsewhere that this store knows
// only by its value's hash.
func (s *Store) sumEndedLocked(value string) bool {
	if len(s.sums) == 0 {
		return false
	}
	_, ok := s.sums[sha256.Sum256([]byte(value))]
	return ok
}

// idleRemoteLocked is the expiry of an idle token honoured by its
// signature: its last use (here or elsewhere) plus the idle time; the
// signed expiry stands for a use at issue. use marks it used now.
func (s *Store) idleRemoteLocked(id [16]byte, signed time.Time, now time.Time, use bool) (time.Time, bool) {
	if s.idle <= 0 {
		return time.Time{}, false
	}
	last := nanos(signed) - int64(s.idle)
	if u, ok := s.used[id]; ok && u > last {
		last = u
	}
	exp := fromNanos(last + int64(s.idle))
	if use && now.Before(exp) {
		s.rememberUseLocked(id, nanos(now))
		if s.observer != nil {
			s.observer.Used(portableID(id), nanos(now))
		}
	}
	return exp, true
}

// rememberUseLocked keeps the last use of a token this store did not
// mint. Bounded: past the store's bound the uses are forgotten, and a
// forgotten one counts from issue again.
func (s *Store) rememberUseLocked(id [16]byte, at int64) {
	if s.used == nil {
		s.used = map[[16]byte]int64{}
	}
	if u, ok := s.used[id]; ok && u >= at {
		return
	}
	if len(s.used) >= s.max {
		clear(s.used)
	}
	s.used[id] = at
}

// ApplyEnded ends a token another replica ended, by its portable id.
func (s *Store) ApplyEnded(id, subject string, exp int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if exp != 0 && exp <= nanos(s.clock.Now()) {
		return // expired already: nothing to remember
	}
	tid, sum, kind := parsePortable(id)
	switch kind {
	case 'i':
		if _, ok := s.endedIDs[tid]; ok {
			return
		}
		k, held := s.byID[tid]
		if held {
			s.forgetLocked(k)
		} else {
			k = keyOf(id) // a key of its own: the entry's place among the ended
		}
		s.endLocked(subject, endedEntry{key: k, id: tid, hasID: true, exp: exp})
	case 'h':
		if s.sums == nil {
			s.sums = map[[32]byte]int64{}
		}
		if len(s.sums) >= s.max {
			s.pruneSumsLocked()
		}
		s.sums[sum] = exp
	}
}

// pruneSumsLocked forgets the expired hashes, or, when none has, them
// all but the newest half's worth (the bound of a store's ended tokens).
func (s *Store) pruneSumsLocked() {
	now := nanos(s.clock.Now())
	for k, exp := range s.sums {
		if exp != 0 && exp <= now {
			delete(s.sums, k)
		}
	}
	for k := range s.sums {
		if len(s.sums) < s.max/2 {
			break
		}
		delete(s.sums, k)
	}
}

// ApplyEndedSubject ends the tokens of a login this store holds, as
// another replica's EndSubject did; the ends are told to the observer
// (without waiting) so replicas honouring these tokens by signature
// refuse them too.
func (s *Store) ApplyEndedSubject(subject string) {
	s.mu.Lock()
	s.endSubjectLocked(subject)
	out, o := s.outbox, s.observer
	s.outbox = nil
	s.mu.Unlock()
	for _, n := range out {
		o.Relayed(n.id, n.subject, n.exp)
	}
}

// ApplyUsed moves an idle token's last use forward, as another replica
// saw it used.
func (s *Store) ApplyUsed(id string, at int64) {
	tid, _, kind := parsePortable(id)
	if kind != 'i' {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok := s.byID[tid]; ok {
		if st, ok := s.heldLocked(k); ok && st.lastUsed < at {
			st.lastUsed = at
		}
		return
	}
	if s.idle > 0 {
		s.rememberUseLocked(tid, at)
	}
}

// ResetShared forgets what other replicas ended and used, as Reset does
// with the rest.
func (s *Store) ResetShared() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resetShared()
}
