package clienttests

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/onsi/ginkgo/v2/types"

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
// Each entry runs its own case when Ginkgo runs it, so the suite's
// filters (--focus, --skip, labels) choose what runs. A suite started with
// RunSuite in place of RunSpecs runs faster serially: it previews which
// entries the filters keep, and the first of them to run starts all of
// those cases, up to Concurrency at once; each entry then judges its own
// result (a suite takes about as long as its slowest cases, not their
// sum).
func DescribeConformance(vendor, endpoint string, client Client) bool {
	cases, err := Cases(vendor, endpoint)
	if err != nil {
		panic(err) // a typo in a suite's vendor or endpoint is the suite author's to see at once
	}
	container := fmt.Sprintf("%s %s conformance", vendor, endpoint)
	entries := make([]TableEntry, 0, len(cases))
	for _, c := range cases {
		text := fmt.Sprintf("%s (%s)", c.Name, c.Want)
		entries = append(entries, Entry(text, suiteCases.add(c, client, container+"\x00"+text)))
	}
	return Describe(container, func() {
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

// RunSuite is RunSpecs for a suite of DescribeConformance tables: in a
// serial run it first previews which specs the filters keep (Ginkgo's
// PreviewSpecs), so the cases of those, and only those, run together.
func RunSuite(t GinkgoTestingT, description string, args ...any) bool {
	if sc, _ := GinkgoConfiguration(); !sc.DryRun && sc.ParallelTotal <= 1 {
		suiteCases.plan(PreviewSpecs(description, args...))
	}
	return RunSpecs(t, description, args...)
}

// pendingCase is a registered case and, once run, its result.
type pendingCase struct {
	c      Case
	client Client
	key    string // its table's text and its entry's: how a preview names it
	run    sync.Once
	res    Result
}

func (j *pendingCase) do() {
	j.run.Do(func() {
		suiteCases.started.Add(1)
		j.res = Run(context.Background(), j.c, j.client)
	})
}

// caseBatch holds the cases every DescribeConformance of a process
// registered, and those a preview said will run, to run them together.
type caseBatch struct {
	mu      sync.Mutex // guards pending and planned
	pending []*pendingCase
	planned []*pendingCase // nil: no preview (each entry runs its own case)
	start   sync.Once
	started atomic.Int64 // cases run, for the suite's own test
}

var suiteCases caseBatch

func (b *caseBatch) add(c Case, client Client, key string) *pendingCase {
	j := &pendingCase{c: c, client: client, key: key}
	b.mu.Lock()
	b.pending = append(b.pending, j)
	b.mu.Unlock()
	return j
}

// plan keeps the cases whose specs a preview says will run.
func (b *caseBatch) plan(preview Report) {
	will := map[string]bool{}
	for _, s := range preview.SpecReports {
		if s.State == types.SpecStatePassed && len(s.ContainerHierarchyTexts) >= 2 {
			will[s.ContainerHierarchyTexts[len(s.ContainerHierarchyTexts)-2]+"\x00"+s.LeafNodeText] = true
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.planned = []*pendingCase{}
	for _, j := range b.pending {
		if will[j.key] {
			b.planned = append(b.planned, j)
		}
	}
}

// result runs j, with the planned batch in a serial run, and waits for it.
func (b *caseBatch) result(j *pendingCase) Result {
	b.mu.Lock()
	planned := b.planned
	b.mu.Unlock()
	if sc, _ := GinkgoConfiguration(); sc.ParallelTotal > 1 || planned == nil {
		j.do() // each process runs only its own specs; without a preview, each entry its own
		return j.res
	}
	b.start.Do(func() {
		all := planned
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
