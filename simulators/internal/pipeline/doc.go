// Package pipeline is one vendor's request path, as named stages, each a
// short function in the file of its name:
//
//	read    (read.go)     URI within 8 KiB (414); in proxy mode, this machine's Host only (403);
//	                      the body within 1 MiB (413; unreadable: 400); past 64 KiB the rest is
//	                      read with room reserved and the work done at the heavy gate (heavy.go,
//	                      503 when none comes); Date on the simulated clock; the vendor's header
//	                      spelling; the call the vendor makes of it (Describe)
//	route   (route.go)    who answers: a stub the request is for (stubs.go; the vendor's check of
//	                      its credential journaled), a documented operation, or none: the
//	                      vendor's own 404/405 at once, the near misses in X-Mockauth-Diagnosis
//	admit   (admit.go)    --strict: a request that breaks its contract is refused (400); the
//	                      scenario engine's decision (an unknown scenario: 400)
//	answer  (answer.go)   the responder answers into a buffer; or a fault answers (fault):
//	                      delays, mangles or drops the responder's answer, breaks the connection
//	send    (send.go)     the buffered answer written with its length, and flushed
//	finish  (finish.go)   one journal entry, handed to the listeners in order
//
// Responders (responder.go, upstream.go) are who answers: the simulator
// (simulated), a stub (stubbed), or the real service in proxy mode
// (upstreamResponder). Faults ask the responder, through the exchange, so
// they work alike in all three; proxy mode costs a nil check when off.
//
// Listeners (listeners.go) run after the answer is flushed, in order:
// the journal (redacted when an entry is first read), the contract
// checker (checker.go: a verdict remembered by the exchange's bytes, or
// checked off the hot path; shed under load, counted in health), in proxy
// mode the upstream's drift report and recording, and the log line
// (sampled, loglines.go). Shared.Sync waits for the listeners and checks
// of every exchange answered before it (settling.go): readers of the
// journal see each exchange they caused.
//
// Where a change goes:
//
//   - a new fault kind: simulators/scenario (a Fault); it asks the
//     exchange (faultExchange) for the responder's answer or refusal.
//   - a new listener: a type with Finished(*Finished), added to New's list
//     (or Config.Listeners); it runs after the answer, so it never slows it.
//   - a new refusal: a stage returns x.settle(status, message, outcome);
//     its message is a Msg constant in read.go.
//   - a new answering mode: a responder (respond and refuse), chosen in
//     route.
//
// The stack (package simulators) builds one Shared and a Pipeline per
// vendor, and talks to them through methods: New, Prepare/Commit for an
// all-or-nothing fixture reload, PutStub/DeleteStub/Stubs.
package pipeline
