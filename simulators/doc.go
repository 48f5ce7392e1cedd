// Package simulators runs the fake vendor stack: one listener per vendor,
// each serving that vendor's simulator through a vendor-neutral pipeline,
// and an admin API beside them.
//
// One request, start to end:
//
//	listener (one per vendor)
//	  -> pipeline.ServeHTTP
//	       read the body (capped at 1 MiB: 413 beyond)
//	       vendor.Describe          which documented endpoint, which login
//	       contract request check   kin-openapi; --strict refuses a violation with 400
//	       vendor handler           fixtures, token store, simulated clock; answers into a buffer
//	       contract response check  every status must be in the contract
//	       send the answer
//	       journal                  redacted request and answer, violations
//
// Start gives a Go test the whole stack on OS-chosen ports; mockauth serve
// runs the same stack on the fixed ports of the design.
package simulators
