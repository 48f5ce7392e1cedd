package pipeline

import (
	"bytes"
	"hash/maphash"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/mockauth/mockauth/contracts"
	"github.com/mockauth/mockauth/simulators/journal"
)

// checkQueueSize bounds the contract checks waiting to run. Beyond it, under
// a load no test needs to be checked at (a load test of the system calling
// the stack), checks are shed and the journal entry says so: answers are
// never slowed to check them.
const checkQueueSize = 4096

// checkQueueBytes bounds the bytes (request and answer bodies) the queued
// checks hold: 4,096 checks of 1 MiB bodies would hold 4 GiB.
const checkQueueBytes = 32 << 20

// answered is one answer the vendor gave in an exchange.
type answered struct {
	status int
	header http.Header
	body   []byte
}

// checkJob is one exchange whose contract check runs off the hot path.
type checkJob struct {
	v       *contracts.Validator
	id      uint64 // journal entry to annotate
	r       *http.Request
	path    string // documented path (vendors that match loosely)
	body    []byte
	answers []answered
	minted  []string   // tokens in the answers, masked in the verdict cache's key
	real    bool       // proxy mode: the answers are the real service's
	key     verdictKey // what the verdict is remembered by
}

// verdictCacheSize bounds the checker's memory of verdicts.
const verdictCacheSize = 4096

// checker runs contract checks in the background and writes the
// violations into the journal entries; Sync waits for them.
type checker struct {
	journal *journal.Journal
	heavy   heavyGate      // a check of a large body takes a place like a request
	jobs    chan *checkJob // pointers: 4,096 waiting places cost 32 KiB, not half a MiB
	shed    atomic.Int64

	mu      sync.Mutex // guards pending, stopped and sends on jobs
	idle    *sync.Cond // signalled when pending drops to zero
	pending int        // jobs queued or running
	queued  int        // bytes the pending jobs hold
	stopped bool       // jobs is closed: a late request (a hijacked connection's) is checked in place
	done    chan struct{}

	// verdicts remembers the check of an exchange by a hash of its bytes
	// (minted tokens masked): repeated traffic, a load test's, is checked
	// once, and the cache holds no request's bytes. The request's own
	// goroutine looks its verdict up (cached), so a repeated exchange
	// never waits in the queue.
	// A sync.Map: requests read it from every core, and a read-write
	// lock's reader count would bounce between them.
	verdicts sync.Map     // verdictKey -> []string
	nVerdict atomic.Int64 // about how many verdicts it holds
}

// cached is the remembered verdict of the exchange with key k.
func (c *checker) cached(k verdictKey) ([]string, bool) {
	v, ok := c.verdicts.Load(k)
	if !ok {
		return nil, false
	}
	return v.([]string), true
}

// reset forgets the remembered verdicts.
func (c *checker) reset() {
	c.verdicts.Clear()
	c.nVerdict.Store(0)
}

func newChecker(j *journal.Journal, heavy heavyGate) *checker {
	c := &checker{journal: j, heavy: heavy, jobs: make(chan *checkJob, checkQueueSize), done: make(chan struct{})}
	c.idle = sync.NewCond(&c.mu)
	return c
}

// start runs the worker; stop ends it.
func (c *checker) start() { go c.run() }

func (c *checker) run() {
	defer close(c.done)
	for job := range c.jobs {
		heavy := job.size() > heavyBody
		if heavy {
			c.heavy <- struct{}{} // a check always runs: it waits its turn
		}
		c.finish(*job, c.cachedCheck(*job))
		if heavy {
			c.heavy.leave()
		}
		c.mu.Lock()
		c.pending--
		c.queued -= job.size()
		if c.pending == 0 {
			c.idle.Broadcast()
		}
		c.mu.Unlock()
	}
}

// finish writes a check's violations into the journal. (A real service's
// answers are checked in line, where their drift is reported.)
func (c *checker) finish(job checkJob, violations []string) {
	c.journal.Annotate(job.id, violations, false)
}

// cachedCheck is check, remembered by the exchange's bytes.
func (c *checker) cachedCheck(job checkJob) []string {
	if v, ok := c.cached(job.key); ok {
		return v
	}
	v := check(job)
	c.remember(job.key, v)
	return v
}

// remember keeps the verdict v of the exchange (or request) with key k.
// Past verdictCacheSize the old ones are forgotten: a verdict forgotten
// is checked again, never wrong.
func (c *checker) remember(k verdictKey, v []string) {
	if c.nVerdict.Add(1) > verdictCacheSize {
		c.verdicts.Clear()
		c.nVerdict.Store(1)
	}
	c.verdicts.Store(k, slices.Clip(v))
}

// verdictKey is a 64-bit hash of what a check reads, under a seed of
// this process. Two exchanges that differ share a key with odds of about
// one in 2^64 / verdictCacheSize, about 4·10^15, per exchange.
type verdictKey uint64

var verdictSeed = maphash.MakeSeed()

// keyOf is the verdict key of job: method, path, query, the headers that
// matter, the body, and each answer with its minted tokens masked (the
// first token of a shape was checked whole).
func keyOf(job *checkJob) verdictKey {
	real := "simulated"
	if job.real {
		real = "upstream" // the order of its members is checked too
	}
	return hashOf(job, real)
}

// requestKeyOf is the verdict key of job's request alone: --strict's
// check before answering.
func requestKeyOf(job *checkJob) verdictKey { return hashOf(job, "request") }

// hashOf is keyOf for a kind of check. The parts are laid end to end in
// one buffer (on the stack for a usual exchange) and hashed at once:
// hashing them one by one cost a login more than a microsecond.
func hashOf(job *checkJob, kind string) verdictKey {
	var room [1024]byte
	b := room[:0]
	str := func(s string) {
		b = append(b, s...)
		b = append(b, 0)
	}
	r := job.r
	// What the check reads of credentials: the scheme, and whether any follow.
	auth, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	str(kind)
	b = strconv.AppendUint(b, job.v.ID(), 10)
	b = append(b, 0)
	for _, part := range [...]string{r.Method, job.path, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type"), r.Header.Get("Accept"), auth} {
		str(part)
	}
	if cred != "" {
		b = append(b, '+')
	}
	b = append(b, 0)
	b = append(b, job.body...)
	b = append(b, 0)
	for _, a := range job.answers {
		b = strconv.AppendInt(b, int64(a.status), 10)
		b = append(b, 0)
		str(a.header.Get("Content-Type"))
		str(a.header.Get("Www-Authenticate"))
		b = appendMasked(b, a.body, job.minted)
		b = append(b, 0)
	}
	return verdictKey(maphash.Bytes(verdictSeed, b))
}

// appendMasked appends body with every minted token replaced by \x01.
func appendMasked(b, body []byte, minted []string) []byte {
	var room [256]byte // a token as bytes, without an allocation for the usual ones
	for len(body) > 0 {
		at, n := -1, 0
		for _, t := range minted {
			if i := bytes.Index(body, append(room[:0], t...)); i >= 0 && t != "" && (at < 0 || i < at) {
				at, n = i, len(t)
			}
		}
		if at < 0 {
			return append(b, body...)
		}
		b = append(append(b, body[:at]...), 1)
		body = body[at+n:]
	}
	return b
}

// size is what a queued job holds: its bodies.
func (job checkJob) size() int {
	n := len(job.body)
	for _, a := range job.answers {
		n += len(a.body)
	}
	return n
}

// check runs the whole contract check of an exchange.
func check(job checkJob) []string {
	x, violations := job.v.Request(job.r, job.path, job.body)
	for _, a := range job.answers {
		violations = append(violations, x.Response(a.status, a.header, a.body)...)
		if job.real {
			// A real service's answer: its members' order too (contracts/order.go).
			violations = append(violations, x.ResponseOrder(a.status, a.header, a.body)...)
		}
	}
	return violations
}

// submit queues a check, or sheds it when the queue is full.
func (c *checker) submit(job checkJob) {
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		c.finish(job, check(job))
		return
	}
	if c.queued+job.size() > checkQueueBytes {
		c.mu.Unlock()
		c.shed.Add(1)
		c.journal.Annotate(job.id, nil, true)
		return
	}
	select {
	case c.jobs <- &job:
		c.pending++
		c.queued += job.size()
		c.mu.Unlock()
	default:
		c.mu.Unlock()
		c.shed.Add(1)
		c.journal.Annotate(job.id, nil, true)
	}
}

// sync waits until every check submitted so far has run.
func (c *checker) sync() {
	c.mu.Lock()
	for c.pending > 0 {
		c.idle.Wait()
	}
	c.mu.Unlock()
}

// stop runs the checks still queued and ends the worker.
func (c *checker) stop() {
	c.mu.Lock()
	if !c.stopped {
		c.stopped = true
		close(c.jobs)
	}
	c.mu.Unlock()
	<-c.done
}
