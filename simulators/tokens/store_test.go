package tokens

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/mockauth/mockauth/simulators/clock"
)

func TestStore_Check(t *testing.T) {
	testCases := []struct {
		name    string
		token   Token
		advance time.Duration
		want    error
	}{
		{"fresh", Token{Value: "a", ExpiresAt: time.Now().Add(time.Hour)}, 0, nil},
		{"absolute expiry passed", Token{Value: "a", ExpiresAt: time.Now().Add(time.Hour)}, 61 * time.Minute, ErrExpired},
		{"never expires", Token{Value: "a"}, 1000 * time.Hour, nil},
		{"idle expiry passed", Token{Value: "a", IdleFor: time.Hour}, 61 * time.Minute, ErrExpired},
		{"idle expiry not yet", Token{Value: "a", IdleFor: time.Hour}, 59 * time.Minute, nil},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			c := clock.NewSimulated()
			s := NewStore(c)
			s.Add(context.Background(), tc.token)
			if err := c.Advance(tc.advance); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Check("a"); !errors.Is(err, tc.want) {
				t.Fatalf("Check = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestStore_IdleExpiryMovesWithUse(t *testing.T) {
	c := clock.NewSimulated()
	s := NewStore(c)
	s.Add(context.Background(), Token{Value: "a", IdleFor: time.Hour})
	for range 3 {
		_ = c.Advance(50 * time.Minute)
		if _, err := s.Check("a"); err != nil {
			t.Fatalf("Check after 50 idle minutes = %v, want nil", err)
		}
	}
}

func TestStore_RevokeAndUnknown(t *testing.T) {
	s := NewStore(clock.NewSimulated())
	s.Add(context.Background(), Token{Value: "a"})
	if err := s.Revoke("a"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Check("a"); !errors.Is(err, ErrUnknown) {
		t.Fatalf("Check after Revoke = %v, want ErrUnknown", err)
	}
	if err := s.Revoke("a"); !errors.Is(err, ErrUnknown) {
		t.Fatalf("second Revoke = %v, want ErrUnknown", err)
	}
}

func TestStore_TrackerMintsExpired(t *testing.T) {
	s := NewStore(clock.NewSimulated())
	ctx, tr := Track(context.Background(), true)
	got := s.Add(ctx, Token{Value: "a", ExpiresAt: time.Now().Add(time.Hour)})
	if got.ExpiresAt.IsZero() {
		t.Fatal("caller must still see the intended expiry")
	}
	if _, err := s.Check("a"); !errors.Is(err, ErrExpired) {
		t.Fatalf("Check = %v, want ErrExpired", err)
	}
	if m := tr.Minted(); len(m) != 1 || m[0] != "a" {
		t.Fatalf("Minted() = %v, want [a]", m)
	}
}

func TestStore_BoundedAndCompacted(t *testing.T) {
	s := NewStore(clock.NewSimulated())
	s.max = 10
	for i := range 25 {
		s.Add(context.Background(), Token{Value: fmt.Sprint(i)})
	}
	if s.Len() != 10 {
		t.Fatalf("Len = %d, want 10", s.Len())
	}
	if _, err := s.Check("24"); err != nil {
		t.Fatalf("newest token evicted: %v", err)
	}
	if _, err := s.Check("0"); !errors.Is(err, ErrUnknown) {
		t.Fatalf("oldest token kept: %v", err)
	}
	for i := range 5000 {
		v := fmt.Sprint("x", i)
		s.Add(context.Background(), Token{Value: v})
		_ = s.Revoke(v)
	}
	s.mu.Lock()
	held, ended, order := len(s.tokens), len(s.endedKeys), 0
	for _, l := range s.logins {
		order += l.order.n
	}
	s.mu.Unlock()
	if held > 10 || ended > 10 || order > 2*10+64 {
		t.Fatalf("add-and-end cycles grew the store: %d tokens held, %d ended remembered, %d in order (bound 10)", held, ended, order)
	}
}

func hexID(value string) ([16]byte, bool) {
	var id [16]byte
	b, err := hex.DecodeString(value)
	copy(id[:], b)
	return id, err == nil && len(b) == 16
}

func sharedStore(secret string, c *clock.Simulated) *Store {
	return NewStore(c).Share(&Sharing{Signer: NewSigner(secret), Vendor: "v", Subjects: []string{"alice", "bob"}, Decode: hexID})
}

func TestStore_SharedAcrossReplicas(t *testing.T) {
	c := clock.NewSimulated()
	a, b, other := sharedStore("s1", c), sharedStore("s1", c), sharedStore("s2", c)
	mint := func(ctx context.Context, login string) string {
		id := a.NewID(ctx, login, c.Now().Add(time.Hour))
		v := fmt.Sprintf("%X", id[:])
		a.Add(ctx, Token{Value: v, Subject: login, ExpiresAt: c.Now().Add(time.Hour)})
		return v
	}
	tok := mint(context.Background(), "bob")
	if got, err := b.Check(tok); err != nil || got.Subject != "bob" {
		t.Fatalf("replica with the same secret: %v %+v", err, got)
	}
	if _, err := other.Check(tok); !errors.Is(err, ErrUnknown) {
		t.Fatalf("replica with another secret: %v", err)
	}
	if _, err := b.Check(tok[:31] + "0"); !errors.Is(err, ErrUnknown) && tok[31] != '0' {
		t.Fatalf("a changed token was honoured: %v", err)
	}
	if err := b.Revoke(tok); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Check(tok); !errors.Is(err, ErrUnknown) {
		t.Fatalf("ended on b, still honoured by b: %v", err)
	}
	if _, err := a.Check(tok); err != nil {
		t.Fatalf("a did not see the end: it still honours the token (documented): %v", err)
	}
	_ = c.Advance(time.Hour)
	if _, err := b.Check(mint(context.Background(), "alice")); err != nil {
		t.Fatalf("fresh token after the clock moved: %v", err)
	}
	if _, err := b.Check(tok); !errors.Is(err, ErrExpired) && !errors.Is(err, ErrUnknown) {
		t.Fatalf("expired token: %v", err)
	}
	ctx, _ := Track(context.Background(), true)
	if _, err := b.Check(mint(ctx, "alice")); !errors.Is(err, ErrExpired) {
		t.Fatalf("token minted under token-expired, checked on another replica: %v", err)
	}
}

// NewUUID ids are RFC 4122 version-4 UUIDs, random or signed, and signed
// ones still verify on another replica; NewID ids keep every bit random.
func TestStore_NewUUIDIsVersion4(t *testing.T) {
	t.Parallel()
	c := clock.NewSimulated()
	plain, a, b := NewStore(c), sharedStore("s1", c), sharedStore("s1", c)
	for i := range 2000 {
		for _, st := range []*Store{plain, a} {
			id := st.NewUUID(context.Background(), "bob", c.Now().Add(time.Hour))
			if id[6]>>4 != 4 || id[8]>>6 != 2 {
				t.Fatalf("login %d: % x is not a version-4 RFC 4122 UUID", i, id)
			}
			if st == a {
				v := fmt.Sprintf("%X", id[:])
				if got, err := b.Check(v); err != nil || got.Subject != "bob" {
					t.Fatalf("a signed UUID did not verify on another replica: %v", err)
				}
			}
		}
	}
	versions := map[byte]bool{}
	for range 200 {
		id := plain.NewID(context.Background(), "bob", c.Now().Add(time.Hour))
		versions[id[6]>>4] = true
	}
	if len(versions) < 8 {
		t.Errorf("NewID's ids have only %d distinct version nibbles in 200: not random", len(versions))
	}
}

// TestStore_ForbidAndEnded: a store remembers what it ended, held or not,
// within its bound, and forgets it on reset.
func TestStore_ForbidAndEnded(t *testing.T) {
	s := NewStore(clock.NewSimulated()).Limit(2)
	s.Add(context.Background(), Token{Value: "held"})
	if err := s.Revoke("held"); err != nil || !s.Ended("held") {
		t.Fatalf("revoked: %v, ended %t", err, s.Ended("held"))
	}
	s.Forbid("a.jwt.never-held")
	if !s.Ended("a.jwt.never-held") || s.Ended("other") {
		t.Fatal("Forbid did not record, or Ended invents")
	}
	s.Forbid("third")
	if s.Ended("held") {
		t.Error("the bound kept the oldest")
	}
	s.Reset()
	if s.Ended("third") {
		t.Error("reset kept an end")
	}
}

// With a token secret, one login's tokens never repeat (issue 21, B6): 100,000
// minted at the same expiry are distinct and all verify, as UUIDs and not.
func TestStore_SignedIDsDoNotRepeat(t *testing.T) {
	t.Parallel()
	c := clock.NewSimulated()
	s := sharedStore("a-secret-long-enough-for-anybody-0123456789", c)
	expires := c.Now().Add(time.Hour)
	for _, v4 := range []bool{true, false} {
		seen := make(map[[16]byte]bool, 100_000)
		for range 100_000 {
			var id [16]byte
			if v4 {
				id = s.NewUUID(context.Background(), "alice", expires)
			} else {
				id = s.NewID(context.Background(), "alice", expires)
			}
			if seen[id] {
				t.Fatalf("v4 %v: id %x minted twice", v4, id)
			}
			seen[id] = true
		}
		n := 0
		for id := range seen { // a replica without them honours them by signature
			if _, err := sharedStore("a-secret-long-enough-for-anybody-0123456789", c).Check(fmt.Sprintf("%x", id)); err != nil {
				t.Fatalf("v4 %v: id %x does not verify: %v", v4, id, err)
			}
			if n++; n == 100 {
				break
			}
		}
	}
}

// The store holds the last tokens minted, up to its bound: a new one makes
// the oldest of its own login go, a token is found by its value only (no
// prefix, no other spelling).
func TestStore_HoldsTheLastMinted(t *testing.T) {
	t.Parallel()
	c := clock.NewSimulated()
	s := NewStore(c).Limit(3)
	add := func(v string) { s.Add(context.Background(), Token{Value: v, Subject: "u", Kind: "k"}) }
	for _, v := range []string{"a", "b", "c"} {
		add(v)
	}
	if err := s.Revoke("b"); err != nil {
		t.Fatal(err)
	}
	add("d") // an ended token's room is free: a stays
	add("e") // the login is full: its oldest, a, goes
	for v, want := range map[string]error{"a": ErrUnknown, "b": ErrUnknown, "c": nil, "d": nil, "e": nil, "D": ErrUnknown, "": ErrUnknown} {
		if _, err := s.Check(v); !errors.Is(err, want) && err != want {
			t.Errorf("Check(%q) = %v, want %v", v, err, want)
		}
	}
	tok, err := s.Check("d")
	if err != nil || tok.Value != "d" || tok.Subject != "u" || tok.Kind != "k" || !tok.IssuedAt.Equal(tok.LastUsed) && tok.LastUsed.Before(tok.IssuedAt) {
		t.Fatalf("the token as held: %+v %v", tok, err)
	}
	if s.Len() != 3 {
		t.Fatalf("Len = %d, want 3 (c, d, e)", s.Len())
	}
}

// Issue 31, N2: one login's flood ends none of another's tokens. 25,000
// logins of one user leave another user's fresh token good; when the
// store as a whole is full, the login holding the most pays.
func TestStore_AFloodEvictsOnlyTheFlooder(t *testing.T) {
	t.Parallel()
	s := NewStore(clock.NewSimulated())
	ctx := context.Background()
	s.Add(ctx, Token{Value: "victim-token", Subject: "victim"})
	for i := range 25_000 {
		s.Add(ctx, Token{Value: fmt.Sprint("flood-", i), Subject: "flooder"})
	}
	if _, err := s.Check("victim-token"); err != nil {
		t.Fatalf("the victim's token after 25,000 logins of another user: %v", err)
	}
	if _, err := s.Check("flood-24999"); err != nil {
		t.Fatalf("the flooder's newest token: %v", err)
	}
	if _, err := s.Check("flood-0"); !errors.Is(err, ErrUnknown) {
		t.Fatalf("the flooder's oldest token outlived its login's bound: %v", err)
	}
	if n := s.Len(); n != DefaultMaxPerLogin+1 {
		t.Fatalf("Len = %d, want the flooder's %d and the victim's one", n, DefaultMaxPerLogin)
	}
	// Many logins at once, past the store's bound: the heaviest pays.
	small := NewStore(clock.NewSimulated()).Limit(100).LimitPerLogin(60)
	small.Add(ctx, Token{Value: "victim-token", Subject: "victim"})
	for i := range 100 {
		small.Add(ctx, Token{Value: fmt.Sprint("a-", i), Subject: "a"})
		small.Add(ctx, Token{Value: fmt.Sprint("b-", i), Subject: "b"})
	}
	if _, err := small.Check("victim-token"); err != nil || small.Len() > 100 {
		t.Fatalf("past the store's bound (%d held): the victim's token %v", small.Len(), err)
	}
}

// Issue 31, N2: an ended token stays ended until it expires, however many
// tokens are ended after it: 20,001 login-and-end cycles of one login do
// not revive its first token, signed (honoured by any replica with the
// secret) or not.
func TestStore_EndedStaysEnded(t *testing.T) {
	t.Parallel()
	c := clock.NewSimulated()
	for _, shared := range []bool{false, true} {
		s := NewStore(c)
		if shared {
			s = sharedStore("a-secret-long-enough-for-anybody-0123456789", c)
		}
		ctx := context.Background()
		mint := func() string {
			id := s.NewID(ctx, "alice", c.Now().Add(time.Hour))
			v := fmt.Sprintf("%x", id)
			s.Add(ctx, Token{Value: v, Subject: "alice", ExpiresAt: c.Now().Add(time.Hour)})
			return v
		}
		first := mint()
		if err := s.Revoke(first); err != nil {
			t.Fatal(err)
		}
		for range 20_001 {
			c.Advance(time.Millisecond) // later tokens expire later
			if err := s.Revoke(mint()); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Check(first); err == nil {
			t.Fatalf("shared %v: the first ended token came back after 20,001 later ones were ended", shared)
		}
		fresh := mint()
		if _, err := s.Check(fresh); err != nil {
			t.Fatalf("shared %v: a token minted after the flood: %v", shared, err)
		}
		s.mu.Lock()
		n := len(s.endedKeys)
		s.mu.Unlock()
		if n > DefaultMaxPerLogin {
			t.Fatalf("shared %v: %d ended tokens remembered for one login, bound %d", shared, n, DefaultMaxPerLogin)
		}
	}
}
