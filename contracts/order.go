package contracts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v3"
)

// Member order is no schema matter for kin-openapi (it keeps properties in
// a map), but it is for some clients: uContact's are seen splitting the
// answer's text on "},", and .NET's DataContractSerializer skips an element
// that comes after a later member. Where a contract's schema says
// x-member-order: documented, its properties are listed in the order the
// vendor's own samples show, and the answers of a real service (proxy
// mode) are held to it. Elsewhere the listing order is the contract
// writer's, and no order is checked: a report of drift that the vendor's
// documents do not back would mislead.

// propertyOrders maps each object schema of a contract marked
// x-member-order: documented to its properties in the document's order,
// walking the YAML beside the loaded document.
func propertyOrders(data []byte, doc *openapi3.T) map[*openapi3.Schema][]string {
	orders := map[*openapi3.Schema][]string{}
	var root yaml.Node
	if yaml.Unmarshal(data, &root) != nil || len(root.Content) == 0 {
		return orders
	}
	top := root.Content[0]
	var pair func(n *yaml.Node, ref *openapi3.SchemaRef, depth int)
	pair = func(n *yaml.Node, ref *openapi3.SchemaRef, depth int) {
		if n == nil || ref == nil || ref.Value == nil || n.Kind != yaml.MappingNode || depth > 32 || yamlValue(n, "$ref") != nil {
			return // a $ref's target is walked under components
		}
		s := ref.Value
		if props := yamlValue(n, "properties"); props != nil && props.Kind == yaml.MappingNode {
			var names []string
			for i := 0; i+1 < len(props.Content); i += 2 {
				name := props.Content[i].Value
				names = append(names, name)
				pair(props.Content[i+1], s.Properties[name], depth+1)
			}
			if mark := yamlValue(n, "x-member-order"); mark != nil && mark.Value == "documented" {
				orders[s] = names
			}
		}
		pair(yamlValue(n, "items"), s.Items, depth+1)
		for key, list := range map[string]openapi3.SchemaRefs{"oneOf": s.OneOf, "anyOf": s.AnyOf, "allOf": s.AllOf} {
			if seq := yamlValue(n, key); seq != nil && seq.Kind == yaml.SequenceNode {
				for i, item := range seq.Content {
					if i < len(list) {
						pair(item, list[i], depth+1)
					}
				}
			}
		}
	}
	content := func(n *yaml.Node, c openapi3.Content) {
		if n == nil || n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if mt := c.Get(n.Content[i].Value); mt != nil {
				pair(yamlValue(n.Content[i+1], "schema"), mt.Schema, 0)
			}
		}
	}
	response := func(n *yaml.Node, r *openapi3.ResponseRef) {
		if n != nil && r != nil && r.Value != nil && yamlValue(n, "$ref") == nil {
			content(yamlValue(n, "content"), r.Value.Content)
		}
	}
	if comps := yamlValue(top, "components"); comps != nil && doc.Components != nil {
		eachPair(yamlValue(comps, "schemas"), func(name string, n *yaml.Node) { pair(n, doc.Components.Schemas[name], 0) })
		eachPair(yamlValue(comps, "responses"), func(name string, n *yaml.Node) { response(n, doc.Components.Responses[name]) })
	}
	eachPair(yamlValue(top, "paths"), func(path string, item *yaml.Node) {
		pi := doc.Paths.Value(path)
		if pi == nil {
			return
		}
		eachPair(item, func(method string, opNode *yaml.Node) {
			op := pi.GetOperation(strings.ToUpper(method))
			if op == nil || op.Responses == nil {
				return
			}
			eachPair(yamlValue(opNode, "responses"), func(status string, n *yaml.Node) { response(n, op.Responses.Value(status)) })
		})
	})
	return orders
}

func yamlValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func eachPair(m *yaml.Node, f func(key string, v *yaml.Node)) {
	if m == nil || m.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		f(m.Content[i].Value, m.Content[i+1])
	}
}

// member is one member of a JSON object, in the answer's order.
type member struct {
	name  string
	value any
}

// object is a JSON object with its members in order.
type object []member

// decodeOrdered reads one JSON value, keeping the order of object members.
func decodeOrdered(dec *json.Decoder, depth int) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	if depth > 64 {
		return nil, fmt.Errorf("nested deeper than 64")
	}
	switch d {
	case '{':
		var o object
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := decodeOrdered(dec, depth+1)
			if err != nil {
				return nil, err
			}
			name, _ := k.(string)
			o = append(o, member{name, v})
		}
		_, err = dec.Token()
		return o, err
	case '[':
		var a []any
		for dec.More() {
			v, err := decodeOrdered(dec, depth+1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		_, err = dec.Token()
		return a, err
	}
	return nil, fmt.Errorf("unexpected %v", d)
}

// OrderDrift starts every line of ResponseOrder: the order of an answer's
// members is a kind of drift of its own, reported beside the schema's.
const OrderDrift = "member order: "

// maxOrderItems bounds how many items of an array are looked into.
const maxOrderItems = 16

// ResponseOrder compares the order of an answer's members (a JSON object's,
// an XML element's children) with the order the contract declares its
// properties in, for the members it documents; one line for each object
// out of order, naming names, never values. Nil when the request matched
// no operation, or the status or media type is not documented.
func (x *Exchange) ResponseOrder(status int, h http.Header, body []byte) []string {
	if x == nil || x.input == nil || x.input.Route.Operation == nil || x.input.Route.Operation.Responses == nil {
		return nil
	}
	resp := x.input.Route.Operation.Responses.Status(status)
	if resp == nil {
		resp = x.input.Route.Operation.Responses.Default()
	}
	if resp == nil || resp.Value == nil {
		return nil
	}
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	media := resp.Value.Content.Get(mt)
	if media == nil || media.Schema == nil {
		return nil
	}
	o := orderCheck{v: x.v, where: fmt.Sprintf("%s.yaml %s response %d", x.v.vendor, x.op, status)}
	switch {
	case strings.Contains(mt, "json"):
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		v, err := decodeOrdered(dec, 0)
		if err != nil && err != io.EOF {
			return nil
		}
		o.json(v, media.Schema, "", 0)
	case strings.Contains(mt, "xml"):
		root, err := parseXML(body)
		if err != nil || root == nil {
			return nil
		}
		o.xml(root, media.Schema, "", 0)
	}
	return o.out
}

type orderCheck struct {
	v     *Validator
	where string
	out   []string
}

// alternative is the schema of a oneOf/anyOf that documents the most of
// the given member names (the first on a tie), or s itself.
func (o *orderCheck) alternative(ref *openapi3.SchemaRef, names []string) *openapi3.SchemaRef {
	alts := append(slices.Clone(ref.Value.OneOf), ref.Value.AnyOf...)
	best, bestN := ref, -1
	for _, a := range alts {
		if a == nil || a.Value == nil {
			continue
		}
		n := 0
		for _, name := range names {
			if _, ok := a.Value.Properties[name]; ok {
				n++
			}
		}
		if n > bestN {
			best, bestN = a, n
		}
	}
	return best
}

// compare reports an object whose documented members come out of order.
func (o *orderCheck) compare(s *openapi3.Schema, names []string, path string) {
	o.v.ordersOnce.Do(func() { o.v.orders = propertyOrders(o.v.data, o.v.Doc()) })
	declared := o.v.orders[s]
	if len(declared) == 0 {
		return
	}
	var got []string
	for _, n := range names {
		if slices.Contains(declared, n) && (len(got) == 0 || got[len(got)-1] != n) {
			got = append(got, n)
		}
	}
	var want []string
	for _, n := range declared {
		if slices.Contains(got, n) {
			want = append(want, n)
		}
	}
	if !slices.Equal(got, want) {
		if path == "" {
			path = "/"
		}
		o.out = append(o.out, fmt.Sprintf(OrderDrift+"%s: members of %q in the order %s; documented: %s", o.where, path, strings.Join(got, ", "), strings.Join(want, ", ")))
	}
}

func (o *orderCheck) json(v any, ref *openapi3.SchemaRef, path string, depth int) {
	if ref == nil || ref.Value == nil || depth > 32 {
		return
	}
	switch t := v.(type) {
	case object:
		names := make([]string, len(t))
		for i, m := range t {
			names[i] = m.name
		}
		ref = o.alternative(ref, names)
		for _, part := range ref.Value.AllOf {
			o.json(v, part, path, depth+1)
		}
		o.compare(ref.Value, names, path)
		for _, m := range t {
			o.json(m.value, ref.Value.Properties[m.name], path+"/"+m.name, depth+1)
		}
	case []any:
		for i, item := range t[:min(len(t), maxOrderItems)] {
			o.json(item, ref.Value.Items, fmt.Sprintf("%s/%d", path, i), depth+1)
		}
	}
}

func (o *orderCheck) xml(n *xmlNode, ref *openapi3.SchemaRef, path string, depth int) {
	if ref == nil || ref.Value == nil || depth > 32 || len(n.children) == 0 {
		return
	}
	s := ref.Value
	if s.Type.Is("array") {
		for i, c := range n.children[:min(len(n.children), maxOrderItems)] {
			o.xml(c, s.Items, fmt.Sprintf("%s/%d", path, i), depth+1)
		}
		return
	}
	names := make([]string, len(n.children))
	for i, c := range n.children {
		names[i] = c.name
	}
	ref = o.alternative(ref, names)
	o.compare(ref.Value, names, path)
	for _, c := range n.children {
		o.xml(c, ref.Value.Properties[c.name], path+"/"+c.name, depth+1)
	}
}
