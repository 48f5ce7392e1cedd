package journal

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

func TestJournal_RingKeepsNewest(t *testing.T) {
	j := New(3)
	for i := range 5 {
		j.Add(Entry{Vendor: "v", Method: "POST", Path: fmt.Sprintf("/p%d", i)})
	}
	got := j.List(Filter{}, 0)
	want := []string{"/p4", "/p3", "/p2"}
	if len(got) != len(want) {
		t.Fatalf("List len = %d, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Path != want[i] {
			t.Errorf("List[%d].Path = %q, want %q", i, got[i].Path, want[i])
		}
	}
	if got[0].ID != 5 {
		t.Errorf("newest ID = %d, want 5", got[0].ID)
	}
}

func TestJournal_FilterAndCount(t *testing.T) {
	j := New(10)
	j.Add(Entry{Vendor: "ucontact", Method: "POST", Path: "/a?token=x"})
	j.Add(Entry{Vendor: "ucontact", Method: "GET", Path: "/a"})
	j.Add(Entry{Vendor: "crmcom", Method: "POST", Path: "/b"})
	testCases := []struct {
		f    Filter
		want int
	}{
		{Filter{}, 3},
		{Filter{Vendor: "ucontact"}, 2},
		{Filter{Vendor: "ucontact", Method: "POST"}, 1},
		{Filter{Path: "/a"}, 2},
		{Filter{Vendor: "exotel"}, 0},
	}
	for _, tc := range testCases {
		if got := j.Count(tc.f); got != tc.want {
			t.Errorf("Count(%+v) = %d, want %d", tc.f, got, tc.want)
		}
	}
	if got := j.List(Filter{}, 2); len(got) != 2 {
		t.Errorf("List limit 2 gave %d entries", len(got))
	}
	j.Clear()
	if j.Len() != 0 || j.Count(Filter{}) != 0 {
		t.Errorf("after Clear: Len %d", j.Len())
	}
}

func TestJournal_ListReturnsCopies(t *testing.T) {
	j := New(2)
	j.Add(Entry{RequestHeaders: http.Header{"A": {"1"}}})
	j.List(Filter{}, 0)[0].RequestHeaders.Set("A", "changed")
	if got := j.List(Filter{}, 0)[0].RequestHeaders.Get("A"); got != "1" {
		t.Fatalf("journal internals changed through a List result: %q", got)
	}
}

func TestJournal_ConcurrentUse(t *testing.T) {
	j := New(50)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				j.Add(Entry{Vendor: fmt.Sprint(g), Path: fmt.Sprint(i)})
				_ = j.Count(Filter{Vendor: "1"})
			}
		})
	}
	wg.Wait()
	if j.Len() != 50 {
		t.Fatalf("Len = %d, want 50", j.Len())
	}
}

func TestJournal_Annotate(t *testing.T) {
	j := New(2)
	a := j.Add(Entry{Path: "/a"})
	j.Clear()
	b := j.Add(Entry{Path: "/b"})
	j.Annotate(b.ID, []string{"v"}, false)
	j.Annotate(a.ID, []string{"lost"}, false) // cleared: nothing to annotate
	c := j.Add(Entry{Path: "/c"})
	j.Add(Entry{Path: "/d"}) // overwrites b's slot
	j.Annotate(b.ID, []string{"late"}, false)
	j.Annotate(c.ID, nil, true)
	got := j.List(Filter{}, 0)
	if len(got) != 2 || got[0].Path != "/d" || got[1].Path != "/c" || !got[1].Unchecked || len(got[1].Violations) != 0 {
		t.Fatalf("entries = %+v", got)
	}
	if len(got[0].Violations) != 0 {
		t.Fatal("an annotation reached an entry that replaced its own")
	}
}

// The journal is bounded in bytes as well as entries: fat entries push out
// the oldest (issue 21, B1, B11).
func TestJournal_BoundedInBytes(t *testing.T) {
	j := New(1000)
	body := strings.Repeat("x", 64<<10)
	for range 1000 {
		e := j.Add(Entry{Vendor: "v", RequestBody: body, ResponseBody: body})
		j.Annotate(e.ID, []string{"a violation"}, false)
	}
	kept := j.Len()
	if want := MaxBytes / (128 << 10); kept > want || kept < want-2 {
		t.Fatalf("kept %d entries of 128 KiB, want about %d (MaxBytes)", kept, want)
	}
	list := j.List(Filter{}, 0)
	if len(list) != kept || list[0].ID != 1000 || list[len(list)-1].ID != uint64(1000-kept+1) {
		t.Fatalf("listed %d, newest %d, oldest %d", len(list), list[0].ID, list[len(list)-1].ID)
	}
	for range 2000 { // small entries again: the count bound rules
		j.Add(Entry{Vendor: "v"})
	}
	if j.Len() != 1000 {
		t.Fatalf("kept %d small entries, want 1000", j.Len())
	}
}

// A page is bounded in bytes and entries, newest first; After asks for
// what is new, Before pages back (issue 21, B11).
func TestJournal_Page(t *testing.T) {
	j := New(100)
	body := strings.Repeat("x", 10<<10)
	for range 50 {
		j.Add(Entry{Vendor: "v", RequestBody: body})
	}
	page, more := j.Page(Filter{}, 0, 100<<10)
	if len(page) != 9 || !more || page[0].ID != 50 || page[8].ID != 42 {
		t.Fatalf("a 100 KiB page: %d entries (more %v), %d..%d", len(page), more, page[0].ID, page[len(page)-1].ID)
	}
	next, _ := j.Page(Filter{Before: page[8].ID}, 0, 100<<10)
	if next[0].ID != 41 {
		t.Fatalf("the next page starts at %d, want 41", next[0].ID)
	}
	news, more := j.Page(Filter{After: 47}, 0, 100<<20)
	if len(news) != 3 || more || news[2].ID != 48 {
		t.Fatalf("after 47: %d entries, more %v", len(news), more)
	}
	one, more := j.Page(Filter{}, 0, 10)
	if len(one) != 1 || !more {
		t.Fatalf("a page smaller than an entry: %d entries, more %v; want the one entry", len(one), more)
	}
	if lim, more := j.Page(Filter{}, 5, 100<<20); len(lim) != 5 || !more {
		t.Fatalf("limit 5: %d, more %v", len(lim), more)
	}
}

// countingPending completes an entry with a fixed redacted body and counts
// its calls.
type countingPending struct {
	calls atomic.Int32
	size  int
}

func (p *countingPending) Complete(e *Entry) {
	p.calls.Add(1)
	e.RequestBody, e.RequestHeaders = "[redacted]", http.Header{"A": {"1"}}
}

func (p *countingPending) Size() int { return p.size }

// An entry's pending part is worked out when the entry is first read, once,
// and never reaches a reader unfinished; entries nobody reads are never
// worked out; the byte bound counts the pending part.
func TestJournal_PendingCompletedOnFirstRead(t *testing.T) {
	j := New(10)
	read := &countingPending{size: 100}
	e := j.AddPending(Entry{Vendor: "v", Path: "/p"}, read)
	if e.RequestBody != "" || read.calls.Load() != 0 {
		t.Fatalf("completed when added: %+v, %d calls", e, read.calls.Load())
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			got := j.List(Filter{}, 0)
			if len(got) != 1 || got[0].RequestBody != "[redacted]" {
				t.Errorf("a reader saw %+v", got)
			}
			got[0].RequestHeaders.Set("A", "changed by a reader")
		})
	}
	wg.Wait()
	if n := read.calls.Load(); n < 1 || n > 4 {
		t.Fatalf("Complete ran %d times for 4 concurrent readers", n)
	}
	before := read.calls.Load()
	if got := j.List(Filter{}, 0); got[0].RequestHeaders.Get("A") != "1" || read.calls.Load() != before {
		t.Fatalf("the kept entry: %+v, completed again: %t", got[0], read.calls.Load() != before)
	}
	never := &countingPending{size: MaxBytes / 2}
	for range 20 {
		j.AddPending(Entry{Vendor: "v"}, never)
	}
	if never.calls.Load() != 0 {
		t.Fatal("entries nobody read were completed")
	}
	if j.Len() > 2 {
		t.Fatalf("kept %d entries whose pending parts are half of MaxBytes each", j.Len())
	}
}
