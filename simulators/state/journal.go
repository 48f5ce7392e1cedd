package state

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mockauth/mockauth/simulators/journal"
)

// shipEvery is how often a replica sends its new journal entries to the
// stream: a reader on another replica sees a request this much later.
const shipEvery = 50 * time.Millisecond

// journalFeed joins a replica's journal to the stack's one stream: its
// own entries go out (whole: redacted and checked), the others' come in.
type journalFeed struct {
	r    *Redis
	j    *journal.Journal
	size int
	sync func() // waits until what this replica answered is journaled whole
	stop context.CancelFunc
	done chan struct{}
}

// ShareJournal sends j's own entries to the stack's stream (bounded to
// size entries) and adds every other replica's to j. sync waits until the
// entries of what was answered are whole. The topic "journal" clears it.
func (r *Redis) ShareJournal(j *journal.Journal, size int, sync func()) {
	j.SetReplica(r.replica)
	f := &journalFeed{r: r, j: j, size: max(size, journal.DefaultSize), sync: sync, done: make(chan struct{})}
	r.journal = f
	r.Handle("journal", Handler{
		Apply: func(string, []byte) {},
		Load:  func(map[string][]byte) { j.Clear() },
	})
}

// startJournal starts following the stream from its end, after adding
// the entries it holds: a replica that starts late lists what came before.
func (f *journalFeed) start(ctx context.Context) error {
	ctx, f.stop = context.WithCancel(ctx)
	lctx, cancel := context.WithTimeout(ctx, callTimeout)
	msgs, err := f.r.rdb.XRevRangeN(lctx, f.stream(), "+", "-", int64(f.size)).Result()
	cancel()
	if err != nil {
		return err
	}
	last := "0-0"
	if len(msgs) > 0 {
		last = msgs[0].ID
	}
	slices.Reverse(msgs)
	f.add(msgs)
	go func() {
		defer close(f.done)
		var ship, follow = make(chan struct{}), make(chan struct{})
		go func() { defer close(ship); f.ship(ctx) }()
		go func() { defer close(follow); f.follow(ctx, last) }()
		<-ship
		<-follow
	}()
	return nil
}

func (f *journalFeed) stream() string { return f.r.key("journal") }

// ship sends this replica's new entries, oldest first.
func (f *journalFeed) ship(ctx context.Context) {
	t := time.NewTicker(shipEvery)
	defer t.Stop()
	var sent uint64
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		f.sync()
		entries := f.j.List(journal.Filter{After: sent}, 0)
		if len(entries) == 0 {
			continue
		}
		slices.Reverse(entries)
		sctx, cancel := context.WithTimeout(ctx, callTimeout)
		pipe := f.r.rdb.Pipeline()
		for i := range entries {
			e := &entries[i]
			if e.Replica != f.r.replica {
				continue
			}
			raw, err := json.Marshal(e)
			if err != nil {
				continue
			}
			pipe.XAdd(sctx, &redis.XAddArgs{Stream: f.stream(), MaxLen: int64(f.size), Approx: true,
				Values: []any{"r", f.r.replica, "e", raw}})
		}
		_, err := pipe.Exec(sctx)
		cancel()
		if err != nil && !errors.Is(err, redis.Nil) {
			f.r.lost(err)
			continue // sent again on the next tick
		}
		sent = entries[len(entries)-1].ID
	}
}

// follow adds the other replicas' entries as they come.
func (f *journalFeed) follow(ctx context.Context, last string) {
	for ctx.Err() == nil {
		res, err := f.r.rdb.XRead(ctx, &redis.XReadArgs{Streams: []string{f.stream(), last}, Count: 256, Block: time.Second}).Result()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			if ctx.Err() == nil {
				f.r.lost(err)
				select {
				case <-ctx.Done():
				case <-time.After(100 * time.Millisecond):
				}
			}
			continue
		}
		for _, s := range res {
			if len(s.Messages) > 0 {
				last = s.Messages[len(s.Messages)-1].ID
			}
			f.add(s.Messages)
		}
	}
}

// add puts other replicas' entries in the journal.
func (f *journalFeed) add(msgs []redis.XMessage) {
	for _, m := range msgs {
		if r, _ := m.Values["r"].(string); r == f.r.replica {
			continue
		}
		raw, _ := m.Values["e"].(string)
		var e journal.Entry
		if json.Unmarshal([]byte(raw), &e) != nil || e.Replica == "" {
			continue
		}
		e.ID = 0
		f.j.Add(e)
	}
}

// ClearJournal empties the stack's journal: the stream, and every
// replica's copy.
func (r *Redis) ClearJournal(ctx context.Context) error {
	if !r.connected.Load() {
		return r.unavailable(nil)
	}
	dctx, cancel := context.WithTimeout(ctx, callTimeout)
	err := r.rdb.Del(dctx, r.key("journal")).Err()
	cancel()
	if err != nil {
		r.lost(err)
		return r.unavailable(err)
	}
	return r.Write(ctx, Clear("journal"))
}

func (f *journalFeed) close() {
	if f.stop != nil {
		f.stop()
		<-f.done
	}
}
