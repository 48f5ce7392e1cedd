package simulators

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mockauth/mockauth/internal/tick"
	"github.com/mockauth/mockauth/simulators/admin"
	"github.com/mockauth/mockauth/simulators/scenario"
	"github.com/mockauth/mockauth/simulators/state"
	"github.com/mockauth/mockauth/simulators/stub"
	"github.com/mockauth/mockauth/simulators/tokens"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// The topics of the stack's shared state (simulators/state): what each
// replica applies when any replica changes it.
const (
	topicScenarios = "scenarios" // scenario name → scenario.Activation; "@selections" → the selections' counter generation
	topicClock     = "clock"     // "offset" → nanoseconds
	topicReset     = "reset"     // told, not kept: every replica resets
	topicRestart   = "restart"   // told: vendor → a vendor-restart fault's restart
	fieldOffset    = "offset"
	fieldSelGen    = "@selections"
)

func topicEnded(v string) string      { return "ended:" + v }      // token id → endedNote
func topicEndSubject(v string) string { return "endsubject:" + v } // told: a login whose tokens all ended
func topicLastUse(v string) string    { return "lastuse:" + v }    // told: token id → Unix ns
func topicStubs(v string) string      { return "stubs:" + v }      // stub name → its text, base64

// endedNote is an ended token as replicas share it.
type endedNote struct {
	Subject string `json:"s,omitempty"`
	Expires int64  `json:"e,omitempty"` // Unix ns on the simulated clock; 0: never
}

// openState connects the stack to its shared state, when the options name
// one; a stack without a token secret then takes the store's, so every
// replica honours every other's tokens.
func openState(opts *Options) (*state.Redis, error) {
	if opts.State == "" {
		return nil, nil
	}
	password, err := statePassword(opts)
	if err != nil {
		return nil, err
	}
	st, err := state.OpenRedis(state.RedisOptions{URL: opts.State, Password: password,
		Prefix: opts.StatePrefix, Replica: opts.Replica, Log: opts.Logger})
	if err != nil {
		return nil, err
	}
	if opts.TokenSecret == "" {
		if opts.TokenSecret, err = st.Secret(context.Background()); err != nil {
			_ = st.Close()
			return nil, err
		}
	}
	return st, nil
}

// statePassword is the store's password from StatePasswordFile (or ""),
// refused when it is a template's placeholder, as the other secrets are.
func statePassword(opts *Options) (string, error) {
	password := ""
	if u, err := url.Parse(opts.State); err == nil && u.User != nil {
		password, _ = u.User.Password()
	}
	if opts.StatePasswordFile != "" {
		b, err := os.ReadFile(opts.StatePasswordFile)
		if err != nil {
			return "", fmt.Errorf("--state-password-file: %w", err)
		}
		password = strings.TrimRight(string(b), "\r\n")
	}
	if isPlaceholder(password) {
		return "", fmt.Errorf("simulators: %w: the shared state's password is a template's placeholder (deploy/secret.yaml's replace-with-…), known to anyone who read it: put a value from a random source in its place (e.g. openssl rand -hex 32)", ErrPlaceholderSecret)
	}
	if opts.StatePasswordFile == "" {
		return "", nil // the URL's, as it is
	}
	return password, nil
}

// shareState joins every part of the stack to the shared state and reads
// it: scenarios, clock, resets, each vendor's ended tokens, last uses,
// run-time stubs and registrations, the journal.
func (s *Stack) shareState() error {
	st := s.state
	s.engine.Share(st)
	st.Handle(topicScenarios, state.Handler{Apply: s.applyScenario, Load: s.loadScenarios})
	st.Handle(topicClock, state.Handler{
		Apply: func(_ string, v []byte) { s.clock.SetOffset(time.Duration(parseInt(v))) },
		Load:  func(all map[string][]byte) { s.clock.SetOffset(time.Duration(parseInt(all[fieldOffset]))) },
	})
	st.Handle(topicReset, state.Handler{Apply: func(string, []byte) { s.resetHere() }})
	st.Handle(topicRestart, state.Handler{Apply: func(name string, _ []byte) {
		if sv := s.vendor(name); sv != nil {
			sv.sim().Reset()
		}
	}})
	for _, sv := range s.vendors {
		s.shareVendor(sv)
	}
	st.ShareJournal(s.journal, s.opts.JournalSize, s.pipes.Sync)
	s.uses = newUseBatcher(st, s.log)
	return st.Start(context.Background())
}

// shareVendor joins a vendor's run-time stubs to the shared state.
// Its tokens and registrations joined when the vendor was built
// (vendorEnv).
func (s *Stack) shareVendor(sv *served) {
	s.state.Handle(topicStubs(sv.name), state.Handler{
		Apply: func(name string, v []byte) {
			if v == nil {
				_ = sv.pipe.DeleteStub(name)
				return
			}
			if _, _, err := sv.pipe.PutStub(name, decodeStub(v)); err != nil {
				s.log.Error("shared state: a stub another replica added does not load here", slog.String("vendor", sv.name), slog.String("stub", name), slog.String("error", err.Error()))
			}
		},
		Load: func(all map[string][]byte) {
			defs := make(map[string][]byte, len(all))
			for k, v := range all {
				defs[k] = decodeStub(v)
			}
			if err := sv.pipe.LoadStubs(defs); err != nil {
				s.log.Error("shared state: stubs that do not load here", slog.String("vendor", sv.name), slog.String("error", err.Error()))
			}
		},
	})
}

// shareTokens joins a vendor's token store to the shared state: what it
// ends and uses is told to every replica, and what they end it applies.
func (s *Stack) shareTokens(name string, ts *tokens.Store) {
	if s.state == nil {
		return
	}
	ts.Observe(tokenObserver{s: s, vendor: name})
	apply := func(id string, v []byte) {
		var n endedNote
		if v != nil && json.Unmarshal(v, &n) == nil {
			ts.ApplyEnded(id, n.Subject, n.Expires)
		}
	}
	s.state.Handle(topicEnded(name), state.Handler{Apply: apply, Load: func(all map[string][]byte) {
		for id, v := range all {
			apply(id, v)
		}
	}})
	s.state.Handle(topicEndSubject(name), state.Handler{Apply: func(subject string, _ []byte) { ts.ApplyEndedSubject(subject) }})
	s.state.Handle(topicLastUse(name), state.Handler{Apply: func(id string, v []byte) { ts.ApplyUsed(id, parseInt(v)) }})
}

// tokenObserver tells the replicas what one vendor's token store ends
// and uses.
type tokenObserver struct {
	s      *Stack
	vendor string
}

func (o tokenObserver) Ended(id, subject string, exp int64) {
	o.write(true, state.Set(topicEnded(o.vendor), id, endedValue(subject, exp)))
}

func (o tokenObserver) Relayed(id, subject string, exp int64) {
	o.write(false, state.Set(topicEnded(o.vendor), id, endedValue(subject, exp)))
}

func (o tokenObserver) EndedSubject(subject string) {
	o.write(true, state.Tell(topicEndSubject(o.vendor), subject))
}

func (o tokenObserver) Used(id string, at int64) { o.s.uses.add(o.vendor, id, at) }

// write makes an end known. The vendor already answered as it does
// without replicas: a store that fails is logged (and health says the
// store is lost), the end stays this replica's.
func (o tokenObserver) write(wait bool, op state.Op) {
	var err error
	if wait {
		err = o.s.state.Write(context.Background(), op)
	} else {
		err = o.s.state.Post(context.Background(), op)
	}
	if err != nil {
		o.s.log.Error("shared state: a token ended here is not known to every replica", slog.String("vendor", o.vendor), slog.String("error", err.Error()))
	}
}

func endedValue(subject string, exp int64) string {
	b, _ := json.Marshal(endedNote{Subject: subject, Expires: exp})
	return string(b)
}

// useBatcher gathers the last uses of idle tokens and tells them every
// useEvery: a use is not a change anybody waits for, and a load test
// uses a token on every request.
type useBatcher struct {
	st  *state.Redis
	log *slog.Logger
	mu  sync.Mutex
	due map[[2]string]int64 // vendor, id → last use
}

const (
	useEvery = 100 * time.Millisecond
	maxUses  = 10_000 // uses held between two tells; past it the oldest wait for the next
)

func newUseBatcher(st *state.Redis, log *slog.Logger) *useBatcher {
	return &useBatcher{st: st, log: log, due: map[[2]string]int64{}}
}

func (b *useBatcher) add(vendorName, id string, at int64) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	k := [2]string{vendorName, id}
	if _, ok := b.due[k]; !ok && len(b.due) >= maxUses {
		return
	}
	b.due[k] = max(b.due[k], at)
}

// run tells the uses gathered until ctx ends.
func (b *useBatcher) run(ctx context.Context) {
	tick.Every(ctx, useEvery, func() {
		b.mu.Lock()
		due := b.due
		b.due = map[[2]string]int64{}
		b.mu.Unlock()
		if len(due) == 0 {
			return
		}
		ops := make([]state.Op, 0, len(due))
		for k, at := range due {
			ops = append(ops, state.Tell(topicLastUse(k[0]), k[1], strconv.FormatInt(at, 10)))
		}
		if err := b.st.Post(ctx, ops...); err != nil && ctx.Err() == nil {
			b.log.Warn("shared state: last uses of idle tokens not told", slog.Int("tokens", len(ops)), slog.String("error", err.Error()))
		}
	})
}

// sharedMap is a vendor's topic as vendor.Shared.
type sharedMap struct {
	s     *Stack
	topic string
}

func (m sharedMap) Put(key string, value []byte, replace bool) (bool, error) {
	op := state.New(m.topic, key, string(value))
	if replace {
		op = state.Set(m.topic, key, string(value))
	}
	err := m.s.state.Write(context.Background(), op)
	if errors.Is(err, state.ErrExists) {
		return true, nil
	}
	return false, err
}

func (m sharedMap) Forget(keys ...string) {
	ops := make([]state.Op, len(keys))
	for i, k := range keys {
		ops[i] = state.Del(m.topic, k)
	}
	if err := m.s.state.Post(context.Background(), ops...); err != nil {
		m.s.log.Warn("shared state: forgetting", slog.String("topic", m.topic), slog.String("error", err.Error()))
	}
}

func (m sharedMap) Follow(apply func(string, []byte), load func(map[string][]byte)) {
	m.s.state.Handle(m.topic, state.Handler{Apply: apply, Load: load})
}

// sharedFor is a vendor's Env.Shared: nil without shared state. The
// topics a vendor takes are noted as its own: a reset clears them, and a
// vendor-restart fault clears its vendor's.
func (s *Stack) sharedFor(vendorName string) func(topic string) vendor.Shared {
	if s.state == nil {
		return nil
	}
	return func(topic string) vendor.Shared {
		s.topicsMu.Lock()
		defer s.topicsMu.Unlock()
		if !slices.Contains(s.vendorTopics[vendorName], topic) {
			if s.vendorTopics == nil {
				s.vendorTopics = map[string][]string{}
			}
			s.vendorTopics[vendorName] = append(s.vendorTopics[vendorName], topic)
		}
		return sharedMap{s: s, topic: topic}
	}
}

// vendorTopicsOf are the shared topics of one vendor ("": of every vendor).
func (s *Stack) vendorTopicsOf(vendorName string) []string {
	s.topicsMu.Lock()
	defer s.topicsMu.Unlock()
	if vendorName != "" {
		return slices.Clone(s.vendorTopics[vendorName])
	}
	var out []string
	for _, ts := range s.vendorTopics {
		out = append(out, ts...)
	}
	return out
}

// applyScenario takes one scenario's activation (nil: switched off), or
// the selections' new counters.
func (s *Stack) applyScenario(name string, v []byte) {
	switch {
	case name == fieldSelGen:
		s.engine.SetSelections(string(v))
	case v == nil:
		s.engine.Drop(name)
	default:
		var a scenario.Activation
		if json.Unmarshal(v, &a) == nil {
			s.engine.Put(name, a)
		}
	}
}

func (s *Stack) loadScenarios(all map[string][]byte) {
	acts := map[string]scenario.Activation{}
	for name, v := range all {
		var a scenario.Activation
		if name != fieldSelGen && json.Unmarshal(v, &a) == nil && (a.Expires.IsZero() || s.engine.Now().Before(a.Expires)) {
			acts[name] = a
		}
	}
	s.engine.Load(acts, string(all[fieldSelGen]))
}

// activateShared switches a scenario on for every replica; only makes it
// active unless it is (a replica that starts with --activate does not
// restart the counters of the others').
func (s *Stack) activateShared(name string, ttl time.Duration, only bool) (scenario.Status, error) {
	if err := s.engine.Known(name); err != nil {
		return scenario.Status{}, err
	}
	v, _ := json.Marshal(scenario.NewActivation(s.engine.Now(), ttl))
	op := state.Set(topicScenarios, name, string(v))
	if only {
		op = state.New(topicScenarios, name, string(v))
	}
	if err := s.state.Write(context.Background(), op); err != nil && !errors.Is(err, state.ErrExists) {
		return scenario.Status{}, stateError(err)
	}
	return s.engine.Status(name)
}

func (s *Stack) deactivateShared(name string) (scenario.Status, error) {
	if err := s.engine.Known(name); err != nil {
		return scenario.Status{}, err
	}
	if err := s.state.Write(context.Background(), state.Del(topicScenarios, name)); err != nil {
		return scenario.Status{}, stateError(err)
	}
	return s.engine.Status(name)
}

// offAll is every scenario off, and the selections counting afresh.
func offAll() []state.Op {
	return []state.Op{state.Clear(topicScenarios), state.Set(topicScenarios, fieldSelGen, scenario.NewGen())}
}

// advanceShared moves every replica's clock by d, at most to clock.End.
func (s *Stack) advanceShared(d time.Duration) error {
	if d < 0 {
		return s.clock.Advance(d) // its error
	}
	return stateError(s.state.Write(context.Background(), state.Add(topicClock, fieldOffset, int64(min(d, s.clock.Room())))))
}

// resetShared resets every replica: the ops clear what the store keeps;
// each replica then resets what it keeps itself.
func (s *Stack) resetShared() error {
	ops := offAll()
	ops = append(ops, state.Clear(topicClock))
	for _, sv := range s.vendors {
		ops = append(ops, state.Clear(topicEnded(sv.name)))
	}
	for _, t := range s.vendorTopicsOf("") {
		ops = append(ops, state.Clear(t))
	}
	ops = append(ops, state.Tell(topicReset, "all"))
	if err := s.state.ClearJournal(context.Background()); err != nil {
		return stateError(err)
	}
	return stateError(s.state.Write(context.Background(), ops...))
}

// restartShared is a vendor-restart fault on every replica: the vendor
// forgets its tokens and registrations everywhere.
func (s *Stack) restartShared(name string) {
	ops := []state.Op{state.Clear(topicEnded(name))}
	for _, t := range s.vendorTopicsOf(name) {
		ops = append(ops, state.Clear(t))
	}
	ops = append(ops, state.Tell(topicRestart, name))
	if err := s.state.Write(context.Background(), ops...); err != nil {
		s.log.Error("shared state: a vendor restart not made on every replica", slog.String("vendor", name), slog.String("error", err.Error()))
	}
}

// putStubShared checks a stub here, then puts it on every replica.
func (s *Stack) putStubShared(sv *served, name string, data []byte) (*stub.Stub, bool, error) {
	st, created, err := sv.pipe.CheckStub(name, data)
	if err != nil {
		return nil, false, err
	}
	if err := s.state.Write(context.Background(), state.Set(topicStubs(sv.name), name, base64.StdEncoding.EncodeToString(data))); err != nil {
		return nil, false, stateError(err)
	}
	return st, created, nil
}

func (s *Stack) deleteStubShared(sv *served, name string) error {
	for _, st := range sv.pipe.Stubs() {
		if st.Name == name && st.Origin == stub.FromAdmin {
			return stateError(s.state.Write(context.Background(), state.Del(topicStubs(sv.name), name)))
		}
	}
	return sv.pipe.DeleteStub(name) // its error: a fixture's stub, or none
}

func decodeStub(v []byte) []byte {
	b, err := base64.StdEncoding.DecodeString(string(v))
	if err != nil {
		return v
	}
	return b
}

func parseInt(v []byte) int64 {
	n, _ := strconv.ParseInt(string(v), 10, 64)
	return n
}

// stateError is a change the shared state refused, as the admin API
// answers it: 503 with the reason.
func stateError(err error) error {
	var un *state.UnconfirmedError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, state.ErrUnavailable):
		return &admin.Error{Status: http.StatusServiceUnavailable, Message: err.Error(), Err: err}
	case errors.As(err, &un):
		return &admin.Error{Status: http.StatusServiceUnavailable, Message: fmt.Sprintf("%v: that replica is behind and re-reads the store when it notices", err), Err: err}
	}
	return err
}

// startState joins the stack to its shared state and reads it, then
// switches on the --activate scenarios that are not on already.
func (s *Stack) startState() error {
	if err := s.shareState(); err != nil {
		return err
	}
	for _, name := range s.opts.Activate {
		if _, err := s.activateShared(name, 0, true); err != nil {
			return fmt.Errorf("--activate: %w", err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stopUses = cancel
	go s.uses.run(ctx)
	go s.trimEnded(ctx)
	return nil
}

// Bounds of what the store keeps of ended tokens, per vendor: as a
// token store's own (tokens.DefaultMaxTokens), twice, for the replicas'.
const (
	maxEndedShared = 2 * tokens.DefaultMaxTokens
	trimEvery      = 10 * time.Second
)

// trimEnded bounds each vendor's ended tokens in the store: a client's
// every logout adds one. The expired go first, then the soonest to
// expire; each replica's own store keeps its bound (and its watermarks)
// regardless.
func (s *Stack) trimEnded(ctx context.Context) {
	tick.Every(ctx, trimEvery, func() {
		now := s.clock.Now().UnixNano()
		for _, sv := range s.vendors {
			n, err := s.state.Trim(ctx, topicEnded(sv.name), maxEndedShared, now, endedRank)
			if err != nil && ctx.Err() == nil {
				s.log.Warn("shared state: ended tokens not trimmed", slog.String("vendor", sv.name), slog.String("error", err.Error()))
			} else if n > 0 {
				s.log.Debug("shared state: ended tokens trimmed", slog.String("vendor", sv.name), slog.Int("dropped", n))
			}
		}
	})
}

// endedRank is an ended token's expiry; one that never expires ranks last.
func endedRank(v string) int64 {
	var n endedNote
	if json.Unmarshal([]byte(v), &n) != nil {
		return 0
	}
	if n.Expires == 0 {
		return math.MaxInt64
	}
	return n.Expires
}

// closeState leaves the shared state: this replica stops beating, so
// changes no longer wait for it.
func (s *Stack) closeState() error {
	if s.state == nil {
		return nil
	}
	s.stopUses()
	return s.state.Close()
}

// StateHealth is the shared state as this stack sees it; false without
// one.
func (s *Stack) StateHealth() (state.Health, bool) {
	if s.state == nil {
		return state.Health{}, false
	}
	return s.state.Health(), true
}

// sharedValue is a vendor's Env.Value: nil without shared state.
func (s *Stack) sharedValue() func(string, func() (string, error)) (string, error) {
	if s.state == nil {
		return nil
	}
	return func(name string, mk func() (string, error)) (string, error) {
		return s.state.Value(context.Background(), name, mk)
	}
}

// syncAll is Sync, and with shared state every replica's entries too.
func (s *Stack) syncAll() error {
	s.Sync()
	if s.state == nil {
		return nil
	}
	return stateError(s.state.SyncJournal(context.Background()))
}
