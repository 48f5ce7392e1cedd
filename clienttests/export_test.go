package clienttests

// StartedCases is how many conformance cases this process has run.
func StartedCases() int64 { return suiteCases.started.Load() }
