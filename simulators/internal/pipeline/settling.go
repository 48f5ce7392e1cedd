package pipeline

import (
	"sync"
	"sync/atomic"
)

// settling counts the exchanges whose answer is on its way or sent and
// whose listeners still run, so a reader of the journal (Shared.Sync)
// waits for every exchange answered before it asked, and for no other:
// under a steady load it would never see none running. Two generations,
// swapped by each wait: an exchange counts in the current one; a wait
// starts a new generation and waits for the old one to empty. An
// exchange that took the old generation's number just as it was swapped
// moves to the new one (begin re-reads it), so the old one only empties.
type settling struct {
	gen     atomic.Uint64
	count   [2]atomic.Int64
	waiters atomic.Int32
	waiting sync.Mutex // one wait at a time, across its sleep: two would swap twice and wait on the generation in use
	mu      sync.Mutex // with empty, wakes a wait
	empty   *sync.Cond
}

func (s *settling) init() { s.empty = sync.NewCond(&s.mu) }

// begin counts an exchange in the current generation: the ticket ends it.
func (s *settling) begin() uint64 {
	for {
		g := s.gen.Load()
		s.count[g&1].Add(1)
		if s.gen.Load() == g {
			return g
		}
		s.end(g) // swapped meanwhile: count in the new generation
	}
}

// end ends an exchange begun with ticket g.
func (s *settling) end(g uint64) {
	if s.count[g&1].Add(-1) == 0 && s.waiters.Load() > 0 {
		s.mu.Lock()
		s.empty.Broadcast()
		s.mu.Unlock()
	}
}

// wait returns when every exchange begun before it has ended.
func (s *settling) wait() {
	s.waiting.Lock()
	defer s.waiting.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waiters.Add(1)
	defer s.waiters.Add(-1)
	old := s.gen.Add(1) - 1
	for s.count[old&1].Load() != 0 {
		s.empty.Wait()
	}
}
