package tokens

import (
	"context"
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
	n := len(s.order)
	s.mu.Unlock()
	if n > 2*10+1024+1 {
		t.Fatalf("eviction order grew to %d entries", n)
	}
}
