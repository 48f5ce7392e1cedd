package contracts

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// What a contract says each behaviour rests on: every operation, every
// response and the answers to requests no operation takes (x-no-route)
// carry exactly one of these extensions.
const (
	// ExtEvidence names the public source of a behaviour: a vendor page,
	// a wiki URL, a public client, a captured token.
	ExtEvidence = "x-evidence"
	// ExtReading says that nothing public documents a behaviour, why
	// mockauth answers as it does, and which fixture setting selects the
	// other known variants.
	ExtReading = "x-reading"
	// ExtNoRoute, at the top of a contract, holds the basis of the
	// vendor's answers to a request no documented operation takes.
	ExtNoRoute = "x-no-route"
)

// The kinds of basis.
const (
	KindEvidence = "evidence"
	KindReading  = "reading"
)

// NoRoute is the Operation of the basis of the no-route answers.
const NoRoute = "(no route)"

// Basis is what one behaviour of a vendor's contract rests on: a line of
// the fidelity table.
type Basis struct {
	Vendor    string `json:"vendor"`
	Operation string `json:"operation"`        // operationId, or NoRoute
	Method    string `json:"method,omitempty"` // "" for NoRoute
	Path      string `json:"path,omitempty"`
	Status    string `json:"status,omitempty"` // the response; "" for the operation as a whole
	Kind      string `json:"kind"`             // KindEvidence or KindReading
	Source    string `json:"source"`           // the evidence, or the reading and its alternatives
	line      int    // where it is said, for errors
	opLine    int    // where its operation is, for the document's order
}

// Fidelity reads the basis of every behaviour of a contract (file name
// and content), in the document's order. A behaviour with neither
// x-evidence nor x-reading, or with both, is an error naming its line;
// every such error is reported.
func Fidelity(vendor, name string, data []byte) ([]Basis, error) {
	loader := openapi3.NewLoader()
	loader.IncludeOrigin = true
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var out []Basis
	var errs []error
	add := func(b Basis, ext map[string]any, what string) {
		kind, source, err := basisOf(ext)
		if err != nil {
			at := name
			if b.line > 0 {
				at = fmt.Sprintf("%s:%d", name, b.line)
			}
			errs = append(errs, fmt.Errorf("%s: %s: %w", at, what, err))
			return
		}
		b.Vendor, b.Kind, b.Source = vendor, kind, source
		out = append(out, b)
	}
	noRoute, _ := doc.Extensions[ExtNoRoute].(map[string]any)
	add(Basis{Operation: NoRoute}, noRoute, "the answers to requests no operation takes ("+ExtNoRoute+")")
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			line := lineOf(op.Origin)
			add(Basis{Operation: op.OperationID, Method: method, Path: path, line: line, opLine: line}, op.Extensions, "operation "+op.OperationID)
			for status, ref := range op.Responses.Map() {
				what := fmt.Sprintf("operation %s, response %s", op.OperationID, status)
				if ref.Ref != "" {
					what += " (" + ref.Ref + ")"
				}
				b := Basis{Operation: op.OperationID, Method: method, Path: path, Status: status, line: line, opLine: line}
				if ref.Value == nil {
					errs = append(errs, fmt.Errorf("%s:%d: %s: unresolved", name, line, what))
					continue
				}
				if l := lineOf(ref.Value.Origin); l > 0 && ref.Ref == "" {
					b.line = l
				}
				add(b, ref.Value.Extensions, what)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].opLine != out[j].opLine {
			return out[i].opLine < out[j].opLine
		}
		return out[i].Status < out[j].Status
	})
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	return out, errors.Join(errs...)
}

func lineOf(o *openapi3.Origin) int {
	if o == nil || o.Key == nil {
		return 0
	}
	return o.Key.Line
}

// basisOf reads the one extension of a behaviour, its text on one line.
func basisOf(ext map[string]any) (kind, source string, err error) {
	evidence, hasEvidence := ext[ExtEvidence]
	reading, hasReading := ext[ExtReading]
	switch {
	case hasEvidence && hasReading:
		return "", "", fmt.Errorf("both %s and %s: say which it rests on", ExtEvidence, ExtReading)
	case hasEvidence:
		kind, source = KindEvidence, fmt.Sprint(evidence)
	case hasReading:
		kind, source = KindReading, fmt.Sprint(reading)
	default:
		return "", "", fmt.Errorf("neither %s nor %s", ExtEvidence, ExtReading)
	}
	source = strings.Join(strings.Fields(source), " ")
	if source == "" {
		return "", "", fmt.Errorf("an empty %s", "x-"+kind)
	}
	return kind, source, nil
}
