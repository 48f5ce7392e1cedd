package scenario

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Fault is one way of answering a request badly.
type Fault interface {
	// Serve answers the request in the fault's way and returns a short
	// note for the journal of what the client was given.
	Serve(w http.ResponseWriter, r *http.Request, x Exchange) string
}

// expiringFault is a Fault that makes the vendor mint tokens already
// expired (token-expired).
type expiringFault interface {
	MintsExpired() bool
}

// Exchange is what a fault may ask of the request it answers.
type Exchange interface {
	// Answer runs the vendor (once) and returns its answer.
	Answer() Answer
	// VendorError returns the vendor's documented error for the endpoint.
	VendorError() Answer
	// Done is closed when the stack shuts down: faults that wait stop.
	Done() <-chan struct{}
	// Rand is the rule's random source (seeded when the rule has a seed).
	Rand() *Rand
	// AdvanceClock moves the stack's simulated clock forward.
	AdvanceClock(d time.Duration) error
	// EndSessions ends every token of the request's login.
	EndSessions() (int, error)
	// RestartVendor makes the vendor forget every token, as a restart does.
	RestartVendor()
}

// Answer is a buffered HTTP answer.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// Write sends an answer.
func (a Answer) Write(w http.ResponseWriter) {
	writeHead(w, a.Status, a.Header, len(a.Body))
	_, _ = w.Write(a.Body)
}

func writeHead(w http.ResponseWriter, status int, h http.Header, length int) {
	dst := w.Header()
	for k, v := range h {
		dst[k] = append([]string(nil), v...)
	}
	dst.Set("Content-Length", fmt.Sprint(length))
	w.WriteHeader(status)
}

// Rand is a random source safe for concurrent use.
type Rand struct {
	mu sync.Mutex // guards r
	r  *rand.Rand
}

// NewRand returns a source with the given seed, or a random one when seed is nil.
func NewRand(seed *int64) *Rand {
	var s uint64
	if seed != nil {
		s = uint64(*seed)
	} else {
		s = rand.Uint64()
	}
	return &Rand{r: rand.New(rand.NewPCG(s, s^0x9e3779b97f4a7c15))}
}

// Float64 returns a number in [0, 1).
func (r *Rand) Float64() float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.r.Float64()
}

// NormFloat64 returns a standard normal number.
func (r *Rand) NormFloat64() float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.r.NormFloat64()
}

// Read fills p with random bytes.
func (r *Rand) Read(p []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range p {
		p[i] = byte(r.r.Uint32())
	}
}

// factory builds a fault from its parameters; decode fills a params struct
// strictly from the fault's YAML mapping (the type key excluded).
type factory func(decode func(params any) error) (Fault, error)

var (
	faults  = map[string]factory{} // canonical name -> factory
	aliases = map[string]string{}  // alias -> canonical name
)

// register adds a fault type under its name and aliases. Each fault's file
// registers itself in init.
func register(name string, f factory, alias ...string) {
	faults[name] = f
	for _, a := range alias {
		aliases[a] = name
	}
}

// canonical resolves a fault name or alias.
func canonical(name string) (string, bool) {
	if _, ok := faults[name]; ok {
		return name, true
	}
	if c, ok := aliases[name]; ok {
		return c, true
	}
	return "", false
}

// FaultTypes lists the canonical fault names, sorted.
func FaultTypes() []string {
	out := make([]string, 0, len(faults))
	for n := range faults {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func knownFaults() string {
	var names []string
	for a := range aliases {
		names = append(names, a)
	}
	sort.Strings(names)
	return strings.Join(FaultTypes(), ", ") + " (aliases: " + strings.Join(names, ", ") + ")"
}
