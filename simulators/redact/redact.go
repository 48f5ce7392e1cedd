// Package redact removes secrets from what the journal and the logs keep:
// passwords, pass codes and tokens in headers, query strings and bodies
// (form, JSON, XML), and any token a simulator minted while answering.
//
// Well-formed bodies are redacted by structure, keeping every other byte as
// sent; a body that does not parse is scrubbed by pattern, so a broken JSON
// login still never stores its password.
package redact

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Mask replaces every secret value.
const Mask = "[redacted]"

// jwtPattern finds JSON Web Tokens anywhere in a body (an HTML page that
// shows one, a header echoed back): they are credentials wherever they are.
var jwtPattern = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+`)

// DefaultFields are field names whose values are secret in any vendor.
var DefaultFields = []string{
	"password", "pass_code", "authentication_code", "token", "md5secret", "secret",
	"access_token", "refresh_token", "client_secret", "adminToken",
}

var secretHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Api-Key", "X-Auth-Token"}

// Policy knows which field names are secret. The zero value redacts nothing
// but headers; use NewPolicy.
type Policy struct {
	fields  map[string]bool // lower-cased names
	pattern *regexp.Regexp  // fallback for bodies that do not parse
}

// NewPolicy returns a policy for DefaultFields plus extra names.
func NewPolicy(extra ...string) Policy {
	p := Policy{fields: map[string]bool{}}
	names := append(slices.Clone(DefaultFields), extra...)
	quoted := make([]string, 0, len(names))
	for _, n := range names {
		p.fields[strings.ToLower(n)] = true
		quoted = append(quoted, regexp.QuoteMeta(n))
	}
	// name, then a separator of JSON (": "), form (=) or XML (>), then the value.
	p.pattern = regexp.MustCompile(`(?i)((?:` + strings.Join(quoted, "|") + `)(?:"?\s*:\s*"?|=|>))([^"&<,}\s]*)`)
	return p
}

func (p Policy) secret(name string) bool { return p.fields[strings.ToLower(name)] }

// Headers returns a copy of h with credentials masked; the scheme word of an
// Authorization header is kept ("Basic [redacted]") because it helps debugging.
func (p Policy) Headers(h http.Header) http.Header {
	out := h.Clone()
	for _, name := range secretHeaders {
		vals := out.Values(name)
		for i, v := range vals {
			if scheme, _, ok := strings.Cut(v, " "); ok && (name == "Authorization" || name == "Proxy-Authorization") {
				vals[i] = scheme + " " + Mask
			} else {
				vals[i] = Mask
			}
		}
	}
	return out
}

// Query masks the values of secret keys in a raw query (or form) string,
// keeping the order and spelling of everything else.
func (p Policy) Query(raw string) string {
	if raw == "" {
		return raw
	}
	parts := strings.Split(raw, "&")
	for i, part := range parts {
		k, _, hasValue := strings.Cut(part, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if hasValue && p.secret(name) {
			parts[i] = k + "=" + Mask
		}
	}
	return strings.Join(parts, "&")
}

// Body returns body with secret fields masked, reading it as the content
// type says and, when that fails, as its first byte suggests.
func (p Policy) Body(contentType string, body []byte) string {
	if len(body) == 0 {
		return ""
	}
	out := p.body(contentType, body)
	if strings.Contains(out, "eyJ") {
		out = jwtPattern.ReplaceAllString(out, Mask)
	}
	return out
}

func (p Policy) body(contentType string, body []byte) string {
	mt, _, _ := mime.ParseMediaType(contentType)
	trimmed := bytes.TrimSpace(body)
	switch {
	case strings.Contains(mt, "json") || (len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[')):
		if out, ok := p.json(body); ok {
			return string(out)
		}
	case strings.Contains(mt, "xml") || (len(trimmed) > 0 && trimmed[0] == '<'):
		if out, ok := p.xml(body); ok {
			return string(out)
		}
	case mt == "application/x-www-form-urlencoded" || bytes.IndexByte(body, '=') > 0:
		return p.Query(string(body))
	}
	if !p.mentionsSecret(body) {
		return string(body)
	}
	return p.pattern.ReplaceAllString(string(body), "${1}"+Mask)
}

// mentionsSecret is a cheap look for a secret field's name before the
// fallback pattern runs: most bodies that do not parse name none.
func (p Policy) mentionsSecret(body []byte) bool {
	lower := bytes.ToLower(body)
	for name := range p.fields {
		if bytes.Contains(lower, []byte(name)) {
			return true
		}
	}
	return false
}

type span struct{ start, end int }

// replaceSpans writes body with each span replaced by with.
func replaceSpans(body []byte, spans []span, with string) []byte {
	var b bytes.Buffer
	last := 0
	for _, s := range spans {
		b.Write(body[last:s.start])
		b.WriteString(with)
		last = s.end
	}
	b.Write(body[last:])
	return b.Bytes()
}

// json masks scalar values of secret keys, walking the token stream so the
// rest of the document stays byte for byte.
func (p Policy) json(body []byte) ([]byte, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var (
		spans     []span
		inObject  []bool // container stack: true for an object
		expectKey bool
		secretVal bool
	)
	for {
		before := int(dec.InputOffset())
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{':
				inObject = append(inObject, true)
				expectKey = true
			case '[':
				inObject = append(inObject, false)
			default:
				inObject = inObject[:len(inObject)-1]
				expectKey = len(inObject) > 0 && inObject[len(inObject)-1]
			}
			secretVal = false
			continue
		}
		top := len(inObject) > 0 && inObject[len(inObject)-1]
		if top && expectKey {
			key, _ := tok.(string)
			secretVal, expectKey = p.secret(key), false
			continue
		}
		if secretVal {
			start := before
			for start < len(body) && strings.IndexByte(" \t\r\n:,", body[start]) >= 0 {
				start++
			}
			spans = append(spans, span{start, int(dec.InputOffset())})
		}
		secretVal = false
		expectKey = top
	}
	return replaceSpans(body, spans, `"`+Mask+`"`), true
}

// xml masks the text of elements with secret local names.
func (p Policy) xml(body []byte) ([]byte, bool) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = true
	var (
		spans []span
		stack []string
	)
	for {
		before := int(dec.InputOffset())
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, t.Name.Local)
		case xml.EndElement:
			if len(stack) == 0 {
				return nil, false
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 && p.secret(stack[len(stack)-1]) && len(bytes.TrimSpace(t)) > 0 {
				spans = append(spans, span{before, int(dec.InputOffset())})
			}
		}
	}
	return replaceSpans(body, spans, Mask), true
}

// Values replaces every occurrence of the given secret values in s. Values
// shorter than 8 bytes are left alone: they are not tokens, and masking them
// would blank out ordinary text.
func Values(s string, values []string) string {
	for _, v := range values {
		if len(v) >= 8 {
			s = strings.ReplaceAll(s, v, Mask)
		}
	}
	return s
}
