package simulators

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

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
	drift   *driftNote // proxy mode: the answers are the real service's
}

// verdictCacheSize bounds the checker's memory of verdicts.
const verdictCacheSize = 4096

// checker runs contract checks in the background and writes the
// violations into the journal entries; Sync waits for them.
type checker struct {
	journal *journal.Journal
	heavy   heavyGate // a check of a large body takes a place like a request
	jobs    chan checkJob
	shed    atomic.Int64

	mu      sync.Mutex // guards pending, stopped and sends on jobs
	idle    *sync.Cond // signalled when pending drops to zero
	pending int        // jobs queued or running
	queued  int        // bytes the pending jobs hold
	stopped bool       // jobs is closed: a late request (a hijacked connection's) is checked in place
	done    chan struct{}

	// verdicts remembers the check of an exchange by a hash of its bytes
	// (minted tokens masked): repeated traffic, a load test's, is checked
	// once, and the cache holds no request's bytes.
	vmu      sync.Mutex // guards verdicts: the worker and reset use it
	verdicts map[[sha256.Size]byte][]string
}

// reset forgets the remembered verdicts.
func (c *checker) reset() {
	c.vmu.Lock()
	c.verdicts = nil
	c.vmu.Unlock()
}

func newChecker(j *journal.Journal, heavy heavyGate) *checker {
	c := &checker{journal: j, heavy: heavy, jobs: make(chan checkJob, checkQueueSize), done: make(chan struct{})}
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
			c.heavy.enter(context.Background(), nil)
		}
		c.finish(job, c.cachedCheck(job))
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

// finish writes a check's violations into the journal (and, for a real
// answer, into the drift report).
func (c *checker) finish(job checkJob, violations []string) {
	c.journal.Annotate(job.id, violations, false)
	if job.drift != nil {
		job.drift.add(c.journal, violations, time.Now())
	}
}

// cachedCheck is check, remembered by the exchange's bytes.
func (c *checker) cachedCheck(job checkJob) []string {
	key := verdictKey(job)
	c.vmu.Lock()
	v, ok := c.verdicts[key]
	c.vmu.Unlock()
	if ok {
		return v
	}
	v = check(job)
	c.vmu.Lock()
	if c.verdicts == nil || len(c.verdicts) >= verdictCacheSize {
		c.verdicts = make(map[[sha256.Size]byte][]string)
	}
	c.verdicts[key] = v
	c.vmu.Unlock()
	return v
}

// verdictKey is everything a check reads: method, path, query, the
// headers that matter, the body, and each answer with its minted tokens
// masked (the first token of a shape was checked whole).
func verdictKey(job checkJob) [sha256.Size]byte {
	b := sha256.New()
	r := job.r
	auth, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	real := "simulated"
	if job.drift != nil {
		real = "upstream" // the order of its members is checked too
	}
	for _, part := range []string{real, job.v.Vendor(), r.Method, job.path, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type"), r.Header.Get("Accept"), auth} {
		_, _ = io.WriteString(b, part)
		_, _ = b.Write([]byte{0})
	}
	_, _ = b.Write(job.body)
	_, _ = b.Write([]byte{0})
	for _, a := range job.answers {
		body := string(a.body)
		for _, t := range job.minted {
			body = strings.ReplaceAll(body, t, "\x01")
		}
		fmt.Fprintf(b, "%d\x00%s\x00%s\x00%s\x00", a.status, a.header.Get("Content-Type"), a.header.Get("Www-Authenticate"), body)
	}
	return [sha256.Size]byte(b.Sum(nil))
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
		if job.drift != nil {
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
	case c.jobs <- job:
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
