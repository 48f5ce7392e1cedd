package simulators

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"time"

	"github.com/mockauth/mockauth/simulators/internal/pipeline"
	"github.com/mockauth/mockauth/simulators/upstream"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// checkUpstreams refuses an upstream for a vendor the stack does not run,
// and makes what the proxies share: their transport, the recorder.
func (s *Stack) checkUpstreams(specs []vendor.Spec) error {
	if len(s.opts.Upstreams) == 0 {
		if s.opts.RecordDir != "" {
			return errors.New("simulators: recording needs an upstream (--upstream VENDOR=URL) to record")
		}
		return nil
	}
	for name := range s.opts.Upstreams {
		if !slices.ContainsFunc(specs, func(sp vendor.Spec) bool { return sp.Name == name }) {
			return fmt.Errorf("simulators: upstream for %q: no such vendor in this stack", name)
		}
	}
	tr, err := upstream.Transport(s.opts.UpstreamCA)
	if err != nil {
		return err
	}
	s.upstreamTransport, s.upstreamBudget = tr, upstream.NewBudget(upstream.DefaultBudget)
	if s.opts.RecordDir != "" {
		if s.recorder, err = upstream.NewRecorder(s.opts.RecordDir, s.opts.RecordKeepHosts, s.log); err != nil {
			return err
		}
	}
	return nil
}

// proxyTo puts a vendor in front of its real service at u; the fixture
// file declares stubs stubs (a recording says how many it leaves out).
func (s *Stack) proxyTo(spec vendor.Spec, u *url.URL, fx vendor.File, stubs int) *pipeline.Proxy {
	if s.recorder != nil {
		s.recorder.Vendor(spec.Name, fx.Data, spec.Fixtures.Data, []string{u.Host, u.Hostname()}, stubs)
	}
	s.log.Info("proxy mode: the real service answers", slog.String("vendor", spec.Name), slog.String("upstream", u.Redacted()))
	return &pipeline.Proxy{Handler: upstream.NewProxy(u, s.upstreamTransport, s.log), Drift: s.drift, Recorder: s.recorder,
		Budget: s.upstreamBudget, Hosts: s.allowedHosts(spec.Name)}
}

// flushRecording writes the recorded files every half second until the
// stack stops (Close writes them a last time).
func (s *Stack) flushRecording() {
	if s.recorder == nil {
		return
	}
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
			if err := s.recorder.Flush(); err != nil {
				s.log.Error("record", slog.Any("error", err))
			}
		}
	}
}

// Drift is how the real answers of proxied vendors differed from their
// contracts so far (empty without Options.Upstreams).
func (s *Stack) Drift() upstream.Report {
	s.Sync() // the checks of what was sent so far
	return s.drift.Report()
}
