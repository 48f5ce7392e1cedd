package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mockauth/mockauth/simulators/journal"
)

// The journal is shared on demand: a replica sends its new entries to the
// stack's one stream (bounded to the journal's size) when some replica is
// about to read the journal, not on every request. An entry's headers and
// bodies are redacted when first read (journal.Pending): sending every
// entry as it came would do that work for every request, and read the
// stream's turnover under load when nobody looks.
const topicShip = "journal:ship" // told: every replica sends its new entries, then confirms

// journalFeed joins a replica's journal to the stack's stream: its own
// entries go out when asked, the others' come in as they arrive.
type journalFeed struct {
	r    *Redis
	j    *journal.Journal
	size int
	sync func() // waits until what this replica answered is journaled whole

	mu   sync.Mutex // guards sent, seen
	sent uint64     // the last of this replica's entries sent
	seen string     // the last stream entry added here
	more chan struct{}

	stop context.CancelFunc
	done chan struct{}
}

// ShareJournal shares j through the stack's stream, bounded to size
// entries. sync waits until the entries of what was answered are whole.
// The topic "journal" clears every replica's.
func (r *Redis) ShareJournal(j *journal.Journal, size int, sync func()) {
	j.SetReplica(r.replica)
	f := &journalFeed{r: r, j: j, size: max(size, 1), sync: sync, seen: "0-0", more: make(chan struct{}), done: make(chan struct{})}
	r.journal = f
	r.Handle("journal", Handler{
		Apply: func(string, []byte) {},
		Load:  func(map[string][]byte) { j.Clear() },
	})
	r.Handle(topicShip, Handler{Apply: func(string, []byte) { f.ship() }})
}

// start adds the entries the stream holds (a replica that starts late
// lists what came before), then follows it.
func (f *journalFeed) start(ctx context.Context) error {
	ctx, f.stop = context.WithCancel(ctx)
	lctx, cancel := context.WithTimeout(ctx, callTimeout)
	msgs, err := f.r.rdb.XRevRangeN(lctx, f.stream(), "+", "-", int64(f.size)).Result()
	cancel()
	if err != nil {
		return err
	}
	slices.Reverse(msgs)
	f.add(msgs)
	go func() { defer close(f.done); f.follow(ctx) }()
	return nil
}

func (f *journalFeed) stream() string { return f.r.key("journal") }

// ship sends this replica's entries since the last it sent (at most the
// stream's bound, the newest), oldest first. It runs on the listener, so
// the replica confirms the ship only once it is done.
func (f *journalFeed) ship() {
	f.sync()
	f.mu.Lock()
	defer f.mu.Unlock()
	entries, _ := f.j.Page(journal.Filter{After: f.sent}, f.size, 1<<30)
	pipe := f.r.rdb.Pipeline()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	last, n := f.sent, 0
	for i := len(entries) - 1; i >= 0; i-- {
		e := &entries[i]
		last = max(last, e.ID)
		if e.Replica != f.r.replica {
			continue // another replica's, added here
		}
		raw, err := json.Marshal(e)
		if err != nil {
			continue
		}
		pipe.XAdd(ctx, &redis.XAddArgs{Stream: f.stream(), MaxLen: int64(f.size), Approx: true, Values: []any{"r", f.r.replica, "e", raw}})
		n++
	}
	if n > 0 {
		if _, err := pipe.Exec(ctx); err != nil {
			f.r.lost(err)
			return // sent again on the next ship
		}
	}
	f.sent = last
}

// follow adds the other replicas' entries as they come.
func (f *journalFeed) follow(ctx context.Context) {
	for ctx.Err() == nil {
		f.mu.Lock()
		from := f.seen
		f.mu.Unlock()
		res, err := f.r.rdb.XRead(ctx, &redis.XReadArgs{Streams: []string{f.stream(), from}, Count: 256, Block: time.Second}).Result()
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
			f.add(s.Messages)
		}
	}
}

// add puts other replicas' entries in the journal, and notes the last
// stream entry seen.
func (f *journalFeed) add(msgs []redis.XMessage) {
	for _, m := range msgs {
		if r, _ := m.Values["r"].(string); r != f.r.replica {
			raw, _ := m.Values["e"].(string)
			var e journal.Entry
			if json.Unmarshal([]byte(raw), &e) == nil && e.Replica != "" {
				e.ID = 0
				f.j.Add(e)
			}
		}
	}
	if len(msgs) == 0 {
		return
	}
	f.mu.Lock()
	f.seen = msgs[len(msgs)-1].ID
	close(f.more)
	f.more = make(chan struct{})
	f.mu.Unlock()
}

// SyncJournal makes this replica's journal the whole stack's: every live
// replica sends its new entries to the stream (and confirms), then this
// one waits until it added every entry the stream then held.
func (r *Redis) SyncJournal(ctx context.Context) error {
	f := r.journal
	if f == nil {
		return nil
	}
	if err := r.Write(ctx, Tell(topicShip, r.replica)); err != nil {
		return err
	}
	lctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	last, err := r.rdb.XRevRangeN(lctx, f.stream(), "+", "-", 1).Result()
	if err != nil {
		r.lost(err)
		return r.unavailable(err)
	}
	if len(last) == 0 {
		return nil
	}
	want := last[0].ID
	for {
		f.mu.Lock()
		seen, more := f.seen, f.more
		f.mu.Unlock()
		if !streamBefore(seen, want) {
			return nil
		}
		select {
		case <-more:
		case <-lctx.Done():
			return fmt.Errorf("%w (%s): the journal stream was not read up to %s in %s", ErrUnavailable, r.url, want, callTimeout)
		}
	}
}

// streamBefore reports whether stream id a comes before b ("ms-seq").
func streamBefore(a, b string) bool {
	am, as, _ := strings.Cut(a, "-")
	bm, bs, _ := strings.Cut(b, "-")
	ami, _ := strconv.ParseUint(am, 10, 64)
	bmi, _ := strconv.ParseUint(bm, 10, 64)
	if ami != bmi {
		return ami < bmi
	}
	asi, _ := strconv.ParseUint(as, 10, 64)
	bsi, _ := strconv.ParseUint(bs, 10, 64)
	return asi < bsi
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
	if f := r.journal; f != nil {
		f.mu.Lock()
		f.seen = "0-0" // the stream starts again
		f.mu.Unlock()
	}
	return r.Write(ctx, Clear("journal"))
}

func (f *journalFeed) close() {
	if f.stop != nil {
		f.stop()
		<-f.done
	}
}
