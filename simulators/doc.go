// Package simulators runs the fake vendor stack: one listener per
// registered vendor (registry.go), each serving that vendor's simulator
// through its request path (simulators/internal/pipeline: read, route,
// admit, answer, send, finish, then the listeners), and an admin API
// beside them (simulators/admin, adapted in admin.go).
//
// This package is the public face: Options, Stack (build, listen, serve,
// drain, close), Register/Specs, the errors and limits users match on.
// Start gives a Go test the whole stack on OS-chosen ports; mockauth serve
// runs the same stack on the fixed ports of the design. Close first drains
// keep-alive connections (Options.DrainWindow), then shuts down. An
// embedded contract loads when its vendor's traffic is first checked;
// until then requests are routed by the contract's operations, indexed at
// build time (contracts/routes_gen.go).
package simulators
