package scenario

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/mockauth/mockauth/simulators/yamlfile"
)

// Vocabulary names the vendors a file may match and their endpoints.
type Vocabulary map[string][]string

// Catalogue is a loaded scenarios file.
type Catalogue struct {
	File      string
	Scenarios []*Scenario // in file order

	indexOnce sync.Once
	byName    map[string]*Scenario
}

// Scenario is a named set of rules.
type Scenario struct {
	Name        string
	Description string
	Rules       []*Rule
	File        string // the file that defines it
	Line        int    // the line of its name there
}

// Rule says which requests a fault answers, and when.
type Rule struct {
	Match     Match
	When      When
	FaultType string // canonical name
	Fault     Fault
	After     bool // phase: after — the vendor acts before the fault
	Line      int
}

// Match selects requests; an empty field matches anything.
type Match struct {
	Vendor   string `yaml:"vendor" json:"vendor,omitempty"`
	Endpoint string `yaml:"endpoint" json:"endpoint,omitempty"`
	Method   string `yaml:"method" json:"method,omitempty"`
	User     string `yaml:"user" json:"user,omitempty"`
}

// When says which of the matching requests the fault answers, counting
// from the scenario's activation: always (the default), the first N, those
// after the first N, the nth ones, every Nth, or at random with a
// probability (repeatable with a seed).
type When struct {
	Always      bool     `yaml:"always" json:"always,omitempty"`
	First       int      `yaml:"first" json:"first,omitempty"`
	After       int      `yaml:"after" json:"after,omitempty"`
	Nth         []int    `yaml:"nth" json:"nth,omitempty"`
	Every       int      `yaml:"every" json:"every,omitempty"`
	Probability *float64 `yaml:"probability" json:"probability,omitempty"`
	Seed        *int64   `yaml:"seed" json:"seed,omitempty"`
}

// Find returns a scenario by name.
// A catalogue is read-only once loaded: its index by name is made on the
// first look-up (a request naming a scenario looks one up under the
// engine's lock: a 20,000-scenario file made that a scan).
func (c *Catalogue) Find(name string) *Scenario {
	c.indexOnce.Do(func() {
		c.byName = make(map[string]*Scenario, len(c.Scenarios))
		for _, s := range c.Scenarios {
			if _, dup := c.byName[s.Name]; !dup {
				c.byName[s.Name] = s
			}
		}
	})
	return c.byName[name]
}

// Names lists the scenario names in file order.
func (c *Catalogue) Names() []string {
	out := make([]string, len(c.Scenarios))
	for i, s := range c.Scenarios {
		out[i] = s.Name
	}
	return out
}

// file is the YAML layout, decoded strictly.
type file struct {
	// Scenarios is read entry by entry (rawScenario), in linear time.
	Scenarios yaml.Node `yaml:"scenarios"`
}

type rawScenario struct {
	Description string `yaml:"description"`
	Rules       []struct {
		Match Match     `yaml:"match"`
		When  When      `yaml:"when"`
		Fault yaml.Node `yaml:"fault"`
	} `yaml:"rules"`
}

// Load reads and checks a scenarios file whole: nothing of it is usable
// unless all of it is.
func Load(name string, data []byte, vocab Vocabulary) (*Catalogue, error) {
	var f file
	doc, err := yamlfile.Decode(name, data, &f)
	if err != nil {
		return nil, err
	}
	section := &f.Scenarios
	if section.Kind != yaml.MappingNode || len(section.Content) == 0 {
		return nil, doc.Errorf(doc.Line(), "no scenarios: the file needs a top-level scenarios mapping")
	}
	cat := &Catalogue{File: name}
	seen := make(map[string]int, len(section.Content)/2)
	for i := 0; i+1 < len(section.Content); i += 2 {
		key, node := section.Content[i], section.Content[i+1]
		vendors := []string{""}
		if strings.Contains(key.Value, VendorParameter) {
			// A shape: one scenario for each vendor, the parameter
			// replaced in its name, description and rules' match.vendor.
			if vendors = vendorNames(vocab); len(vendors) == 0 {
				return nil, doc.Errorf(key.Line, "scenario %q names %s, and there are no vendors to make it for", key.Value, VendorParameter)
			}
		}
		for _, v := range vendors {
			sname := strings.ReplaceAll(key.Value, VendorParameter, v)
			if first, dup := seen[sname]; dup {
				return nil, doc.Errorf(key.Line, "mapping key %q already defined at line %d", sname, first)
			}
			seen[sname] = key.Line
			sc, err := loadScenario(doc, key, node, sname, v, vocab)
			if err != nil {
				return nil, err
			}
			sc.File = name
			cat.Scenarios = append(cat.Scenarios, sc)
		}
	}
	return cat, nil
}

// VendorParameter in a scenario's name makes it a shape: the file holds
// it once, and the catalogue one scenario of it for each vendor (in
// name order), with the vendor's name in its place in the name, the
// description and the rules' match.vendor ("{vendor}-unavailable" is
// ucontact-unavailable, crmcom-unavailable, …).
const VendorParameter = "{vendor}"

// loadScenario reads one scenario of the file; vendor, for a shape, is
// the vendor it is made for.
func loadScenario(doc *yamlfile.Doc, key, node *yaml.Node, sname, vendor string, vocab Vocabulary) (*Scenario, error) {
	var raw rawScenario
	if err := doc.DecodeNodeStrict(node, &raw); err != nil {
		return nil, err
	}
	// Lines from the scenario's own node: linear in the file's size.
	at := func(p ...string) int { return yamlfile.LineFrom(node, p...) }
	if len(raw.Rules) == 0 {
		return nil, doc.Errorf(at(), "scenario %q has no rules", sname)
	}
	sc := &Scenario{Name: sname, Description: strings.ReplaceAll(raw.Description, VendorParameter, vendor), Line: key.Line}
	for i, rr := range raw.Rules {
		idx := strconv.Itoa(i)
		rule := &Rule{Match: rr.Match, When: rr.When, Line: at("rules", idx)}
		rule.Match.Method = strings.ToUpper(rule.Match.Method)
		rule.Match.Vendor = strings.ReplaceAll(rule.Match.Vendor, VendorParameter, vendor)
		if err := checkMatch(rule.Match, vocab); err != nil {
			return nil, doc.Errorf(at("rules", idx, "match", err.key), "%s", err.msg)
		}
		if err := checkWhen(rule.When); err != nil {
			return nil, doc.Errorf(at("rules", idx, "when"), "%v", err)
		}
		if err := buildFault(doc, &rr.Fault, rule); err != nil {
			return nil, err
		}
		sc.Rules = append(sc.Rules, rule)
	}
	return sc, nil
}

// Merge is one catalogue of the scenarios of each, in order: a user's
// file adds to the built-in catalogue. A name that two of them define is
// an error naming both places.
func Merge(cats ...*Catalogue) (*Catalogue, error) {
	out := &Catalogue{}
	var files []string
	where := map[string]*Scenario{}
	for _, c := range cats {
		files = append(files, c.File)
		for _, sc := range c.Scenarios {
			if first, dup := where[sc.Name]; dup {
				return nil, fmt.Errorf("%s:%d: scenario %q is defined at %s:%d already: rename one (mockauth serve --no-builtin-scenarios loads only your file)",
					sc.File, sc.Line, sc.Name, first.File, first.Line)
			}
			where[sc.Name] = sc
			out.Scenarios = append(out.Scenarios, sc)
		}
	}
	out.File = strings.Join(files, " + ")
	return out, nil
}

type keyError struct{ key, msg string }

func checkMatch(m Match, vocab Vocabulary) *keyError {
	if m.Vendor != "" {
		eps, ok := vocab[m.Vendor]
		if !ok {
			return &keyError{"vendor", fmt.Sprintf("unknown vendor %q (known: %s)", m.Vendor, strings.Join(vendorNames(vocab), ", "))}
		}
		if m.Endpoint != "" && !slices.Contains(eps, m.Endpoint) {
			return &keyError{"endpoint", fmt.Sprintf("vendor %s has no endpoint %q (its endpoints: %s)", m.Vendor, m.Endpoint, strings.Join(eps, ", "))}
		}
		return nil
	}
	if m.Endpoint != "" {
		for _, eps := range vocab {
			if slices.Contains(eps, m.Endpoint) {
				return nil
			}
		}
		return &keyError{"endpoint", fmt.Sprintf("no vendor has an endpoint %q", m.Endpoint)}
	}
	return nil
}

func vendorNames(vocab Vocabulary) []string {
	out := make([]string, 0, len(vocab))
	for v := range vocab {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

func checkWhen(w When) error {
	n := 0
	for _, set := range []bool{w.Always, w.First != 0, w.After != 0, len(w.Nth) > 0, w.Every != 0, w.Probability != nil} {
		if set {
			n++
		}
	}
	switch {
	case n > 1:
		return fmt.Errorf("when takes one of always, first, after, nth, every, probability")
	case w.First < 0 || w.After < 0 || w.Every < 0:
		return fmt.Errorf("first, after and every must be positive")
	case w.Probability != nil && (*w.Probability <= 0 || *w.Probability > 1):
		return fmt.Errorf("probability must be above 0 and at most 1")
	case w.Seed != nil && w.Probability == nil:
		return fmt.Errorf("seed goes with probability")
	}
	for _, k := range w.Nth {
		if k < 1 {
			return fmt.Errorf("nth counts from 1")
		}
	}
	return nil
}

// buildFault reads a fault mapping: its type (or alias), its phase, and the
// type's own parameters, each unknown key refused at its line.
func buildFault(doc *yamlfile.Doc, n *yaml.Node, rule *Rule) error {
	if n.Kind != yaml.MappingNode {
		return doc.Errorf(max(n.Line, rule.Line), "fault must be a mapping with a type")
	}
	params := &yaml.Node{Kind: yaml.MappingNode, Line: n.Line, Column: n.Column}
	var typ string
	typeLine := n.Line
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "type":
			typ, typeLine = v.Value, k.Line
		case "phase":
			switch v.Value {
			case "before":
			case "after":
				rule.After = true
			default:
				return doc.Errorf(k.Line, "phase must be before or after, not %q", v.Value)
			}
		default:
			params.Content = append(params.Content, k, v)
		}
	}
	if typ == "" {
		return doc.Errorf(n.Line, "fault has no type (known: %s)", knownFaults())
	}
	name, ok := canonical(typ)
	if !ok {
		return doc.Errorf(typeLine, "unknown fault type %q (known: %s)", typ, knownFaults())
	}
	var decodeErr error
	f, err := faults[name](func(p any) error {
		allowed := yamlKeys(p)
		for i := 0; i+1 < len(params.Content); i += 2 {
			if k := params.Content[i]; !allowed[k.Value] {
				decodeErr = doc.Errorf(k.Line, "fault %s has no parameter %q (its parameters: %s)", name, k.Value, strings.Join(sortedKeys(allowed), ", "))
				return decodeErr
			}
		}
		if len(params.Content) == 0 {
			return nil
		}
		decodeErr = doc.DecodeNode(params, p)
		return decodeErr
	})
	switch {
	case decodeErr != nil:
		return decodeErr
	case err != nil:
		return doc.Errorf(typeLine, "fault %s: %v", name, err)
	}
	rule.FaultType, rule.Fault = name, f
	return nil
}

// yamlKeys lists the yaml keys of a params struct.
func yamlKeys(p any) map[string]bool {
	out := map[string]bool{}
	t := reflect.TypeOf(p)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return out
	}
	for i := range t.NumField() {
		if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); tag != "" && tag != "-" {
			out[tag] = true
		}
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	if len(out) == 0 {
		return []string{"none"}
	}
	return out
}
