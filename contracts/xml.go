package contracts

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// kin-openapi cannot read XML bodies, so the package registers a decoder
// that turns a DataContract-style document into the value its schema
// describes: the root's child elements become the properties of an object,
// repeated children of an array property its items, and text becomes a
// string, integer, number or boolean as the schema's type says; an element
// with i:nil="true" is null. The schema then checks names and types.
// Element order is not a schema matter: tests compare the exact bytes.
func init() {
	openapi3filter.RegisterBodyDecoder("application/xml", xmlBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/xml", xmlBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/json", openapi3filter.JSONBodyDecoder)
}

// xmlNode is a parsed element.
type xmlNode struct {
	name     string
	text     string
	null     bool
	children []*xmlNode
}

func xmlBodyDecoder(body io.Reader, _ http.Header, schema *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
	data, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	root, err := parseXML(data)
	if err != nil {
		return nil, &openapi3filter.ParseError{Kind: openapi3filter.KindInvalidFormat, Cause: err}
	}
	return xmlValue(root, schema), nil
}

func parseXML(data []byte) (*xmlNode, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	var stack []*xmlNode
	var root *xmlNode
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("not well-formed XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &xmlNode{name: t.Name.Local}
			for _, a := range t.Attr {
				if a.Name.Local == "nil" && a.Value == "true" {
					n.null = true
				}
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else if root == nil {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			}
		}
	}
	if root == nil {
		return nil, fmt.Errorf("no root element")
	}
	return root, nil
}

// xmlValue converts a node as its schema says; without a usable schema it
// keeps objects for elements with children and strings for the rest.
func xmlValue(n *xmlNode, ref *openapi3.SchemaRef) any {
	if n.null {
		return nil
	}
	var s *openapi3.Schema
	if ref != nil {
		s = ref.Value
	}
	switch {
	case s != nil && s.Type.Is("array"):
		items := make([]any, 0, len(n.children))
		for _, c := range n.children {
			items = append(items, xmlValue(c, s.Items))
		}
		return items
	case (s != nil && s.Type.Is("object")) || (s == nil && len(n.children) > 0):
		obj := map[string]any{}
		for _, c := range n.children {
			var prop *openapi3.SchemaRef
			if s != nil {
				prop = s.Properties[c.name]
			}
			obj[c.name] = xmlValue(c, prop)
		}
		return obj
	}
	text := strings.TrimSpace(n.text)
	if s != nil {
		switch {
		case s.Type.Is("integer"):
			if v, err := strconv.ParseInt(text, 10, 64); err == nil {
				return v
			}
		case s.Type.Is("number"):
			if v, err := strconv.ParseFloat(text, 64); err == nil {
				return v
			}
		case s.Type.Is("boolean"):
			if v, err := strconv.ParseBool(text); err == nil {
				return v
			}
		}
	}
	return n.text
}
