// Package journal records the requests the simulators answered, in a bounded
// ring so a long run keeps constant memory. Nothing leaves it with a
// password or a token in clear: an entry is given redacted, or with a
// Pending part that redacts its headers and bodies when the entry is first
// read (most entries of a load test are never read: they cost no
// redaction), and only the redacted form is ever handed out.
package journal

import (
	"math"
	"net/http"
	"sync"
	"time"
)

// DefaultSize is the number of entries kept when none is given.
const DefaultSize = 1000

// Entry is one answered request.
type Entry struct {
	ID              uint64      `json:"id"`
	Time            time.Time   `json:"time"`
	Vendor          string      `json:"vendor"`
	Endpoint        string      `json:"endpoint,omitempty"` // documented endpoint name; empty when none matched
	User            string      `json:"user,omitempty"`     // login name in the request
	Method          string      `json:"method"`
	Path            string      `json:"path"`            // query included, secrets redacted
	RequestHeaders  http.Header `json:"requestHeaders"`  // redacted
	RequestBody     string      `json:"requestBody"`     // redacted
	Status          int         `json:"status"`          // 0 when the connection was cut without an answer
	Outcome         Outcome     `json:"outcome"`         // what the answer meant: a status 200 can be a vendor's error
	ResponseHeaders http.Header `json:"responseHeaders"` // as sent
	ResponseBody    string      `json:"responseBody"`    // redacted
	DurationMS      float64     `json:"durationMs"`
	Scenario        string      `json:"scenario,omitempty"` // scenario whose rule answered
	Rule            int         `json:"rule,omitempty"`     // 1-based rule index within Scenario
	Fault           string      `json:"fault,omitempty"`
	Unmatched       bool        `json:"unmatched,omitempty"`  // no documented operation matched
	Diagnosis       string      `json:"diagnosis,omitempty"`  // when unmatched: the closest documented operations, what differs
	Violations      []string    `json:"violations,omitempty"` // contract violations, request and response
	// Unchecked: the contract check was shed under overload.
	Unchecked bool `json:"unchecked,omitempty"`
	// Stub: the request was for a user-declared endpoint, declared by
	// "fixtures" or the "admin API".
	Stub string `json:"stub,omitempty"`
	// Auth is the vendor's check of a stub's credential: "ok", or why it
	// refused (missing, zero, unknown, expired, ended, wrong).
	Auth string `json:"auth,omitempty"`
	// NoContract: a stub without a contract; its answers are not checked.
	NoContract bool `json:"noContract,omitempty"`
	// Upstream: proxy mode, the real service answered (the body is its).
	Upstream bool `json:"upstream,omitempty"`
	// Drift: the real service's answer breaks the contract (its
	// violations are among Violations; GET /__admin/drift sums them up).
	Drift bool `json:"drift,omitempty"`
	// Replica names the replica that served the request, when replicas
	// share their journal (--state).
	Replica string `json:"replica,omitempty"`
}

// Outcome says what an answer meant to the client, beyond its status:
// uContact's HTTP 200 "0" and CRM.COM's HTTP 200 error envelope are errors.
type Outcome string

// The outcomes of an exchange.
const (
	OutcomeLoginOK     Outcome = "login ok"     // the vendor answered and minted a token
	OutcomeOK          Outcome = "ok"           // the vendor answered a success
	OutcomeVendorError Outcome = "vendor error" // the vendor answered its own error, whatever the HTTP status
	OutcomeFault       Outcome = "fault"        // a scenario's fault answered (or broke the answer)
	OutcomeUnmatched   Outcome = "unmatched"    // no documented operation matched the request
	OutcomeRefused     Outcome = "refused"      // mockauth refused the request itself (too large, --strict, bad scenario header)
)

// Filter selects entries; an empty field matches anything.
type Filter struct {
	Vendor string `json:"vendor"`
	Method string `json:"method"`
	Path   string `json:"path"` // compared without the query string
	// Unmatched keeps only requests that matched no documented operation.
	Unmatched bool `json:"unmatched"`
	// After and Before keep entries with IDs above After and below Before
	// (0: no bound): a reader asks for what is new, or pages back.
	After  uint64 `json:"after,omitempty"`
	Before uint64 `json:"before,omitempty"`
}

func (f Filter) match(e *Entry) bool {
	if f.Vendor != "" && f.Vendor != e.Vendor {
		return false
	}
	if f.Method != "" && f.Method != e.Method {
		return false
	}
	if f.Path != "" && f.Path != pathOnly(e.Path) {
		return false
	}
	if f.Unmatched && !e.Unmatched {
		return false
	}
	if e.ID <= f.After || f.Before != 0 && e.ID >= f.Before {
		return false
	}
	return true
}

func pathOnly(p string) string {
	for i := 0; i < len(p); i++ {
		if p[i] == '?' {
			return p[:i]
		}
	}
	return p
}

// MaxBytes bounds what the kept entries hold (bodies, paths, headers):
// a thousand entries of fat requests would otherwise hold 64 MiB of bodies
// beyond the rest. Past it, the oldest entries go first.
const MaxBytes = 16 << 20

// Pending is the part of an entry worked out when the entry is first
// read: it fills the entry's headers and bodies, redacted. Complete runs
// outside the journal's lock, at most once per entry kept.
type Pending interface {
	Complete(e *Entry)
	// Size is about what the pending part holds, counted like sizeOf.
	Size() int
}

// Journal is a bounded ring of entries, safe for concurrent use.
type Journal struct {
	mu     sync.Mutex // guards ring, pend, next, count, lastID, bytes
	ring   []Entry
	pend   []Pending // pend[i]: ring[i]'s part still to work out, or nil
	sizes  []int     // sizes[i]: what ring[i] holds, pending part included
	next   int       // index the next entry goes to: always lastID % len(ring)
	count  int       // entries kept
	lastID uint64
	bytes  int // sizeOf the kept entries
	// replica names this journal's own entries (SetReplica); entries
	// added with a name of their own are another replica's.
	replica string
}

// sizeOf is about what an entry holds.
func sizeOf(e *Entry) int {
	n := 256 + len(e.Path) + len(e.User) + len(e.RequestBody) + len(e.ResponseBody) + len(e.Diagnosis)
	for _, h := range []http.Header{e.RequestHeaders, e.ResponseHeaders} {
		for k, vs := range h {
			n += len(k)
			for _, v := range vs {
				n += len(v)
			}
		}
	}
	for _, v := range e.Violations {
		n += len(v)
	}
	return n
}

// New returns a journal keeping the last size entries (DefaultSize if size <= 0).
func New(size int) *Journal {
	if size <= 0 {
		size = DefaultSize
	}
	return &Journal{ring: make([]Entry, size), pend: make([]Pending, size), sizes: make([]int, size)}
}

// Add stores e, giving it the next ID, and returns the stored entry.
func (j *Journal) Add(e Entry) Entry { return j.AddPending(e, nil) }

// AddPending is Add for an entry whose headers and bodies p works out
// when the entry is first read (p nil: e is whole).
func (j *Journal) AddPending(e Entry, p Pending) Entry {
	size := sizeOf(&e)
	if p != nil {
		size += p.Size()
	}
	j.mu.Lock()
	if e.Replica == "" {
		e.Replica = j.replica
	}
	j.lastID++
	e.ID = j.lastID
	if j.count == len(j.ring) {
		j.dropOldestLocked() // the slot the new entry takes
	}
	for j.count > 0 && j.bytes+size > MaxBytes {
		j.dropOldestLocked()
	}
	j.ring[j.next], j.pend[j.next], j.sizes[j.next] = e, p, size
	j.bytes += size
	j.next = (j.next + 1) % len(j.ring)
	j.count++
	j.mu.Unlock()
	return e
}

// dropOldestLocked forgets the oldest kept entry.
func (j *Journal) dropOldestLocked() {
	i := (j.next - j.count + len(j.ring)) % len(j.ring)
	j.bytes -= j.sizes[i]
	j.ring[i], j.pend[i], j.sizes[i] = Entry{}, nil, 0
	j.count--
}

// Annotate adds the contract check's outcome to an entry, if the ring
// still holds it.
func (j *Journal) Annotate(id uint64, violations []string, unchecked bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if id == 0 || id > j.lastID {
		return
	}
	i := (id - 1) % uint64(len(j.ring))
	e := &j.ring[i]
	if e.ID != id {
		return // overwritten since
	}
	e.Violations = append(e.Violations, violations...)
	for _, v := range violations {
		j.bytes += len(v) // as sizeOf counts them
		j.sizes[i] += len(v)
	}
	e.Unchecked = e.Unchecked || unchecked
}

// MarkDrift flags an entry whose real answer breaks the contract.
func (j *Journal) MarkDrift(id uint64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if id == 0 || id > j.lastID {
		return
	}
	if e := &j.ring[(id-1)%uint64(len(j.ring))]; e.ID == id {
		e.Drift = true
	}
}

// List returns up to limit matching entries, newest first (all when limit <= 0).
func (j *Journal) List(f Filter, limit int) []Entry {
	out, _ := j.Page(f, limit, math.MaxInt)
	return out
}

// Page is List bounded in bytes as well: it stops before the entry that
// would pass maxBytes (always giving at least one), and more says that
// older matching entries were left out (ask again with Before set to the
// last ID given).
func (j *Journal) Page(f Filter, limit, maxBytes int) (entries []Entry, more bool) {
	type due struct {
		at int // index into entries
		p  Pending
	}
	var dues []due
	j.mu.Lock()
	entries = []Entry{}
	size := 0
	j.eachNewestFirst(func(i int) bool {
		e := &j.ring[i]
		if e.ID <= f.After {
			return false // the rest are older still
		}
		if !f.match(e) {
			return true
		}
		n := j.sizes[i]
		if limit > 0 && len(entries) == limit || len(entries) > 0 && size+n > maxBytes {
			more = true
			return false
		}
		size += n
		if p := j.pend[i]; p != nil {
			dues = append(dues, due{len(entries), p})
		}
		entries = append(entries, clone(*e))
		return true
	})
	j.mu.Unlock()
	if len(dues) == 0 {
		return entries, more
	}
	// Redaction is work in proportion to the bodies: done outside the
	// lock, then kept so the next reader finds the entry whole.
	for _, d := range dues {
		d.p.Complete(&entries[d.at])
	}
	j.mu.Lock()
	for _, d := range dues {
		if j.keepLocked(&entries[d.at], d.p) {
			entries[d.at] = clone(entries[d.at]) // the caller's own headers
		}
	}
	j.mu.Unlock()
	return entries, more
}

// Complete works out the pending part of entry id now (the request path
// does for an entry whose parts are large, or not its own to keep).
func (j *Journal) Complete(id uint64) {
	j.mu.Lock()
	if id == 0 || id > j.lastID {
		j.mu.Unlock()
		return
	}
	i := int((id - 1) % uint64(len(j.ring)))
	p := j.pend[i]
	if j.ring[i].ID != id || p == nil {
		j.mu.Unlock()
		return
	}
	done := clone(j.ring[i])
	j.mu.Unlock()
	p.Complete(&done)
	j.mu.Lock()
	j.keepLocked(&done, p)
	j.mu.Unlock()
}

// keepLocked puts done's worked-out headers and bodies in its entry, if
// the ring still holds it with the pending part p; it reports whether it
// did.
func (j *Journal) keepLocked(done *Entry, p Pending) bool {
	i := int((done.ID - 1) % uint64(len(j.ring)))
	e := &j.ring[i]
	if e.ID != done.ID || j.pend[i] != p {
		return false
	}
	e.RequestHeaders, e.RequestBody = done.RequestHeaders, done.RequestBody
	e.ResponseHeaders, e.ResponseBody = done.ResponseHeaders, done.ResponseBody
	j.pend[i] = nil
	n := sizeOf(e)
	j.bytes += n - j.sizes[i]
	j.sizes[i] = n
	return true
}

// Count returns how many kept entries match.
func (j *Journal) Count(f Filter) int {
	j.mu.Lock()
	defer j.mu.Unlock()
	n := 0
	j.eachNewestFirst(func(i int) bool {
		if f.match(&j.ring[i]) {
			n++
		}
		return true
	})
	return n
}

// Len returns how many entries are kept.
func (j *Journal) Len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.count
}

// SetReplica names the replica whose entries this journal's own are.
func (j *Journal) SetReplica(name string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.replica = name
}

// Clear forgets every entry; IDs keep growing so a reader can tell.
func (j *Journal) Clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	clear(j.ring)
	clear(j.pend)
	clear(j.sizes)
	j.count, j.bytes = 0, 0
}

func (j *Journal) eachNewestFirst(f func(i int) bool) {
	for k := 1; k <= j.count; k++ {
		i := (j.next - k + len(j.ring)) % len(j.ring)
		if !f(i) {
			return
		}
	}
}

// clone copies the parts of an entry a caller could otherwise mutate.
func clone(e Entry) Entry {
	e.RequestHeaders = e.RequestHeaders.Clone()
	e.ResponseHeaders = e.ResponseHeaders.Clone()
	e.Violations = append([]string(nil), e.Violations...)
	return e
}
