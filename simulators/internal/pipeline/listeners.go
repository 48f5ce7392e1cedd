package pipeline

import (
	"log/slog"
	"slices"

	"github.com/mockauth/mockauth/simulators/journal"
)

// The listeners every pipeline has, in their order: the journal's (the
// entry is in the journal already, finish.go), the contract checker
// (which annotates that entry later), in proxy mode the upstream's
// (upstream.go), and the log line.

// journalListener works out the redacted parts of an entry that may not
// wait for its first reader: large ones (they would hold a body of up to
// 1 MiB), a real service's answer, or a fault's (not the pipeline's to
// keep).
type journalListener struct{ j *journal.Journal }

func (l journalListener) Finished(f *Finished) {
	if f.Whole {
		l.j.Complete(f.Entry.ID)
	}
}

// checkListener queues the contract check whose verdict is not known yet.
type checkListener struct{ c *checker }

func (l checkListener) Finished(f *Finished) {
	if f.job != nil {
		job := *f.job
		job.id = f.Entry.ID
		job.answers = slices.Clone(job.answers) // they are the exchange's, used again after it
		l.c.submit(job)
	}
}

// logListener writes the exchange's log line: every unusual one, and the
// plain ones sampled (loglines.go).
type logListener struct{ sh *Shared }

func (l logListener) Finished(f *Finished) {
	log, e := l.sh.log, &f.Entry
	ctx := f.x.r.Context()
	if !log.Enabled(ctx, slog.LevelInfo) {
		return
	}
	// A plain exchange: documented, answered by the vendor or a stub as
	// asked, nothing refused, broken or faulted. Only those are sampled.
	plain := e.Diagnosis == "" && e.Scenario == "" && len(e.Violations) == 0 && (e.Auth == "" || e.Auth == "ok") &&
		e.Outcome != journal.OutcomeRefused && e.Status < 500
	if plain && !l.sh.lines.allow(ctx, log, f.end) {
		return
	}
	var room [12]slog.Attr
	attrs := append(room[:0],
		slog.String("vendor", e.Vendor), slog.String("method", e.Method), slog.String("path", f.x.r.URL.Path),
		slog.String("endpoint", e.Endpoint), slog.Int("status", e.Status), slog.Duration("duration", f.end.Sub(f.x.start)),
		slog.Int("violations", len(e.Violations)),
	)
	if e.Diagnosis != "" {
		attrs = append(attrs, slog.String("diagnosis", e.Diagnosis))
	}
	if e.Auth != "" {
		attrs = append(attrs, slog.String("auth", e.Auth))
	}
	if e.Scenario != "" {
		attrs = append(attrs, slog.String("scenario", e.Scenario), slog.Int("rule", e.Rule), slog.String("fault", e.Fault))
	}
	// A record made here, not by Logger.Info: that one also walks the
	// stack for a source position no handler of ours prints.
	rec := slog.NewRecord(f.end, slog.LevelInfo, "request", 0)
	rec.AddAttrs(attrs...)
	_ = log.Handler().Handle(ctx, rec)
}
