package upstream

import (
	"cmp"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
)

// MaxDriftKinds bounds the drift report; occurrences of kinds beyond it
// are counted in Dropped.
const MaxDriftKinds = 256

// maxExampleBody bounds the example body a kind keeps (already redacted).
const maxExampleBody = 2 << 10

// Example is one answer that showed a kind of drift, redacted.
type Example struct {
	Entry       uint64 `json:"entry"` // the journal entry
	Method      string `json:"method"`
	Path        string `json:"path"`
	Status      int    `json:"status"`
	ContentType string `json:"contentType,omitempty"`
	Body        string `json:"body,omitempty"`
}

// Kind is one way the real answers differ from the contract: a contract
// violation of an answer (which names the operation, the status and the
// rule, never a value), how often it was seen and its first example.
type Kind struct {
	Vendor   string    `json:"vendor"`
	Endpoint string    `json:"endpoint"`
	Kind     string    `json:"kind"`
	Count    int       `json:"count"`
	First    time.Time `json:"first"`
	Last     time.Time `json:"last"`
	Example  Example   `json:"example"`
}

// Report is the drift seen so far.
type Report struct {
	Kinds   []Kind `json:"kinds"`
	Dropped int    `json:"dropped,omitempty"` // occurrences of kinds past MaxDriftKinds
}

// Drift collects the report; safe for concurrent use.
type Drift struct {
	log *slog.Logger

	mu      sync.Mutex
	kinds   map[string]*Kind
	dropped int
}

// NewDrift returns an empty report that logs each kind once, when first seen.
func NewDrift(log *slog.Logger) *Drift { return &Drift{log: log, kinds: map[string]*Kind{}} }

// Add counts the violations of one real answer.
func (d *Drift) Add(vendor, endpoint string, violations []string, ex Example, now time.Time) {
	if len(ex.Body) > maxExampleBody {
		ex.Body = ex.Body[:maxExampleBody] + "…"
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, v := range violations {
		key := vendor + "\x00" + v
		k, ok := d.kinds[key]
		if !ok {
			if len(d.kinds) >= MaxDriftKinds {
				d.dropped++
				continue
			}
			k = &Kind{Vendor: vendor, Endpoint: endpoint, Kind: v, First: now, Example: ex}
			d.kinds[key] = k
			d.log.Warn("drift: the real answer breaks the contract", slog.String("vendor", vendor),
				slog.String("endpoint", endpoint), slog.String("kind", v), slog.Uint64("entry", ex.Entry))
		}
		k.Count++
		k.Last = now
	}
}

// Report returns the kinds by vendor, endpoint and kind.
func (d *Drift) Report() Report {
	d.mu.Lock()
	r := Report{Kinds: make([]Kind, 0, len(d.kinds)), Dropped: d.dropped}
	for _, k := range d.kinds {
		r.Kinds = append(r.Kinds, *k)
	}
	d.mu.Unlock()
	slices.SortFunc(r.Kinds, func(a, b Kind) int {
		return cmp.Or(cmp.Compare(a.Vendor, b.Vendor), cmp.Compare(a.Endpoint, b.Endpoint), cmp.Compare(a.Kind, b.Kind))
	})
	return r
}

// Reset forgets the drift seen.
func (d *Drift) Reset() {
	d.mu.Lock()
	d.kinds, d.dropped = map[string]*Kind{}, 0
	d.mu.Unlock()
}

// Markdown is the report as a Markdown section to paste into an issue of
// this project: a table of kinds, then each kind's example.
func (r Report) Markdown() string {
	var b strings.Builder
	b.WriteString("## Drift: real answers that differ from the contract\n\n")
	if len(r.Kinds) == 0 {
		b.WriteString("None seen.\n")
		return b.String()
	}
	b.WriteString("| vendor | endpoint | count | first seen | kind |\n|---|---|---|---|---|\n")
	for _, k := range r.Kinds {
		fmt.Fprintf(&b, "| %s | %s | %d | %s | %s |\n", k.Vendor, k.Endpoint, k.Count, k.First.UTC().Format(time.RFC3339), strings.ReplaceAll(k.Kind, "|", `\|`))
	}
	if r.Dropped > 0 {
		fmt.Fprintf(&b, "\n%d more occurrences of kinds past the first %d.\n", r.Dropped, MaxDriftKinds)
	}
	for i, k := range r.Kinds {
		ex := k.Example
		fmt.Fprintf(&b, "\n### %d. %s %s\n\n%s\n\nExample (journal entry %d, redacted): `%s %s` answered %d `%s`\n\n```\n%s\n```\n",
			i+1, k.Vendor, k.Endpoint, k.Kind, ex.Entry, ex.Method, ex.Path, ex.Status, ex.ContentType, strings.ReplaceAll(ex.Body, "```", "` ` `"))
	}
	return b.String()
}
