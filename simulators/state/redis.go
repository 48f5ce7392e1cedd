package state

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Timings of the Redis store. A replica beats every Beat; one silent for
// Live is no longer waited for; a change waits at most Confirm for the
// live replicas to apply it.
const (
	Beat    = 500 * time.Millisecond
	Live    = 3 * time.Second
	Confirm = 2 * time.Second
	// callTimeout bounds one call to the store: a lost store fails a
	// change in this long, never holds it.
	callTimeout = 2 * time.Second
	counterLife = 24 * time.Hour
	// staleLogEvery: while the store is lost, the log says this often how
	// stale the state served is.
	staleLogEvery = 10 * time.Second
)

// RedisOptions configure a Redis store.
type RedisOptions struct {
	// URL is redis://[user:password@]host:port/db or rediss://… (TLS).
	URL string
	// Password, when set, is used instead of the URL's.
	Password string
	// Prefix begins every key (default "mockauth:"): stacks that share
	// one Redis keep apart by it.
	Prefix string
	// Replica names this replica (default host name and process id).
	Replica string
	Log     *slog.Logger
}

// Redis is a Store on Redis 6+ or Valkey (github.com/redis/go-redis/v9).
type Redis struct {
	rdb      *redis.Client
	url      string // redacted
	prefix   string
	replica  string
	log      *slog.Logger
	hmu      sync.RWMutex // guards handlers: a vendor reloaded while serving hands its topics over
	handlers map[string]Handler
	journal  *journalFeed // nil until FollowJournal

	applied   atomic.Uint64 // the last version applied here
	connected atomic.Bool
	lostMu    sync.Mutex // guards lostAt, lastErr, replicas
	lostAt    time.Time
	lastErr   string
	replicas  []string

	reread chan struct{} // asks the listener for a full re-read
	stop   context.CancelFunc
	done   sync.WaitGroup
}

var _ Store = (*Redis)(nil)

// OpenRedis connects to the store named by the URL and checks it answers;
// an error names the URL (without its password).
func OpenRedis(o RedisOptions) (*Redis, error) {
	shown := Redact(o.URL)
	opts, err := redis.ParseURL(o.URL)
	if err != nil {
		return nil, fmt.Errorf("--state %s: %w (redis://host:port/db or rediss://…)", shown, err)
	}
	if o.Password != "" {
		opts.Password = o.Password
	}
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = callTimeout, callTimeout, callTimeout
	opts.MaxRetries = 1
	if o.Prefix == "" {
		o.Prefix = "mockauth:"
	}
	if o.Replica == "" {
		host, _ := os.Hostname()
		o.Replica = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	r := &Redis{rdb: redis.NewClient(opts), url: shown, prefix: o.Prefix, replica: o.Replica, log: o.Log,
		handlers: map[string]Handler{}, reread: make(chan struct{}, 1)}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	if err := r.rdb.Ping(ctx).Err(); err != nil {
		_ = r.rdb.Close()
		return nil, fmt.Errorf("--state %s: the store does not answer: %w", shown, err)
	}
	r.connected.Store(true)
	return r, nil
}

// Redact is a store URL without its password.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

func (r *Redis) key(s string) string { return r.prefix + s }

// Replica implements Store.
func (r *Redis) Replica() string { return r.replica }

// Handle implements Store.
// A topic handled again (a vendor rebuilt by a reload) is handed to the
// new handler, which reads the topic whole at the next re-read.
func (r *Redis) Handle(topic string, h Handler) {
	r.hmu.Lock()
	defer r.hmu.Unlock()
	r.handlers[topic] = h
}

func (r *Redis) handler(topic string) (Handler, bool) {
	r.hmu.RLock()
	defer r.hmu.RUnlock()
	h, ok := r.handlers[topic]
	return h, ok
}

// Start implements Store: it subscribes, reads every topic, and follows
// the changes and the replicas' beats until Close.
func (r *Redis) Start(ctx context.Context) error {
	ctx, r.stop = context.WithCancel(context.WithoutCancel(ctx))
	ps := r.rdb.Subscribe(ctx, r.key("changes"))
	first := make(chan error, 1)
	r.done.Add(2)
	go func() { defer r.done.Done(); r.listen(ctx, ps, first) }()
	go func() { defer r.done.Done(); r.beat(ctx) }()
	select {
	case err := <-first:
		if err != nil {
			r.stop()
			return fmt.Errorf("--state %s: %w", r.url, err)
		}
	case <-time.After(2 * callTimeout):
		r.stop()
		return fmt.Errorf("--state %s: no subscription confirmed in %s", r.url, 2*callTimeout)
	}
	rctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	// The first beat: writers wait for this replica from now on (it has
	// read the store), and the banner can name the live ones.
	if _, err := r.heartbeat(rctx); err != nil {
		r.stop()
		return fmt.Errorf("--state %s: %w", r.url, err)
	}
	if r.journal != nil {
		if err := r.journal.start(ctx); err != nil {
			r.stop()
			return fmt.Errorf("--state %s: reading the journal: %w", r.url, err)
		}
	}
	return nil
}

// message is a change as the store publishes it.
type message struct {
	V   uint64     `json:"v"`
	R   string     `json:"r"`
	Ops [][]string `json:"ops"` // kind, topic, field, value
}

// listen applies the published changes in order. Every subscription
// confirmation (the first, and the one after each reconnection) reads the
// store whole: what was published while the connection was down is in it.
func (r *Redis) listen(ctx context.Context, ps *redis.PubSub, first chan<- error) {
	defer ps.Close()
	started := false
	for {
		msg, err := ps.ReceiveTimeout(ctx, Beat)
		if ctx.Err() != nil {
			return
		}
		select {
		case <-r.reread:
			if err := r.readAll(ctx); err != nil {
				r.lost(err)
			}
		default:
		}
		if err != nil {
			var ne interface{ Timeout() bool }
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			r.lost(err)
			if !started {
				first <- err
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind != "subscribe" {
				continue
			}
			err := r.readAll(ctx)
			if !started {
				started = true
				first <- err
				if err != nil {
					return
				}
			}
		case *redis.Message:
			r.apply(ctx, m.Payload)
		}
	}
}

// readAll reads every topic into its handler, and the version they are
// at. A change published while it reads is applied after it again:
// changes are idempotent.
func (r *Redis) readAll(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	v, err := r.rdb.Get(ctx, r.key("version")).Uint64()
	if err != nil && !errors.Is(err, redis.Nil) {
		return err
	}
	r.hmu.RLock()
	topics := make([]string, 0, len(r.handlers))
	for t := range r.handlers {
		topics = append(topics, t)
	}
	r.hmu.RUnlock()
	slices.Sort(topics)
	pipe := r.rdb.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(topics))
	for i, t := range topics {
		cmds[i] = pipe.HGetAll(ctx, r.key("t:"+t))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return err
	}
	for i, t := range topics {
		all := map[string][]byte{}
		for f, val := range cmds[i].Val() {
			all[f] = []byte(val)
		}
		if h, ok := r.handler(t); ok && h.Load != nil {
			h.Load(all)
		}
	}
	if old := r.applied.Swap(v); old != 0 && v > old {
		r.log.Info("shared state re-read", slog.String("state", r.url), slog.Uint64("from", old), slog.Uint64("to", v))
	}
	r.found()
	r.ack(ctx, v)
	return nil
}

// apply applies one published change; a gap in the versions (a message
// lost) reads the store whole, and says so.
func (r *Redis) apply(ctx context.Context, payload string) {
	var m message
	if err := json.Unmarshal([]byte(payload), &m); err != nil {
		r.log.Error("shared state: a change this replica cannot read; re-reading the store", slog.String("error", err.Error()))
		_ = r.readAll(ctx)
		return
	}
	cur := r.applied.Load()
	if m.V <= cur {
		r.ack(ctx, cur)
		return // read with the store already
	}
	if m.V != cur+1 {
		r.log.Warn("shared state: this replica missed changes; re-reading the store", slog.Uint64("have", cur), slog.Uint64("got", m.V))
		if err := r.readAll(ctx); err != nil {
			r.lost(err)
		}
		return
	}
	for _, op := range m.Ops {
		if len(op) != 4 {
			continue
		}
		h, ok := r.handler(op[1])
		if !ok {
			continue
		}
		switch OpKind(op[0]) {
		case OpSet, OpNew, OpAdd, OpTell:
			h.Apply(op[2], []byte(op[3]))
		case OpDel:
			h.Apply(op[2], nil)
		case OpClear:
			if h.Load != nil {
				h.Load(map[string][]byte{})
			}
		}
	}
	r.applied.Store(m.V)
	r.ack(ctx, m.V)
}

// ack tells the writers this replica applied version v.
func (r *Redis) ack(ctx context.Context, v uint64) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	if err := r.rdb.HSet(ctx, r.key("acks"), r.replica, v).Err(); err != nil {
		r.lost(err)
	}
}

// beat tells the others this replica is live, and watches the store: a
// replica that finds the store ahead of what it applied twice in a row
// missed a change and reads the store whole.
func (r *Redis) beat(ctx context.Context) {
	t := time.NewTicker(Beat)
	defer t.Stop()
	behind := 0
	nextStaleLog := staleLogEvery
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		bctx, cancel := context.WithTimeout(ctx, callTimeout)
		v, err := r.heartbeat(bctx)
		cancel()
		if err != nil {
			r.lost(err)
			if stale := r.Stale(); stale >= nextStaleLog {
				r.log.Warn("shared state still lost: serving the state last read", slog.String("state", r.url),
					slog.Duration("stale_for", stale.Round(time.Second)), slog.Uint64("version", r.applied.Load()))
				nextStaleLog = stale + staleLogEvery
			}
			continue
		}
		nextStaleLog = staleLogEvery
		wasLost := !r.connected.Load()
		r.found()
		if v > r.applied.Load() {
			behind++
		} else {
			behind = 0
		}
		if wasLost || behind >= 2 {
			if behind >= 2 {
				r.log.Warn("shared state: this replica is behind the store; re-reading it", slog.Uint64("have", r.applied.Load()), slog.Uint64("store", v))
			}
			behind = 0
			select {
			case r.reread <- struct{}{}:
			default:
			}
		}
	}
}

// live lists the replicas that beat within Live, forgetting those silent
// for a minute.
func (r *Redis) live(ctx context.Context, beats map[string]string, now time.Time) []string {
	var out []string
	for name, ms := range beats {
		n, _ := strconv.ParseInt(ms, 10, 64)
		age := now.Sub(time.UnixMilli(n))
		switch {
		case age <= Live:
			out = append(out, name)
		case age > time.Minute:
			_ = r.rdb.HDel(context.WithoutCancel(ctx), r.key("replicas"), name).Err()
			_ = r.rdb.HDel(context.WithoutCancel(ctx), r.key("acks"), name).Err()
		}
	}
	slices.Sort(out)
	return out
}

// lost notes that the store did not answer; the first time, the log says
// so.
func (r *Redis) lost(err error) {
	r.lostMu.Lock()
	defer r.lostMu.Unlock()
	r.lastErr = err.Error()
	if r.connected.CompareAndSwap(true, false) {
		r.lostAt = time.Now()
		r.log.Error("shared state lost: serving the state last read; changes are refused until it is back",
			slog.String("state", r.url), slog.String("error", err.Error()))
	}
}

// found notes that the store answered again.
func (r *Redis) found() {
	if r.connected.Load() {
		return
	}
	r.lostMu.Lock()
	defer r.lostMu.Unlock()
	if r.connected.CompareAndSwap(false, true) {
		r.log.Warn("shared state back: re-reading it", slog.String("state", r.url),
			slog.Duration("stale_for", time.Since(r.lostAt).Round(time.Millisecond)))
		r.lostAt = time.Time{}
	}
}

// Stale is how long this replica has served without the store (0 when
// connected).
func (r *Redis) Stale() time.Duration {
	r.lostMu.Lock()
	defer r.lostMu.Unlock()
	if r.lostAt.IsZero() {
		return 0
	}
	return time.Since(r.lostAt)
}

// Health implements Store.
func (r *Redis) Health() Health {
	h := Health{URL: r.url, Replica: r.replica, Connected: r.connected.Load(), Version: r.applied.Load()}
	r.lostMu.Lock()
	defer r.lostMu.Unlock()
	h.Replicas = slices.Clone(r.replicas)
	if !h.Connected {
		since := r.lostAt
		h.Since, h.Error = &since, r.lastErr
	}
	return h
}

// writeScript applies a change's ops and publishes them with the next
// version, in one step no other write comes between. KEYS: version,
// channel; ARGV: prefix, replica, then kind, topic, field, value per op.
var writeScript = redis.NewScript(`
local prefix = ARGV[1]
for i = 3, #ARGV, 4 do
  if ARGV[i] == 'new' and redis.call('HEXISTS', prefix .. 't:' .. ARGV[i+1], ARGV[i+2]) == 1 then
    return 0
  end
end
local ops = {}
for i = 3, #ARGV, 4 do
  local kind, topic, field, value = ARGV[i], ARGV[i+1], ARGV[i+2], ARGV[i+3]
  local key = prefix .. 't:' .. topic
  if kind == 'set' or kind == 'new' then
    redis.call('HSET', key, field, value)
  elseif kind == 'del' then
    redis.call('HDEL', key, field)
  elseif kind == 'clear' then
    redis.call('DEL', key)
  elseif kind == 'add' then
    value = tostring(redis.call('HINCRBY', key, field, value))
  end
  ops[#ops + 1] = {kind, topic, field, value}
end
local v = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', KEYS[2], cjson.encode({v = v, r = ARGV[2], ops = ops}))
return v
`)

// Write implements Store.
func (r *Redis) Write(ctx context.Context, ops ...Op) error {
	v, err := r.write(ctx, ops)
	if err != nil || v == 0 {
		return err
	}
	return r.confirm(ctx, v)
}

// Post implements Store.
func (r *Redis) Post(ctx context.Context, ops ...Op) error {
	_, err := r.write(ctx, ops)
	return err
}

// write stores and publishes ops, and returns their version.
func (r *Redis) write(ctx context.Context, ops []Op) (uint64, error) {
	if len(ops) == 0 {
		return 0, nil
	}
	if !r.connected.Load() {
		return 0, r.unavailable(nil)
	}
	args := make([]any, 0, 2+4*len(ops))
	args = append(args, r.prefix, r.replica)
	for _, op := range ops {
		args = append(args, string(op.Kind), op.Topic, op.Field, op.Value)
	}
	wctx, cancel := context.WithTimeout(ctx, callTimeout)
	v, err := writeScript.Run(wctx, r.rdb, []string{r.key("version"), r.key("changes")}, args...).Uint64()
	cancel()
	if err != nil {
		r.lost(err)
		return 0, r.unavailable(err)
	}
	if v == 0 {
		return 0, ErrExists
	}
	return v, nil
}

func (r *Redis) unavailable(err error) error {
	if err == nil {
		r.lostMu.Lock()
		err = errors.New(r.lastErr)
		r.lostMu.Unlock()
	}
	return fmt.Errorf("%w (%s): %v", ErrUnavailable, r.url, err)
}

// confirm waits until every live replica applied version v, this one
// included.
func (r *Redis) confirm(ctx context.Context, v uint64) error {
	start := time.Now()
	for wait := 500 * time.Microsecond; ; wait = min(2*wait, 20*time.Millisecond) {
		behind, err := r.behind(ctx, v)
		if err != nil {
			r.lost(err)
			return r.unavailable(err)
		}
		if len(behind) == 0 {
			return nil
		}
		if time.Since(start) >= Confirm {
			err := &UnconfirmedError{Version: v, Replicas: behind, Waited: time.Since(start).Round(time.Millisecond)}
			r.log.Warn("shared state: a change is not confirmed by every replica", slog.String("error", err.Error()))
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// behind lists the live replicas that have not applied version v.
func (r *Redis) behind(ctx context.Context, v uint64) ([]string, error) {
	if r.applied.Load() < v {
		return []string{r.replica}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	pipe := r.rdb.Pipeline()
	beats := pipe.HGetAll(ctx, r.key("replicas"))
	acks := pipe.HGetAll(ctx, r.key("acks"))
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, err
	}
	now := time.Now()
	var out []string
	for name, ms := range beats.Val() {
		n, _ := strconv.ParseInt(ms, 10, 64)
		if name == r.replica || now.Sub(time.UnixMilli(n)) > Live {
			continue
		}
		if got, _ := strconv.ParseUint(acks.Val()[name], 10, 64); got < v {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Count implements Store.
func (r *Redis) Count(ctx context.Context, key string) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	k := r.key("count:" + key)
	pipe := r.rdb.TxPipeline()
	n := pipe.Incr(ctx, k)
	pipe.ExpireNX(ctx, k, counterLife)
	if _, err := pipe.Exec(ctx); err != nil {
		r.lost(err)
		return 0, r.unavailable(err)
	}
	return n.Val(), nil
}

// Close implements Store: it stops following, says this replica is gone,
// and closes the connections.
func (r *Redis) Close() error {
	if r.stop != nil {
		r.stop()
	}
	r.done.Wait()
	if r.journal != nil {
		r.journal.close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	_ = r.rdb.HDel(ctx, r.key("replicas"), r.replica).Err()
	return r.rdb.Close()
}

// heartbeat says this replica is live, notes the live replicas, and
// returns the store's version (0 before any change).
func (r *Redis) heartbeat(ctx context.Context) (uint64, error) {
	now := time.Now()
	pipe := r.rdb.Pipeline()
	pipe.HSet(ctx, r.key("replicas"), r.replica, now.UnixMilli())
	vcmd := pipe.Get(ctx, r.key("version"))
	rcmd := pipe.HGetAll(ctx, r.key("replicas"))
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return 0, err
	}
	live := r.live(ctx, rcmd.Val(), now)
	r.lostMu.Lock()
	r.replicas = live
	r.lostMu.Unlock()
	v, _ := vcmd.Uint64()
	return v, nil
}

// Value is a value every replica holds alike, kept in the store: the
// first replica to ask makes it, every other takes that one.
func (r *Redis) Value(ctx context.Context, name string, mk func() (string, error)) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	k := r.key("value:" + name)
	v, err := r.rdb.Get(ctx, k).Result()
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, redis.Nil) {
		return "", fmt.Errorf("--state %s: %w", r.url, err)
	}
	made, err := mk()
	if err != nil {
		return "", err
	}
	if err := r.rdb.SetNX(ctx, k, made, 0).Err(); err != nil {
		return "", fmt.Errorf("--state %s: %w", r.url, err)
	}
	if v, err = r.rdb.Get(ctx, k).Result(); err != nil {
		return "", fmt.Errorf("--state %s: %w", r.url, err)
	}
	return v, nil
}

// Secret is the stack's token secret kept in the store (32 random
// bytes, hex), so replicas honour each other's tokens with none
// configured.
func (r *Redis) Secret(ctx context.Context) (string, error) {
	return r.Value(ctx, "token-secret", func() (string, error) {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return "", err
		}
		return hex.EncodeToString(b), nil
	})
}

// Reread asks for the store to be read whole soon (a part rebuilt here
// takes what every replica changed).
func (r *Redis) Reread() {
	select {
	case r.reread <- struct{}{}:
	default:
	}
}

// clientLog takes go-redis's own log lines (every failed dial, while the
// store is lost) to the debug level: the replica's log says once that
// the store is lost, and once that it is back.
type clientLog struct{}

func (clientLog) Printf(ctx context.Context, format string, v ...any) {
	slog.Default().DebugContext(ctx, "go-redis: "+fmt.Sprintf(format, v...))
}

func init() { redis.SetLogger(clientLog{}) }

// Trim bounds a topic the store keeps for ever otherwise (a client's
// every logout adds an ended token): past max fields it drops those whose
// rank (an expiry) is past, then the lowest ranked, to max. It changes no
// replica's copy: each bounds its own.
func (r *Redis) Trim(ctx context.Context, topic string, max int, now int64, rank func(value string) int64) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 4*callTimeout)
	defer cancel()
	key := r.key("t:" + topic)
	n, err := r.rdb.HLen(ctx, key).Result()
	if err != nil || int(n) <= max {
		return 0, err
	}
	all, err := r.rdb.HGetAll(ctx, key).Result()
	if err != nil {
		return 0, err
	}
	type field struct {
		name string
		rank int64
	}
	fields := make([]field, 0, len(all))
	for f, v := range all {
		fields = append(fields, field{f, rank(v)})
	}
	slices.SortFunc(fields, func(a, b field) int { return cmp.Compare(a.rank, b.rank) })
	var drop []string
	for i, f := range fields {
		if f.rank > now && len(fields)-i <= max {
			break
		}
		drop = append(drop, f.name)
	}
	for len(drop) > 0 {
		batch := drop[:min(len(drop), 1000)]
		drop = drop[len(batch):]
		if err := r.rdb.HDel(ctx, key, batch...).Err(); err != nil {
			return 0, err
		}
		n -= int64(len(batch))
	}
	return len(all) - int(n), nil
}
