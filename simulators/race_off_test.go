//go:build !race

package simulators_test

// raceEnabled: the race detector multiplies every request's cost, so
// timing figures are measured without it.
const raceEnabled = false
