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
	"fmt"
	"io"
	"mime"
	"mime/multipart"
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
	"password", "pass_code", "passcode", "authentication_code", "token", "md5secret", "secret",
	"access_token", "refresh_token", "client_secret", "adminToken", "one_time_password",
	"securityCode", "security_code", "apiToken", "api_token", "api_key", "apiKey", "otp", "pin",
	// Session ids and credentials under the names real services give them
	// (issue 31, N1): a real tenant answers with these in proxy mode.
	"session", "sessionid", "session_id", "sessionKey", "session_key", "sid", "jsessionid", "key", "bearer",
	"authorization", "pwd", "pass", "credential", "credentials", "rejectedValue",
}

// secretParts make any field or header name that holds one secret
// (newPassword, X-Password, user_secret): spellings no list foresees.
var secretParts = []string{"password", "passwd", "secret", "passcode", "pass_code", "securitycode", "security_code", "session"}

var secretHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Api-Key", "X-Auth-Token"}

// secretHeader reports whether a header carries a credential: a known
// one, or a name with a secret part or "token" or "key" in it.
func secretHeader(name string) bool {
	lower := strings.ToLower(name)
	if slices.ContainsFunc(secretHeaders, func(h string) bool { return strings.EqualFold(h, name) }) {
		return true
	}
	if strings.Contains(lower, "token") || strings.HasSuffix(lower, "-key") || strings.Contains(lower, "api-key") ||
		strings.Contains(lower, "session") || strings.HasSuffix(lower, "-sid") {
		return true
	}
	return slices.ContainsFunc(secretParts, func(p string) bool { return strings.Contains(lower, p) })
}

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
	// name, then a separator of JSON (": ", single quotes too), form (=)
	// or XML (>), then the value: quoted whole (a space or a comma in a
	// password), or up to the next delimiter.
	p.pattern = regexp.MustCompile(`(?i)((?:` + strings.Join(quoted, "|") + `)(?:["']?\s*:\s*|=|>))(?:(")([^"]*)|(')([^']*)|([^"'&<,}\s]*))`)
	return p
}

// Secret reports whether a field or header name holds a secret.
func (p Policy) Secret(name string) bool { return p.secret(name) }

func (p Policy) secret(name string) bool {
	lower := strings.ToLower(name)
	return p.fields[lower] || slices.ContainsFunc(secretParts, func(s string) bool { return strings.Contains(lower, s) })
}

// urlHeaders hold a URL whose query may carry a session id
// (Location: …?sid=…): its secret parameters are masked.
var urlHeaders = []string{"Location", "Content-Location", "Refresh", "Link"}

// Headers returns a copy of h with credentials masked; the scheme word of an
// Authorization header is kept ("Basic [redacted]") because it helps debugging.
func (p Policy) Headers(h http.Header) http.Header {
	out := h.Clone()
	for name, vals := range out {
		if slices.ContainsFunc(urlHeaders, func(u string) bool { return strings.EqualFold(u, name) }) {
			for i, v := range vals {
				if q := strings.IndexByte(v, '?'); q >= 0 {
					vals[i] = v[:q+1] + p.Query(v[q+1:])
				}
			}
			continue
		}
		if !secretHeader(name) && !p.secret(name) {
			continue
		}
		authz := strings.EqualFold(name, "Authorization") || strings.EqualFold(name, "Proxy-Authorization")
		for i, v := range vals {
			if scheme, _, ok := strings.Cut(v, " "); ok && authz {
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
	return p.rewritePairs(raw, func(k, _ string) string { return k + "=" + Mask })
}

// rewritePairs rewrites the pairs of a raw query (or form) whose key is
// secret, with what with returns for the raw key and the decoded value;
// pairs end at & or at ; (which some servers still take as one).
func (p Policy) rewritePairs(raw string, with func(key, value string) string) string {
	if raw == "" {
		return raw
	}
	var b strings.Builder
	for raw != "" {
		end := strings.IndexAny(raw, "&;")
		part, sep := raw, ""
		if end >= 0 {
			part, sep, raw = raw[:end], raw[end:end+1], raw[end+1:]
		} else {
			raw = ""
		}
		k, v, hasValue := strings.Cut(part, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if hasValue && p.secret(strings.TrimSuffix(name, "[]")) {
			value, err := url.QueryUnescape(v)
			if err != nil {
				value = v
			}
			part = with(k, value)
		}
		b.WriteString(part)
		b.WriteString(sep)
	}
	return b.String()
}

// Body returns body with secret fields masked, reading it as the content
// type says and, when that fails, as its first byte suggests.
func (p Policy) Body(contentType string, body []byte) string {
	if len(body) == 0 {
		return ""
	}
	return finish(p.body(contentType, body, false))
}

// BodyPrefix is Body for a reader who sees only the first n bytes of body
// (the journal keeps that much), with work bounded by n however long body
// is: a value the cut goes through, or a part of the document that no
// longer parses once cut, is masked from where it starts.
func (p Policy) BodyPrefix(contentType string, body []byte, n int) string {
	if len(body) <= n {
		return p.Body(contentType, body)
	}
	return finish(p.body(contentType, body[:n], true))
}

// finish masks what looks like a JSON Web Token wherever it is.
func finish(out string) string {
	if strings.Contains(out, "eyJ") {
		out = jwtPattern.ReplaceAllString(out, Mask)
	}
	return out
}

// Kinds of bodies redaction reads by structure.
const (
	kindOther = iota
	kindMultipart
	kindJSON
	kindXML
	kindForm
)

// kindOf reads a body as its content type says and, failing that, as its
// first byte suggests.
func kindOf(mt string, params map[string]string, body []byte) int {
	trimmed := bytes.TrimSpace(body)
	switch {
	case strings.HasPrefix(mt, "multipart/") && params["boundary"] != "":
		return kindMultipart
	case strings.Contains(mt, "json") || (len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[')):
		return kindJSON
	case strings.Contains(mt, "xml") || (len(trimmed) > 0 && trimmed[0] == '<'):
		return kindXML
	case mt == "application/x-www-form-urlencoded" || bytes.IndexByte(body, '=') > 0:
		return kindForm
	}
	return kindOther
}

// body redacts by the content type; cut says body is a prefix, whose
// unfinished last part is masked rather than read as broken.
func (p Policy) body(contentType string, body []byte, cut bool) string {
	mt, params, _ := mime.ParseMediaType(contentType)
	if bytes.Contains(body, []byte("<!")) {
		// A DOCTYPE's entities can hold a secret that elements only name
		// (&p;): the internal subset goes, whatever the rest is.
		body = doctypeSubset.ReplaceAll(body, []byte("["+Mask+"]"))
	}
	switch kindOf(mt, params, body) {
	case kindMultipart:
		if out, ok := p.multipart(body, params["boundary"], cut); ok {
			return out
		}
	case kindJSON:
		if out, ok := p.json(body, cut); ok {
			return string(out)
		}
	case kindXML:
		if out, ok := p.xml(body, cut); ok {
			return string(out)
		}
	case kindForm:
		return p.Query(string(body))
	}
	if kindOf("", nil, body) == kindForm {
		return p.Query(string(body)) // a form under another label (a comma in a password stays inside its value)
	}
	if !p.mentionsSecret(body) {
		return string(body)
	}
	return p.pattern.ReplaceAllString(string(body), "${1}${2}${4}"+Mask) // the opening quote kept
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

// doctypeSubset is a DOCTYPE's internal subset, where entities are defined.
var doctypeSubset = regexp.MustCompile(`(?s)\[\s*<!.*?\]\s*>`)

// multipart rebuilds a multipart body with the content of secret parts
// masked (a part is secret by its form name); other parts are kept.
func (p Policy) multipart(body []byte, boundary string, cut bool) (string, bool) {
	r := multipart.NewReader(bytes.NewReader(body), boundary)
	var b strings.Builder
	for {
		part, err := r.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil && cut {
			b.WriteString(Mask)
			return b.String(), true
		}
		if err != nil {
			return "", false
		}
		content, err := io.ReadAll(io.LimitReader(part, int64(len(body))))
		if err != nil && cut {
			fmt.Fprintf(&b, "--%s\r\n%s", boundary, Mask)
			return b.String(), true
		}
		if err != nil {
			return "", false
		}
		fmt.Fprintf(&b, "--%s\r\n", boundary)
		for k, vs := range part.Header {
			for _, v := range vs {
				fmt.Fprintf(&b, "%s: %s\r\n", k, v)
			}
		}
		b.WriteString("\r\n")
		if p.secret(part.FormName()) {
			b.WriteString(Mask)
		} else {
			b.WriteString(p.body(part.Header.Get("Content-Type"), content, false))
		}
		b.WriteString("\r\n")
	}
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.String(), true
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
func (p Policy) json(body []byte, cut bool) ([]byte, bool) {
	spans, tail, ok := p.jsonSpans(body, cut)
	if !ok {
		return nil, false
	}
	if tail >= 0 {
		return append(replaceSpans(body[:tail], spans, `"`+Mask+`"`), Mask...), true
	}
	return replaceSpans(body, spans, `"`+Mask+`"`), true
}

// jsonSpans finds the secret values of a JSON document; tail >= 0 is where
// a cut document stops parsing (the rest is masked).
func (p Policy) jsonSpans(body []byte, cut bool) (spans []span, tail int, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var (
		inObject    []bool // container stack: true for an object
		expectKey   bool
		secretVal   bool
		secretStart = -1 // offset of a container under a secret key, masked whole
		secretDepth int
	)
	for {
		before := int(dec.InputOffset())
		tok, err := dec.Token()
		if err == io.EOF {
			if cut && secretStart >= 0 {
				spans = append(spans, span{secretStart, len(body)}) // cut inside a secret container
			}
			break
		}
		if err != nil && cut {
			// The rest, from the token (or the secret container) the cut
			// went through.
			if secretStart >= 0 {
				before = secretStart
			}
			return spans, before, true
		}
		if err != nil {
			return nil, -1, false
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				if secretVal && secretStart < 0 {
					// A password sent as an array or an object: all of it.
					secretStart, secretDepth = before, len(inObject)
					for secretStart < len(body) && strings.IndexByte(" \t\r\n:,", body[secretStart]) >= 0 {
						secretStart++
					}
				}
				inObject = append(inObject, d == '{')
				expectKey = d == '{'
			default:
				inObject = inObject[:len(inObject)-1]
				expectKey = len(inObject) > 0 && inObject[len(inObject)-1]
				if secretStart >= 0 && len(inObject) == secretDepth {
					spans = append(spans, span{secretStart, int(dec.InputOffset())})
					secretStart = -1
				}
			}
			secretVal = false
			continue
		}
		if secretStart >= 0 {
			continue // inside a masked container
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
	return spans, -1, true
}

// xml masks the text of elements with secret local names.
func (p Policy) xml(body []byte, cut bool) ([]byte, bool) {
	spans, tail, ok := p.xmlSpans(body, cut)
	if !ok {
		return nil, false
	}
	if tail >= 0 {
		return append(replaceSpans(body[:tail], spans, Mask), Mask...), true
	}
	return replaceSpans(body, spans, Mask), true
}

// xmlSpans finds the secret texts and attribute values of an XML
// document; tail as jsonSpans.
func (p Policy) xmlSpans(body []byte, cut bool) (spans []span, tail int, ok bool) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = true
	var stack []string
	for {
		before := int(dec.InputOffset())
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil && cut {
			return spans, before, true
		}
		if err != nil {
			return nil, -1, false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, t.Name.Local)
			for _, a := range t.Attr {
				if p.secret(a.Name.Local) && a.Value != "" {
					// The value's place in the raw tag: after name=" or name='.
					tag := body[before:dec.InputOffset()]
					if m := attrValue(a.Name.Local).FindSubmatchIndex(tag); m != nil {
						spans = append(spans, span{before + m[2], before + m[3]})
					}
				}
			}
		case xml.EndElement:
			if len(stack) == 0 {
				return nil, -1, false
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 && p.secret(stack[len(stack)-1]) && len(bytes.TrimSpace(t)) > 0 {
				spans = append(spans, span{before, int(dec.InputOffset())})
			}
		}
	}
	return spans, -1, true
}

// Rewrite replaces each secret value of a form, JSON or XML body with what
// with returns for it (given the value as sent, JSON strings unquoted): a
// recording puts a template where a token was. JSON values become strings.
// False when the body is none of those or does not parse.
func (p Policy) Rewrite(contentType string, body []byte, with func(value string) string) ([]byte, bool) {
	mt, params, _ := mime.ParseMediaType(contentType)
	switch kindOf(mt, params, body) {
	case kindJSON:
		spans, _, ok := p.jsonSpans(body, false)
		if !ok {
			return nil, false
		}
		return rewriteSpans(body, spans, func(raw []byte) string {
			var v string
			if json.Unmarshal(raw, &v) != nil {
				v = string(raw)
			}
			q, _ := json.Marshal(with(v))
			return string(q)
		}), true
	case kindXML:
		spans, _, ok := p.xmlSpans(body, false)
		if !ok {
			return nil, false
		}
		return rewriteSpans(body, spans, func(raw []byte) string { return with(strings.TrimSpace(string(raw))) }), true
	case kindForm:
		return []byte(p.rewritePairs(string(body), func(k, v string) string { return k + "=" + url.QueryEscape(with(v)) })), true
	}
	return nil, false
}

// rewriteSpans writes body with each span replaced by with(its bytes).
func rewriteSpans(body []byte, spans []span, with func([]byte) string) []byte {
	var b bytes.Buffer
	last := 0
	for _, s := range spans {
		b.Write(body[last:s.start])
		b.WriteString(with(body[s.start:s.end]))
		last = s.end
	}
	b.Write(body[last:])
	return b.Bytes()
}

// MaskJWTs masks what looks like a JSON Web Token anywhere in s.
func MaskJWTs(s string) string { return finish(s) }

// SecretValues returns the values a body holds in its secret fields (a
// token in an answer, a password in a request), as sent: what a recording
// must not keep. Form, JSON and XML bodies; others hold none it can find.
func (p Policy) SecretValues(contentType string, body []byte) []string {
	mt, params, _ := mime.ParseMediaType(contentType)
	var out []string
	switch kindOf(mt, params, body) {
	case kindJSON:
		spans, _, _ := p.jsonSpans(body, false)
		for _, s := range spans {
			var v any
			if json.Unmarshal(body[s.start:s.end], &v) != nil {
				out = append(out, string(body[s.start:s.end]))
				continue
			}
			out = appendLeaves(out, v) // a secret sent as an array or object: each value in it
		}
	case kindXML:
		spans, _, _ := p.xmlSpans(body, false)
		for _, s := range spans {
			out = append(out, strings.TrimSpace(string(body[s.start:s.end])))
		}
	case kindForm:
		p.rewritePairs(string(body), func(k, v string) string { out = append(out, v); return k })
	}
	return out
}

// appendLeaves appends the scalars of a decoded JSON value, as text.
func appendLeaves(out []string, v any) []string {
	switch t := v.(type) {
	case string:
		return append(out, t)
	case []any:
		for _, e := range t {
			out = appendLeaves(out, e)
		}
	case map[string]any:
		for _, e := range t {
			out = appendLeaves(out, e)
		}
	case nil:
	default:
		out = append(out, fmt.Sprint(t))
	}
	return out
}

// attrValue finds an attribute's value in a raw tag (its group 1).
func attrValue(name string) *regexp.Regexp {
	return regexp.MustCompile(`\s(?:[\w.-]+:)?` + regexp.QuoteMeta(name) + `\s*=\s*["']([^"']*)["']`)
}

// Values replaces every occurrence of the given secret values in s. Values
// shorter than 8 bytes are left alone: they are not tokens, and masking them
// would blank out ordinary text.
func Values(s string, values []string) string {
	return masked(s, values, 8)
}

// MinEchoed is the shortest secret of a request that Echoed masks where an
// answer repeats it: a password is often short, and a real service that
// echoes one (a validation error's rejectedValue) must not put it in the
// journal, a recording or a drift report.
const MinEchoed = 4

// Echoed masks in s every value of values (a request's own secrets) of at
// least MinEchoed bytes.
func Echoed(s string, values []string) string { return masked(s, values, MinEchoed) }

func masked(s string, values []string, shortest int) string {
	for _, v := range values {
		if len(v) >= shortest {
			s = strings.ReplaceAll(s, v, Mask)
		}
	}
	return s
}
