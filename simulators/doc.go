// Package simulators runs the fake vendor stack: one listener per
// registered vendor (registry.go), each serving that vendor's simulator
// through a vendor-neutral pipeline (pipeline.go), and an admin API beside
// them.
//
// One request, start to end, as pipeline.ServeHTTP takes it:
//
//	listener (one per vendor)
//	  -> read the body               capped at 1 MiB: 413 beyond (refused); past 64 KiB the
//	                                 rest is read, and the work done, at the heavy gate (heavy.go)
//	  -> vendor Describe             which documented endpoint, which login
//	  -> stubs (stubs.go)            a declared call after login: the vendor's Guard checks its
//	                                 credential (the verdict goes in the journal); the stub's
//	                                 template, or the vendor's refusal, answers below
//	  -> contract route              no documented operation nor stub: the vendor's own 404/405,
//	                                 the near misses in X-Mockauth-Diagnosis and the journal
//	  -> --strict only               contract request check; a violation: 400 (refused)
//	  -> scenario engine Decide      X-Mockauth-Scenario, the login's scenario, active scenarios;
//	                                 an unknown scenario header: 400 (refused)
//	  -> no fault:  vendor handler   fixtures, token store, simulated clock; answers into a
//	                                 buffer, which is sent. Proxy mode (proxy.go): the real
//	                                 service answers instead, through simulators/upstream
//	     a fault:   (phase: after: the vendor answers first) the fault answers, delays,
//	                                 mangles the vendor's answer or breaks the connection
//	  -> journal and log             request and answer (redacted when the entry is first read),
//	                                 outcome, scenario; the log line sampled at 100 a second
//	  -> contract check              of the vendor's answers, off the hot path (checker.go);
//	                                 its violations annotate the journal entry; a real
//	                                 service's are drift (GET /__admin/drift), and its answers
//	                                 are recorded as stubs with --record
//
// Start gives a Go test the whole stack on OS-chosen ports; mockauth serve
// runs the same stack on the fixed ports of the design. Close first drains
// keep-alive connections (Options.DrainWindow), then shuts down. An
// embedded contract loads when its vendor's traffic is first checked;
// until then requests are routed by the contract's operations, indexed at
// build time (contracts/routes_gen.go).
package simulators
