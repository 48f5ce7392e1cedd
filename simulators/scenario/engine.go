package scenario

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mockauth/mockauth/internal/fuzzy"
)

// UnknownScenarioError names a scenario the catalogue lacks, with the
// closest names it has.
type UnknownScenarioError struct {
	Name        string
	Suggestions []string

	cat *Catalogue // read-only: the suggestions are made from it outside the engine's lock
}

func (e *UnknownScenarioError) Error() string {
	name := e.Name
	if len(name) > maxSuggestedName {
		name = name[:maxSuggestedName] + "…" // a 60 KB header is not echoed back
	}
	msg := fmt.Sprintf("no scenario %q", name)
	if len(e.Suggestions) > 0 {
		msg += fmt.Sprintf(" (did you mean %s?)", strings.Join(quoteAll(e.Suggestions), ", "))
	}
	return msg + "; GET /__admin/scenarios lists them"
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = fmt.Sprintf("%q", v)
	}
	return out
}

// UserScenarioError is a fixture user naming a scenario the loaded
// catalogue lacks (fixtures and scenarios files come apart).
type UserScenarioError struct {
	User string
	Err  error
}

func (e *UserScenarioError) Error() string {
	return fmt.Sprintf("fixture user %q selects a scenario the loaded file lacks: %v", e.User, e.Err)
}

func (e *UserScenarioError) Unwrap() error { return e.Err }

// Selected by: where a decision's scenario came from.
const (
	ByHeader = "header"       // X-Mockauth-Scenario
	ByUser   = "fixture user" // the login's fixture user names it
	ByActive = "active"       // switched on for everybody
)

// Query is what the engine knows of a request.
type Query struct {
	Vendor, Endpoint, Method, User string
	Header                         string // scenario named by X-Mockauth-Scenario, or ""
	UserScenario                   string // scenario of the login's fixture user, or ""
}

// Decision is the rule that answers a request.
type Decision struct {
	Scenario   string
	Rule       int // 1-based, within the scenario
	FaultType  string
	Fault      Fault
	After      bool
	SelectedBy string
	Rand       *Rand
}

// MintsExpired reports whether tokens minted under the decision must be
// already expired.
func (d *Decision) MintsExpired() bool {
	if d == nil {
		return false
	}
	f, ok := d.Fault.(expiringFault)
	return ok && f.MintsExpired()
}

// PassesAnswer reports whether the decision's fault sends the vendor's
// answer unchanged and acts after it (advance-clock, end-sessions,
// vendor-restart): the exchange then means what the vendor's answer meant.
func (d *Decision) PassesAnswer() bool {
	if d == nil {
		return false
	}
	f, ok := d.Fault.(interface{ PassesAnswer() bool })
	return ok && f.PassesAnswer()
}

// activation is a scenario switched on: its rule counters start at zero.
type activation struct {
	gen     string // shared mode: names this activation's counters in the store
	since   time.Time
	expires time.Time // zero: until switched off
	counts  []uint64  // matching requests per rule
	rands   []*Rand   // per rule
}

func newActivation(sc *Scenario, now time.Time, ttl time.Duration) *activation {
	a := &activation{since: now, counts: make([]uint64, len(sc.Rules)), rands: make([]*Rand, len(sc.Rules))}
	if ttl > 0 {
		a.expires = now.Add(ttl)
	}
	for i, r := range sc.Rules {
		a.rands[i] = NewRand(r.When.Seed)
	}
	return a
}

// Status is one scenario as the admin API shows it.
type Status struct {
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Active      bool       `json:"active"`
	Since       *time.Time `json:"since,omitempty"`
	ExpiresAt   *time.Time `json:"expiresAt,omitempty"`
	Rules       []RuleInfo `json:"rules"`
}

// RuleInfo describes one rule.
type RuleInfo struct {
	Match Match  `json:"match"`
	When  When   `json:"when"`
	Fault string `json:"fault"`
	Phase string `json:"phase"`
}

// Engine holds a catalogue and which of its scenarios are active.
type Engine struct {
	now func() time.Time

	mu       sync.Mutex             // guards cat, active, selected, dormant
	cat      *Catalogue             // never nil
	active   map[string]*activation // switched on for everybody
	selected map[string]*activation // chosen per request (header, fixture user)
	// dormant are scenarios that were on when a reload's file lacked them
	// (a file written in two steps, read between them): a later reload
	// that has them again switches them back on, until their TTL.
	dormant map[string]time.Time
	// anyActive is len(active) > 0, kept by every change: a request that
	// names no scenario, when none is on, is decided without the lock
	// (at 50 connections on 2 cores every request took it).
	anyActive atomic.Bool

	// counter, when set, counts the rules of every replica together
	// (shared.go); selGen names the per-request selections' counters.
	counter Counter
	selGen  string
}

// noteActiveLocked keeps anyActive after a change of active.
func (e *Engine) noteActiveLocked() { e.anyActive.Store(len(e.active) > 0) }

// NewEngine returns an engine with nothing active.
func NewEngine(cat *Catalogue) *Engine {
	return &Engine{now: time.Now, cat: cat, active: map[string]*activation{}, selected: map[string]*activation{}}
}

// Catalogue returns the loaded catalogue.
func (e *Engine) Catalogue() *Catalogue {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.cat
}

// unknown is the error of a name the catalogue lacks; its suggestions are
// made by suggest, after the engine's lock is released (issue 31, N14:
// weighing 20,000 names under it held every other request).
func (e *Engine) unknown(name string) error {
	return &UnknownScenarioError{Name: name, cat: e.cat}
}

// suggest fills in the suggestions of an unknown scenario's error.
func suggest(err error) error {
	if err == nil {
		return nil
	}
	var u *UnknownScenarioError
	if errors.As(err, &u) && u.cat != nil {
		u.Suggestions, u.cat = closest(u.Name, u.cat.Names()), nil
	}
	return err
}

// Activate switches a scenario on for every request, restarting its
// counters; with ttl > 0 it switches itself off after ttl.
func (e *Engine) Activate(name string, ttl time.Duration) (Status, error) {
	st, err := e.activate(name, ttl)
	return st, suggest(err)
}

func (e *Engine) activate(name string, ttl time.Duration) (Status, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	sc := e.cat.Find(name)
	if sc == nil {
		return Status{}, e.unknown(name)
	}
	e.active[name] = newActivation(sc, e.now(), ttl)
	e.noteActiveLocked()
	delete(e.selected, name)
	return e.statusLocked(sc), nil
}

// Deactivate switches a scenario off.
func (e *Engine) Deactivate(name string) (Status, error) {
	st, err := e.deactivate(name)
	return st, suggest(err)
}

func (e *Engine) deactivate(name string) (Status, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	sc := e.cat.Find(name)
	if sc == nil {
		return Status{}, e.unknown(name)
	}
	delete(e.active, name)
	e.noteActiveLocked()
	delete(e.selected, name)
	return e.statusLocked(sc), nil
}

// DeactivateAll switches every scenario off and forgets the counters of
// per-request selections.
func (e *Engine) DeactivateAll() {
	e.mu.Lock()
	defer e.mu.Unlock()
	clear(e.active)
	e.noteActiveLocked()
	clear(e.selected)
	clear(e.dormant)
}

// Replace puts a new catalogue in place (a hot reload). Active scenarios
// that it still has stay active, with fresh counters; the names of those
// it dropped are returned. A dropped one is dormant: the first reload
// that has it again switches it back on (issue 31, N11).
func (e *Engine) Replace(cat *Catalogue) (dropped []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	next := map[string]*activation{}
	for name, a := range e.active {
		sc := cat.Find(name)
		if sc == nil {
			dropped = append(dropped, name)
			if e.dormant == nil {
				e.dormant = map[string]time.Time{}
			}
			e.dormant[name] = a.expires
			continue
		}
		next[name] = newActivation(sc, now, 0)
		next[name].expires, next[name].gen = a.expires, a.gen // shared counters go on
	}
	for name, expires := range e.dormant {
		sc := cat.Find(name)
		if sc == nil {
			continue
		}
		delete(e.dormant, name)
		if expires.IsZero() || now.Before(expires) {
			next[name] = newActivation(sc, now, 0)
			next[name].expires, next[name].gen = expires, NewGen()
		}
	}
	e.cat, e.active = cat, next
	e.noteActiveLocked()
	clear(e.selected)
	slices.Sort(dropped)
	return dropped
}

// Statuses lists every scenario in file order.
func (e *Engine) Statuses() []Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.expireLocked()
	out := make([]Status, 0, len(e.cat.Scenarios))
	for _, sc := range e.cat.Scenarios {
		out = append(out, e.statusLocked(sc))
	}
	return out
}

// ActiveNames lists the active scenarios in file order.
func (e *Engine) ActiveNames() []string {
	var out []string
	for _, s := range e.Statuses() {
		if s.Active {
			out = append(out, s.Name)
		}
	}
	return out
}

func (e *Engine) statusLocked(sc *Scenario) Status {
	s := Status{Name: sc.Name, Description: sc.Description}
	if a, ok := e.active[sc.Name]; ok {
		s.Active = true
		since := a.since
		s.Since = &since
		if !a.expires.IsZero() {
			exp := a.expires
			s.ExpiresAt = &exp
		}
	}
	for _, r := range sc.Rules {
		phase := "before"
		if r.After {
			phase = "after"
		}
		s.Rules = append(s.Rules, RuleInfo{Match: r.Match, When: r.When, Fault: r.FaultType, Phase: phase})
	}
	return s
}

func (e *Engine) expireLocked() {
	now := e.now()
	for name, a := range e.active {
		if !a.expires.IsZero() && !now.Before(a.expires) {
			delete(e.active, name)
		}
	}
	e.noteActiveLocked()
}

// Decide returns the rule that answers a request, or nil when the vendor
// answers as usual. A scenario named by the header, or by the fixture user,
// that does not exist is an error: the request cannot be served as its
// sender meant.
func (e *Engine) Decide(q Query) (*Decision, error) {
	if q.Header == "" && q.UserScenario == "" && !e.anyActive.Load() {
		return nil, nil
	}
	if e.counter != nil {
		d, err := e.decideShared(q)
		return d, suggest(err)
	}
	d, err := e.decide(q)
	return d, suggest(err)
}

func (e *Engine) decide(q Query) (*Decision, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if q.Header != "" {
		sc := e.cat.Find(q.Header)
		if sc == nil {
			return nil, e.unknown(q.Header)
		}
		return e.selectLocked(sc, q, ByHeader), nil
	}
	if q.UserScenario != "" {
		sc := e.cat.Find(q.UserScenario)
		if sc == nil {
			return nil, &UserScenarioError{User: q.User, Err: e.unknown(q.UserScenario)}
		}
		return e.selectLocked(sc, q, ByUser), nil
	}
	if len(e.active) == 0 {
		return nil, nil
	}
	e.expireLocked()
	for _, sc := range e.cat.Scenarios {
		if a, ok := e.active[sc.Name]; ok {
			if d := evaluate(sc, a, q, nil); d != nil {
				d.SelectedBy = ByActive
				return d, nil
			}
		}
	}
	return nil, nil
}

// selectLocked evaluates a scenario chosen for one request; its counters
// run from the first request that chose it.
func (e *Engine) selectLocked(sc *Scenario, q Query, by string) *Decision {
	d := evaluate(sc, e.selectedLocked(sc), q, nil)
	if d != nil {
		d.SelectedBy = by
	}
	return d
}

// selectedLocked is the activation of a scenario chosen per request,
// made when first chosen.
func (e *Engine) selectedLocked(sc *Scenario) *activation {
	a, ok := e.selected[sc.Name]
	if !ok {
		a = newActivation(sc, e.now(), 0)
		e.selected[sc.Name] = a
	}
	return a
}

// evaluate counts the request against every rule it matches and returns
// the first whose trigger fires. count, when set, is how the n-th match
// of a rule is counted (across replicas); nil counts in a, under the
// engine's lock.
func evaluate(sc *Scenario, a *activation, q Query, count func(i int, r *Rule) uint64) *Decision {
	for i, r := range sc.Rules {
		if !r.Match.matches(q) {
			continue
		}
		var n uint64
		if count != nil {
			n = count(i, r)
		} else {
			a.counts[i]++
			n = a.counts[i]
		}
		if r.When.fires(n, a.rands[i]) {
			return &Decision{Scenario: sc.Name, Rule: i + 1, FaultType: r.FaultType, Fault: r.Fault, After: r.After, Rand: a.rands[i]}
		}
	}
	return nil
}

func (m Match) matches(q Query) bool {
	return (m.Vendor == "" || m.Vendor == q.Vendor) &&
		(m.Endpoint == "" || m.Endpoint == q.Endpoint) &&
		(m.Method == "" || strings.EqualFold(m.Method, q.Method)) &&
		(m.User == "" || m.User == q.User)
}

// fires says whether the n-th matching request (from 1) gets the fault.
func (w When) fires(n uint64, r *Rand) bool {
	switch {
	case w.First > 0:
		return n <= uint64(w.First)
	case w.After > 0:
		return n > uint64(w.After)
	case len(w.Nth) > 0:
		return slices.Contains(w.Nth, int(n))
	case w.Every > 0:
		return n%uint64(w.Every) == 0
	case w.Probability != nil:
		return r.Float64() < *w.Probability
	}
	return true
}

// maxSuggestedName bounds the names closest weighs (fuzzy.MaxName).
const maxSuggestedName = fuzzy.MaxName

// closest returns up to three names near name (fuzzy.Closest).
func closest(name string, names []string) []string { return fuzzy.Closest(name, names) }
