// Package scenario is the vendor-neutral fault engine: scenarios.yaml
// loaded into typed rules, switched on and off at run time, and applied to
// every simulator's requests.
//
// Where it sits in a request:
//
//	pipeline: read body -> vendor.Describe (endpoint, user)
//	  -> Engine.Decide      the X-Mockauth-Scenario header's scenario, then the
//	                        fixture user's, then the active ones in file order;
//	                        the first rule whose match and when hold answers
//	  -> no rule: the vendor answers as usual
//	  -> a rule:  phase before (default): Fault.Serve answers; it may ask the
//	                        Exchange for the vendor's own answer (delay,
//	                        dribble, malformed-body) or documented error
//	                        (vendor-error), or never answer (timeout, reset)
//	              phase after: the vendor acts first (a token is minted), then
//	                        Fault.Serve loses or mangles the answer
//
// Every fault is one small type in its own file, registered by name (and
// WireMock's and Toxiproxy's names as aliases) with its parameters as a
// tagged struct; a file that names an unknown key, vendor, endpoint or fault
// is refused at load with its line, and a failed reload keeps the
// catalogue already loaded.
package scenario
