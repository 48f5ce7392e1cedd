// Package state is where the state a user or a client changes at run time
// lives when several replicas serve one stack: scenario activations and
// their count budgets, the clock's offset, tokens ended, CRM.COM last use,
// Exotel registrations, stubs added at run time, the journal.
//
// Without a store (the default) each part keeps its state itself, in
// memory, as it always has. With one (Redis or Valkey, --state redis://…),
// every replica keeps that same local copy and the store keeps it
// current: a change is written to the store with a version, published,
// and applied by every replica (this one too) from the notification; the
// change returns once every live replica confirmed it, so a request that
// follows it, wherever the balancer sends it, sees it. A request that
// changes nothing reads only the local copy. What must be atomic across
// replicas (a count budget, registering a credential) asks the store on
// the request.
//
// State is grouped in topics: each a map of fields to values (one Redis
// hash), applied by the part that owns it through a Handler.
package state

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Handler is the local side of a topic: how a replica applies a change
// made anywhere, and how it takes the whole topic when it (re)reads the
// store. Both run on the store's one listening goroutine, in version
// order.
type Handler struct {
	// Apply takes one field's new value (nil: the field was deleted).
	Apply func(field string, value []byte)
	// Load takes the whole topic, replacing what the replica had; nil
	// for a topic of OpTell changes only, which the store does not keep.
	Load func(all map[string][]byte)
}

// Op is one change to a topic.
type Op struct {
	Kind  OpKind
	Topic string
	Field string
	Value string // UTF-8 text (the Redis script publishes it as JSON)
}

// OpKind is what an Op does.
type OpKind string

// The kinds of change.
const (
	OpSet   OpKind = "set"   // the field takes Value
	OpNew   OpKind = "new"   // as OpSet, unless the field is set: then nothing of the write happens
	OpDel   OpKind = "del"   // the field goes
	OpClear OpKind = "clear" // the whole topic goes
	OpAdd   OpKind = "add"   // the field, an integer, grows by Value; every replica applies the sum
	OpTell  OpKind = "tell"  // nothing is kept: every replica applies Value once (a replica that was away misses it)
)

// Set, New, Del, Clear and Add make Ops.
func Set(topic, field, value string) Op { return Op{OpSet, topic, field, value} }
func New(topic, field, value string) Op { return Op{OpNew, topic, field, value} }
func Del(topic, field string) Op        { return Op{OpDel, topic, field, ""} }
func Clear(topic string) Op             { return Op{OpClear, topic, "", ""} }

// Tell makes an OpTell of a field, and a value if given.
func Tell(topic, field string, value ...string) Op {
	v := ""
	if len(value) > 0 {
		v = value[0]
	}
	return Op{OpTell, topic, field, v}
}
func Add(topic, field string, n int64) Op {
	return Op{OpAdd, topic, field, fmt.Sprint(n)}
}

// ErrExists is a write refused because an OpNew field was set already.
var ErrExists = errors.New("state: already set")

// ErrUnavailable is a change refused because the store cannot be
// reached: the replica keeps serving with the state it last knew.
var ErrUnavailable = errors.New("shared state unavailable")

// UnconfirmedError is a change written to the store that some live
// replicas had not applied when the wait for them ended: they are
// behind, and say so themselves when they notice.
type UnconfirmedError struct {
	Version  uint64
	Replicas []string
	Waited   time.Duration
}

func (e *UnconfirmedError) Error() string {
	return fmt.Sprintf("change %d stored, but replica %s had not applied it after %s", e.Version, strings.Join(e.Replicas, ", "), e.Waited)
}

// Health is the store as a replica sees it, for /__admin/health.
type Health struct {
	URL       string `json:"url"`       // without its password
	Replica   string `json:"replica"`   // this replica's name
	Connected bool   `json:"connected"` // the last call to the store succeeded
	// Since: when the store was lost (only when not connected).
	Since *time.Time `json:"since,omitempty"`
	// Version is the last change this replica applied.
	Version uint64 `json:"version"`
	// Replicas are the live replicas the store knows of, this one
	// included.
	Replicas []string `json:"replicas,omitempty"`
	// Error is the store's last error, when not connected.
	Error string `json:"error,omitempty"`
}

// Store is shared state: what every replica of a stack reads and writes.
type Store interface {
	// Handle registers a topic's local side; it is called before Start.
	Handle(topic string, h Handler)
	// Start reads every topic into its handler and begins following
	// changes.
	Start(ctx context.Context) error
	// Write makes changes together (all or, with an OpNew field that is
	// set, none: ErrExists) and returns once every live replica applied
	// them (*UnconfirmedError when some had not in time).
	Write(ctx context.Context, ops ...Op) error
	// Post is Write without the wait: for changes nobody waits on.
	Post(ctx context.Context, ops ...Op) error
	// Count adds one to a counter shared by every replica and returns its
	// new value; a counter lives a day from its first count.
	Count(ctx context.Context, key string) (int64, error)
	// Health reports the store as this replica sees it.
	Health() Health
	// Replica is this replica's name.
	Replica() string
	// Close stops following changes.
	Close() error
}
