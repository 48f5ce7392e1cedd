package state

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mockauth/mockauth/internal/redistest"
)

// open is a started store on srv, named replica, with one topic "t"
// whose fields it records.
func open(t *testing.T, srv *redistest.Server, prefix, replica string, apply func(string, []byte)) (*Redis, *sync.Map) {
	t.Helper()
	r, err := OpenRedis(RedisOptions{URL: srv.URL, Prefix: prefix, Replica: replica})
	if err != nil {
		t.Fatal(err)
	}
	seen := &sync.Map{}
	r.Handle("t", Handler{
		Apply: func(f string, v []byte) {
			if apply != nil {
				apply(f, v)
			}
			seen.Store(f, string(v))
		},
		Load: func(all map[string][]byte) {
			seen.Clear()
			for f, v := range all {
				seen.Store(f, string(v))
			}
		},
	})
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r, seen
}

// A change returns once every live replica applied it: the slow one too.
func TestRedis_WriteWaitsForEveryReplica(t *testing.T) {
	srv := redistest.Start(t)
	var applied atomic.Bool
	a, _ := open(t, srv, "wait:", "a", nil)
	_, _ = open(t, srv, "wait:", "b", func(string, []byte) {
		time.Sleep(100 * time.Millisecond) // a replica slow to apply
		applied.Store(true)
	})
	if err := a.Write(context.Background(), Set("t", "f", "v")); err != nil {
		t.Fatal(err)
	}
	if !applied.Load() {
		t.Fatal("Write returned before replica b applied the change")
	}
	// OpNew refuses a field that is set, and changes nothing.
	if err := a.Write(context.Background(), New("t", "f", "other"), Set("t", "g", "x")); !errors.Is(err, ErrExists) {
		t.Fatalf("OpNew on a set field: %v", err)
	}
}

// A replica that missed a change (its message lost) notices the store is
// ahead and reads it whole.
func TestRedis_MissedChangeIsReread(t *testing.T) {
	srv := redistest.Start(t)
	a, seen := open(t, srv, "missed:", "a", nil)
	ctx := context.Background()
	// A change written behind the replicas' backs: kept, counted, never published.
	if err := a.rdb.HSet(ctx, a.key("t:t"), "lost", "found").Err(); err != nil {
		t.Fatal(err)
	}
	if err := a.rdb.Incr(ctx, a.key("version")).Err(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * Beat)
	for {
		if v, ok := seen.Load("lost"); ok && v == "found" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the replica never read the change it missed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if a.Health().Version != 1 {
		t.Fatalf("health version %d, want 1", a.Health().Version)
	}
}

// Trim drops the expired, then the soonest to expire, down to its bound.
func TestRedis_Trim(t *testing.T) {
	srv := redistest.Start(t)
	a, _ := open(t, srv, "trim:", "a", nil)
	ctx := context.Background()
	var ops []Op
	for i := 1; i <= 10; i++ {
		ops = append(ops, Set("ended", fmt.Sprint("f", i), strconv.Itoa(i*10)))
	}
	if err := a.Write(ctx, ops...); err != nil {
		t.Fatal(err)
	}
	rank := func(v string) int64 { n, _ := strconv.ParseInt(v, 10, 64); return n }
	if n, err := a.Trim(ctx, "ended", 20, 1000, rank); err != nil || n != 0 {
		t.Fatalf("under the bound: dropped %d, %v", n, err)
	}
	n, err := a.Trim(ctx, "ended", 5, 35, rank) // f1..f3 expired; then f4, f5 soonest
	if err != nil || n != 5 {
		t.Fatalf("dropped %d, %v; want 5", n, err)
	}
	left, _ := a.rdb.HKeys(ctx, a.key("t:ended")).Result()
	for _, f := range left {
		if rank(fmt.Sprint(f[1:])) < 6 {
			t.Fatalf("kept %s: %v", f, left)
		}
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"redis://:pw@h:1/0":   "redis://:xxxxx@h:1/0",
		"rediss://u:pw@h:1/0": "rediss://u:xxxxx@h:1/0",
		"redis://h:1/0":       "redis://h:1/0",
		"redis://user@h:1/0":  "redis://user@h:1/0",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}
