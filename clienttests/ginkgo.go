package clienttests

import (
	"context"
	"fmt"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2" //nolint:revive // Ginkgo's DSL reads as prose
	. "github.com/onsi/gomega"    //nolint:revive
)

// DescribeConformance registers, in the caller's Ginkgo suite, a table of
// every case of a vendor endpoint for a client: each entry starts a fresh
// in-process stack and judges what the client does. Use it to run your own
// Go client through the same specs as the reference clients:
//
//	var _ = clienttests.DescribeConformance("ucontact", "getUserToken", myClient)
//
// The cases share nothing, so in a serial run (go test, or ginkgo without
// -p) the first entry to run starts every registered case, up to
// Concurrency at once, and each entry then judges its own result: a suite
// takes about as long as its slowest cases, not their sum. Under ginkgo -p
// each entry runs its own case.
func DescribeConformance(vendor, endpoint string, client Client) bool {
	cases, err := Cases(vendor, endpoint)
	if err != nil {
		panic(err) // a typo in a suite's vendor or endpoint is the suite author's to see at once
	}
	entries := make([]TableEntry, 0, len(cases))
	for _, c := range cases {
		entries = append(entries, Entry(fmt.Sprintf("%s (%s)", c.Name, c.Want), suiteCases.add(c, client)))
	}
	return Describe(fmt.Sprintf("%s %s conformance", vendor, endpoint), func() {
		DescribeTable("case",
			func(j *pendingCase) {
				res := suiteCases.result(j)
				GinkgoWriter.Printf("%s: %d requests in %v\n", j.c.Name, res.Requests, res.Elapsed)
				Expect(res.Passed).To(BeTrue(), "%s %s %q: %s", j.c.Vendor, j.c.Endpoint, j.c.Name, res.Reason)
			},
			entries,
		)
	})
}

// pendingCase is a registered case and, once run, its result.
type pendingCase struct {
	c      Case
	client Client
	run    sync.Once
	res    Result
}

func (j *pendingCase) do() { j.run.Do(func() { j.res = Run(context.Background(), j.c, j.client) }) }

// caseBatch holds the cases every DescribeConformance of a process
// registered, to run them together.
type caseBatch struct {
	mu      sync.Mutex // guards pending
	pending []*pendingCase
	start   sync.Once
}

var suiteCases caseBatch

func (b *caseBatch) add(c Case, client Client) *pendingCase {
	j := &pendingCase{c: c, client: client}
	b.mu.Lock()
	b.pending = append(b.pending, j)
	b.mu.Unlock()
	return j
}

// result runs j, with the whole batch in a serial run, and waits for it.
func (b *caseBatch) result(j *pendingCase) Result {
	if sc, _ := GinkgoConfiguration(); sc.ParallelTotal > 1 {
		j.do() // each process runs only its own specs
		return j.res
	}
	b.start.Do(func() {
		b.mu.Lock()
		all := append([]*pendingCase(nil), b.pending...)
		b.mu.Unlock()
		slots := make(chan struct{}, Concurrency)
		for _, p := range all {
			go func() {
				slots <- struct{}{}
				defer func() { <-slots }()
				p.do()
			}()
		}
	})
	finished := make(chan struct{})
	go func() { j.do(); close(finished) }() // waits on the batch's run of j, or runs it
	select {
	case <-finished:
	case <-time.After(2 * time.Minute):
		Fail(fmt.Sprintf("%s %s %q: no verdict within 2 minutes", j.c.Vendor, j.c.Endpoint, j.c.Name))
	}
	return j.res
}
