package main

//go:generate go test -run ^TestReferencePages$ . -args -update

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mockauth/mockauth"
	"github.com/mockauth/mockauth/fixtures"
	"github.com/mockauth/mockauth/simulators"
	"github.com/mockauth/mockauth/simulators/admin"
	"github.com/mockauth/mockauth/simulators/scenario"
)

var update = flag.Bool("update", false, "write docs/reference from the code (make docs)")

// referenceDir is where the generated pages live, from this package.
const referenceDir = "../../docs/reference"

// The reference pages are generated from the code: the flags from the
// command tree, the scenarios from the embedded catalogue, the endpoints
// and settings from the vendors' specs and embedded fixtures. A page that
// differs from what the code makes fails here: `make docs` writes them.
func TestReferencePages(t *testing.T) {
	pages := map[string]func(io.Writer) error{
		"flags.md":     flagsPage,
		"scenarios.md": scenariosPage,
		"endpoints.md": endpointsPage,
		"admin.md":     adminPage,
	}
	for name, render := range pages {
		var buf bytes.Buffer
		if err := render(&buf); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		path := filepath.Join(referenceDir, name)
		if *update {
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		have, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(have, buf.Bytes()) {
			t.Errorf("docs/reference/%s is not what the code makes (run make docs): %v", name, firstDiff(have, buf.Bytes()))
		}
	}
}

func firstDiff(have, want []byte) string {
	h, w := strings.Split(string(have), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(h), len(w)) {
		var a, b string
		if i < len(h) {
			a = h[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b {
			return fmt.Sprintf("line %d: have %q, want %q", i+1, a, b)
		}
	}
	return "no difference"
}

const generated = "<!-- Generated from the code by `make docs`; a test fails when it is stale. Do not edit. -->\n\n"

// adminPage lists the admin API's calls.
func adminPage(w io.Writer) error {
	fmt.Fprint(w, generated+"# Admin API\n\n[Back to the README](../../README.md); how QA uses it: [Scenarios, the clock and the dashboard](../qa.md).\n\n")
	fmt.Fprint(w, "On the admin port (9300 by default). With an admin token (`--admin-token`), every call but the health ones needs "+
		"`Authorization: Bearer TOKEN`; a POST takes `Content-Type: application/json`. Errors are `{\"error\": \"…\"}` with their status.\n\n")
	fmt.Fprint(w, "| method | path | what |\n|---|---|---|\n")
	for _, rt := range admin.Routes() {
		fmt.Fprintf(w, "| %s | `%s%s` | %s |\n", rt.Method, admin.Prefix, rt.Path, strings.ReplaceAll(rt.Doc, "|", "\\|"))
	}
	fmt.Fprint(w, "| GET | `/` | the dashboard |\n")
	return nil
}

// flagsPage lists every command with its flags.
func flagsPage(w io.Writer) error {
	root := newRoot(io.Discard, io.Discard)
	fmt.Fprint(w, generated+"# Commands and flags\n\n[Back to the README](../../README.md).\n\n")
	fmt.Fprint(w, "Every `serve` flag can also be set as `MOCKAUTH_<FLAG>` (`--port-base`: `MOCKAUTH_PORT_BASE`); flags win. "+
		"The other commands find the stack from the same variables, or `--admin-url`.\n")
	var cmds []*cobra.Command
	var collect func(c *cobra.Command)
	collect = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if !sub.Hidden && sub.Name() != "help" {
				cmds = append(cmds, sub)
				collect(sub)
			}
		}
	}
	collect(root)
	for _, c := range cmds {
		fmt.Fprintf(w, "\n## %s\n\n%s.\n\n", c.CommandPath(), strings.TrimSuffix(c.Short, "."))
		fmt.Fprintf(w, "```text\n%s\n```\n", c.UseLine())
		var rows []string
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if f.Hidden || f.Name == "help" {
				return
			}
			def := f.DefValue
			if def == "" || def == "[]" || def == "false" {
				def = ""
			} else {
				def = "`" + def + "`"
			}
			name := "`--" + f.Name + "`"
			if f.Shorthand != "" {
				name = "`-" + f.Shorthand + "`, " + name
			}
			rows = append(rows, fmt.Sprintf("| %s | %s | %s |", name, def, strings.ReplaceAll(f.Usage, "|", "\\|")))
		})
		if len(rows) > 0 {
			fmt.Fprint(w, "\n| flag | default | what |\n|---|---|---|\n"+strings.Join(rows, "\n")+"\n")
		}
	}
	return nil
}

// scenariosPage lists the embedded catalogue and the fault types.
func scenariosPage(w io.Writer) error {
	cat, err := scenario.Load(mockauth.DefaultScenariosName, mockauth.DefaultScenarios, simulators.Vocabulary())
	if err != nil {
		return err
	}
	fmt.Fprint(w, generated+"# Scenarios\n\n[Back to the README](../../README.md); how to switch them: [Scenarios, the clock and the dashboard](../qa.md).\n\n")
	fmt.Fprintf(w, "The %d scenarios of the embedded `scenarios.yaml`. A `--scenarios FILE` adds its own.\n\n", len(cat.Scenarios))
	fmt.Fprint(w, "| scenario | what it does | rules (match → when → fault) |\n|---|---|---|\n")
	for _, sc := range cat.Scenarios {
		var rules []string
		for _, r := range sc.Rules {
			rules = append(rules, ruleText(r))
		}
		fmt.Fprintf(w, "| `%s` | %s | %s |\n", sc.Name, strings.ReplaceAll(sc.Description, "|", "\\|"), strings.Join(rules, "; "))
	}
	fmt.Fprint(w, "\n## Fault types\n\n")
	for _, ft := range scenario.FaultTypes() {
		fmt.Fprintf(w, "- `%s`\n", ft)
	}
	return nil
}

func ruleText(r *scenario.Rule) string {
	var match []string
	for _, kv := range [][2]string{{"vendor", r.Match.Vendor}, {"endpoint", r.Match.Endpoint}, {"method", r.Match.Method}, {"user", r.Match.User}} {
		if kv[1] != "" {
			match = append(match, kv[0]+" "+kv[1])
		}
	}
	if len(match) == 0 {
		match = []string{"every request"}
	}
	when := "always"
	switch w := r.When; {
	case w.First > 0:
		when = fmt.Sprintf("first %d", w.First)
	case w.After > 0:
		when = fmt.Sprintf("after %d", w.After)
	case len(w.Nth) > 0:
		when = fmt.Sprintf("nth %v", w.Nth)
	case w.Every > 0:
		when = fmt.Sprintf("every %d", w.Every)
	case w.Probability != nil:
		when = fmt.Sprintf("probability %g", *w.Probability)
	}
	fault := "`" + r.FaultType + "`"
	if r.After {
		fault += " (after the vendor's answer)"
	}
	return strings.Join(match, ", ") + " → " + when + " → " + fault
}

// endpointsPage lists each vendor's endpoints, its stubs of the calls
// after login, and its fixture settings as the embedded fixtures write
// them.
func endpointsPage(w io.Writer) error {
	fmt.Fprint(w, generated+"# Endpoints and fixture settings\n\n[Back to the README](../../README.md); what each answers in detail: [the vendors as simulated](../vendors.md).\n")
	for _, spec := range simulators.Specs() {
		fmt.Fprintf(w, "\n## %s (port %d)\n\n", spec.Name, simulators.DefaultPortBase+simulators.PortOffset(spec.Name))
		fmt.Fprint(w, "| method | path | operation | what |\n|---|---|---|---|\n")
		for _, e := range spec.Endpoints {
			fmt.Fprintf(w, "| %s | `%s` | %s | %s |\n", e.Method, e.Path, e.Name, strings.ReplaceAll(e.Doc, "|", "\\|"))
		}
		rows, err := simulators.Fidelity(spec)
		if err != nil {
			return err
		}
		var stubs []string
		for _, r := range rows {
			if name, ok := strings.CutPrefix(r.Operation, "stub "); ok {
				stubs = append(stubs, fmt.Sprintf("| %s | `%s` | %s |", r.Method, r.Path, name))
			}
		}
		if len(stubs) > 0 {
			fmt.Fprint(w, "\nStubs of the calls after login, in the embedded fixtures ([stubs](../stubs.md)):\n\n| method | path | stub |\n|---|---|---|\n"+strings.Join(stubs, "\n")+"\n")
		}
		_, data, err := fixtures.Default(spec.Name)
		if err != nil {
			return err
		}
		if settings := settingsBlock(string(data)); settings != "" {
			fmt.Fprintf(w, "\nFixture settings (`fixtures/%s.yaml`, with the choices each takes):\n\n```yaml\n%s```\n", spec.Name, settings)
		}
	}
	return nil
}

// settingsBlock is the settings: mapping of a fixture file, comments and
// all: up to the next top-level key.
func settingsBlock(file string) string {
	lines := strings.Split(file, "\n")
	start := slices.Index(lines, "settings:")
	if start < 0 {
		return ""
	}
	end := start + 1
	for end < len(lines) && (lines[end] == "" || strings.HasPrefix(lines[end], " ") || strings.HasPrefix(lines[end], "\t")) {
		end++
	}
	for end > start+1 && strings.TrimSpace(lines[end-1]) == "" {
		end--
	}
	return strings.Join(lines[start:end], "\n") + "\n"
}
