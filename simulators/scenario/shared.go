package scenario

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"time"
)

// Counter counts the requests a rule matched across every replica of a
// stack: a "twice, then recover" fault fails twice in all, not twice per
// replica.
type Counter interface {
	Count(ctx context.Context, key string) (int64, error)
}

// Activation is a scenario switched on, as replicas share it: Gen names
// its counters (a new activation counts from zero).
type Activation struct {
	Gen     string    `json:"gen"`
	Since   time.Time `json:"since"`
	Expires time.Time `json:"expires,omitzero"`
}

// NewGen is a fresh name for counters.
func NewGen() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// NewActivation is the activation of a scenario switched on now, for ttl
// (0: until switched off).
func NewActivation(now time.Time, ttl time.Duration) Activation {
	a := Activation{Gen: NewGen(), Since: now}
	if ttl > 0 {
		a.Expires = now.Add(ttl)
	}
	return a
}

// Share makes the engine count through c: the stack's shared state.
// Activations then come from Put, Drop and Load, which each replica
// applies from the store.
func (e *Engine) Share(c Counter) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.counter = c
}

// Now is the engine's time (activations are stamped with it).
func (e *Engine) Now() time.Time { return e.now() }

// Known reports whether the catalogue has a scenario, with the error of
// the closest names when not.
func (e *Engine) Known(name string) error {
	e.mu.Lock()
	cat := e.cat
	e.mu.Unlock()
	if cat.Find(name) == nil {
		return suggest(&UnknownScenarioError{Name: name, cat: cat})
	}
	return nil
}

// Status is one scenario's status.
func (e *Engine) Status(name string) (Status, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	sc := e.cat.Find(name)
	if sc == nil {
		return Status{}, suggest(e.unknown(name))
	}
	e.expireLocked()
	return e.statusLocked(sc), nil
}

// Put switches a scenario on as the store says; a name the catalogue
// lacks (another replica loaded a newer file) waits as dormant.
func (e *Engine) Put(name string, a Activation) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.putLocked(name, a)
	e.noteActiveLocked()
}

func (e *Engine) putLocked(name string, a Activation) {
	sc := e.cat.Find(name)
	if sc == nil {
		if e.dormant == nil {
			e.dormant = map[string]time.Time{}
		}
		e.dormant[name] = a.Expires
		return
	}
	if cur, ok := e.active[name]; ok && cur.gen == a.Gen {
		return
	}
	act := newActivation(sc, a.Since, 0)
	act.gen, act.expires = a.Gen, a.Expires
	e.active[name] = act
	delete(e.selected, name)
}

// Drop switches a scenario off as the store says.
func (e *Engine) Drop(name string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.active, name)
	delete(e.dormant, name)
	delete(e.selected, name)
	e.noteActiveLocked()
}

// Load puts the store's whole set of activations in place; selGen names
// the selections' counters (a reset gives a new one).
func (e *Engine) Load(all map[string]Activation, selGen string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for name := range e.active {
		if _, ok := all[name]; !ok {
			delete(e.active, name)
		}
	}
	clear(e.dormant)
	for name, a := range all {
		e.putLocked(name, a)
	}
	if selGen != e.selGen {
		e.selGen = selGen
		clear(e.selected)
	}
	e.noteActiveLocked()
}

// SetSelections names the selections' counters anew (a reset).
func (e *Engine) SetSelections(gen string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.selGen = gen
	clear(e.selected)
}

// candidate is a scenario a request may meet, with its activation.
type candidate struct {
	sc  *Scenario
	a   *activation
	key string // its counters' name in the store
	by  string
}

// decideShared is decide with the counting outside the engine's lock: a
// counted rule asks the store, and no other request waits on that.
func (e *Engine) decideShared(q Query) (*Decision, error) {
	cands, err := e.candidates(q)
	if err != nil || len(cands) == 0 {
		return nil, err
	}
	for _, c := range cands {
		if d := e.evaluateShared(c, q); d != nil {
			d.SelectedBy = c.by
			return d, nil
		}
	}
	return nil, nil
}

// candidates are the scenarios that answer q, in the order decide tries
// them.
func (e *Engine) candidates(q Query) ([]candidate, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	sel := func(name string, by string) ([]candidate, error) {
		sc := e.cat.Find(name)
		if sc == nil {
			return nil, e.unknown(name)
		}
		return []candidate{{sc, e.selectedLocked(sc), "s:" + e.selGen + ":" + name, by}}, nil
	}
	if q.Header != "" {
		return sel(q.Header, ByHeader)
	}
	if q.UserScenario != "" {
		c, err := sel(q.UserScenario, ByUser)
		if err != nil {
			return nil, &UserScenarioError{User: q.User, Err: err}
		}
		return c, nil
	}
	e.expireLocked()
	var out []candidate
	for _, sc := range e.cat.Scenarios {
		if a, ok := e.active[sc.Name]; ok {
			out = append(out, candidate{sc, a, "a:" + a.gen, ByActive})
		}
	}
	return out, nil
}

// evaluateShared is evaluate with every replica's counts. When the store
// cannot count, the replica counts alone (the log says the store is
// lost) rather than drop the fault.
func (e *Engine) evaluateShared(c candidate, q Query) *Decision {
	return evaluate(c.sc, c.a, q, func(i int, r *Rule) uint64 {
		if !r.When.counted() {
			return 0 // fires does not look at it
		}
		if got, err := e.counter.Count(context.Background(), c.key+":"+strconv.Itoa(i)); err == nil {
			return uint64(got)
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		c.a.counts[i]++
		return c.a.counts[i]
	})
}

// counted reports whether a trigger depends on how many requests matched.
func (w When) counted() bool {
	return w.First > 0 || w.After > 0 || len(w.Nth) > 0 || w.Every > 0
}
