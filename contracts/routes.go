package contracts

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:generate go run ./internal/genroutes

// Route is a documented operation: its method, its path as the contract
// writes it (a {name} segment stands for any one segment), and its
// operationId.
type Route struct {
	Method, Path, OperationID string
}

// RoutesOf lists a loaded document's operations in the order its router
// tries paths (kin-openapi's InMatchingOrder), methods sorted.
func RoutesOf(doc *openapi3.T) []Route {
	var out []Route
	for _, p := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(p)
		ops := item.Operations()
		for _, m := range slices.Sorted(maps.Keys(ops)) {
			out = append(out, Route{Method: m, Path: p, OperationID: ops[m].OperationID})
		}
	}
	return out
}

// matchRoutes is the router's verdict from the index: the first path (in
// matching order) whose template matches the escaped path decides, and
// the method must be one of that path's.
func matchRoutes(routes []Route, method, escaped string) bool {
	matched := ""
	for _, rt := range routes {
		if matched != "" && rt.Path != matched {
			return false // the matching path has no operation of this method
		}
		if matched == "" && !templateMatches(rt.Path, escaped) {
			continue
		}
		matched = rt.Path
		if rt.Method == method {
			return true
		}
	}
	return false
}

// templateMatches is gorilla/mux's match of a path template without
// patterns: the same segments, literal ones equal, a {name} segment any
// non-empty text without a slash. The generator refuses templates with
// a variable inside a segment, which this does not read.
func templateMatches(template, path string) bool {
	for {
		ti, pi := strings.IndexByte(template, '/'), strings.IndexByte(path, '/')
		if (ti < 0) != (pi < 0) {
			return false
		}
		tseg, pseg := template, path
		if ti >= 0 {
			tseg, pseg = template[:ti], path[:pi]
		}
		if isVariable(tseg) {
			if pseg == "" {
				return false
			}
		} else if tseg != pseg {
			return false
		}
		if ti < 0 {
			return true
		}
		template, path = template[ti+1:], path[pi+1:]
	}
}

// isVariable reports whether a template segment is a whole {name}.
func isVariable(seg string) bool {
	return len(seg) >= 2 && seg[0] == '{' && seg[len(seg)-1] == '}' && !strings.ContainsAny(seg[1:len(seg)-1], "{}:")
}

// Operation finds an operation by its operationId: its method and path.
// A nil validator (no contract) has none.
func (v *Validator) Operation(id string) (method, path string, ok bool) {
	if v == nil {
		return "", "", false
	}
	routes := v.routes
	if routes == nil {
		if v.Load() != nil {
			return "", "", false
		}
		routes = RoutesOf(v.doc)
	}
	for _, rt := range routes {
		if rt.OperationID == id {
			return rt.Method, rt.Path, true
		}
	}
	return "", "", false
}

// CheckTemplate reports a path template the index cannot match as the
// router does: a variable inside a segment, or a pattern.
func CheckTemplate(path string) error {
	for _, seg := range strings.Split(path, "/") {
		if strings.ContainsAny(seg, "{}") && !isVariable(seg) {
			return fmt.Errorf("path %s: segment %q: the route index reads a {name} only as a whole segment", path, seg)
		}
	}
	return nil
}
