// Package mockauth holds the project's root-level data: the default
// scenario catalogue, embedded so the binary runs from a fresh clone.
package mockauth

import _ "embed"

// DefaultScenarios is scenarios.yaml, the catalogue mockauth serve loads
// when no --scenarios file is given.
//
//go:embed scenarios.yaml
var DefaultScenarios []byte

// DefaultScenariosName is the name errors in DefaultScenarios are reported under.
const DefaultScenariosName = "scenarios.yaml"
