package upstream

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/mockauth/mockauth/simulators/redact"
	"github.com/mockauth/mockauth/simulators/stub"
	"github.com/mockauth/mockauth/simulators/yamlfile"
)

// Exchange is one answer of the real service to record, as the pipeline
// saw it.
type Exchange struct {
	Vendor   string
	Endpoint string // the vendor's endpoint name; "" names the stub after the path
	Contract string // the operationId of the vendor's contract that covers it, or ""
	Auth     string // the vendor's check of the credential the call carried, or "none"
	Request  *http.Request
	Body     []byte
	Status   int
	Header   http.Header
	Answer   []byte
	Tokens   []string      // credentials the answer hands out: minted afresh on replay
	Echoes   []string      // the request's own secrets (its password): masked wherever the answer repeats them
	Policy   redact.Policy // the vendor's secret fields
}

// recorded is one stub being recorded: a request's method, path and fields
// with the answers by media type.
type recorded struct {
	name      string
	method    string
	path      string
	auth      string
	contract  string
	override  bool // it answers one of the vendor's own operations (a recorded login)
	match     stub.Match
	responses map[string]recordedResponse // by media type ("" none)
	at        time.Time
}

type recordedResponse struct {
	status  int
	headers map[string]string
	body    string
}

// vendorRecording is what one vendor's file holds.
type vendorRecording struct {
	base     []byte   // the fixture file the vendor runs on
	defaults []byte   // the embedded one, whose stubs apply when base has none
	hosts    []string // the upstream's host names, replaced unless kept
	room     int      // stubs a fixture file may still take
	stubs    map[string]*recorded
	names    map[string]bool
	full     bool           // logged once when room ran out
	perOp    map[string]int // stubs recorded per operation (endpoint, or "" for requests no operation takes)
	opFull   map[string]bool
	bytes    int  // about the bytes the recorded responses take in the file
	big      bool // logged once when bytes reached the budget
}

// MaxPerOperation bounds the stubs a recording keeps for one operation,
// and for all requests no documented operation takes together: junk
// requests cannot crowd the documented calls out of the fixture file
// (issue 31, N9).
const MaxPerOperation = 32

// MaxFileBytes is the size a fixture file may have (mockauth serve
// --fixtures reads at most this much); a recording stays within
// fileBudget of it, so it always replays.
const MaxFileBytes = 4 << 20

// fileBudget is what the recorded answers may take of MaxFileBytes: the
// rest is the fixture file itself and the YAML around each stub.
const fileBudget = MaxFileBytes * 3 / 4

// Recorder writes the real answers, redacted, as stubs of each vendor's
// fixture file in a directory: DIR/<vendor>.yaml is the fixture file the
// vendor ran on with the recorded stubs added, so `mockauth serve
// --fixtures DIR` replays them with no upstream. Passwords are kept as
// salted hashes (so a wrong one still gets the recorded refusal), the
// tokens an answer hands out become {{.Token}} (minted by the simulator on
// replay), other secrets are masked, and the upstream's host names become
// {{.Host}} unless kept. Files are written when Flush is called (the stack
// does every half second and at Close).
type Recorder struct {
	dir       string
	keepHosts bool
	salt      []byte
	log       *slog.Logger

	mu      sync.Mutex
	vendors map[string]*vendorRecording
	tokens  map[string]bool // tokens seen in answers: a request carrying one is a call after login
	dirty   map[string]bool

	wmu sync.Mutex // one Flush at a time
}

// maxMatchValue is the longest request value a recording keeps as it was
// sent; a longer one is matched by its hash.
const maxMatchValue = 256

// maxSeenTokens bounds the tokens a recorder remembers.
const maxSeenTokens = 4096

// NewRecorder records into dir (made if missing, mode 0700). A directory
// other users may write to is refused: one of them could put a link where
// a recording goes (issue 31, N12).
func NewRecorder(dir string, keepHosts bool, log *slog.Logger) (*Recorder, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("--record: %w", err)
	}
	st, err := os.Stat(dir)
	switch {
	case err != nil:
		return nil, fmt.Errorf("--record: %w", err)
	case !st.IsDir():
		return nil, fmt.Errorf("--record: %s is not a directory", dir)
	case st.Mode().Perm()&0o022 != 0:
		return nil, fmt.Errorf("--record: %s can be written by other users (mode %v): the recordings hold a real tenant's answers; chmod go-w %s, or record elsewhere", dir, st.Mode().Perm(), dir)
	}
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	return &Recorder{dir: dir, keepHosts: keepHosts, salt: salt, log: log,
		vendors: map[string]*vendorRecording{}, tokens: map[string]bool{}, dirty: map[string]bool{}}, nil
}

// Vendor registers a proxied vendor: the fixture file it runs on, the
// embedded default one, its upstream's host names, and how many stubs the
// file already has (a vendor has at most stub.MaxStubs).
func (rc *Recorder) Vendor(name string, base, defaults []byte, hosts []string, stubs int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.vendors[name] = &vendorRecording{base: base, defaults: defaults, hosts: hosts, room: stub.MaxStubs - stubs,
		stubs: map[string]*recorded{}, names: map[string]bool{}, perOp: map[string]int{}, opFull: map[string]bool{}, bytes: len(base)}
}

// Seen reports whether value is a token a recorded answer handed out.
func (rc *Recorder) Seen(value string) bool {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.tokens[value]
}

// Record adds one real answer.
func (rc *Recorder) Record(x Exchange) {
	if err := stubPath(x.Request.URL.Path); err != nil {
		rc.log.Warn("record: not recorded", slog.String("vendor", x.Vendor), slog.String("path", x.Request.URL.Path), slog.Any("reason", err))
		return
	}
	match := rc.matchOf(x)
	res, err := rc.response(x)
	if err != nil {
		rc.log.Warn("record: not recorded", slog.String("vendor", x.Vendor), slog.String("path", x.Request.URL.Path), slog.Any("reason", err))
		return
	}
	mediaType, _, _ := strings.Cut(x.Header.Get("Content-Type"), ";")
	mediaType = strings.ToLower(strings.TrimSpace(mediaType))
	keyJSON, _ := json.Marshal(match)
	key := x.Request.Method + " " + x.Request.URL.Path + " " + strconv.Itoa(x.Status) + " " + string(keyJSON)

	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, t := range x.Tokens {
		if len(rc.tokens) >= maxSeenTokens {
			clear(rc.tokens)
		}
		rc.tokens[t] = true
	}
	v, ok := rc.vendors[x.Vendor]
	if !ok {
		return
	}
	size := len(res.body) + len(key) + 256
	for k, h := range res.headers {
		size += len(k) + len(h)
	}
	if v.bytes+size > fileBudget {
		if !v.big {
			v.big = true
			rc.log.Warn("record: the recording is near the size a fixture file may have; further answers are not recorded, so it still replays",
				slog.String("vendor", x.Vendor), slog.Int("bytes", v.bytes), slog.Int("limit", MaxFileBytes))
		}
		return
	}
	st, ok := v.stubs[key]
	if !ok {
		if v.room <= 0 {
			if !v.full {
				v.full = true
				rc.log.Warn("record: the fixture file is full; further kinds of answers are not recorded", slog.String("vendor", x.Vendor), slog.Int("stubs", stub.MaxStubs))
			}
			return
		}
		if v.perOp[x.Endpoint] >= MaxPerOperation {
			if !v.opFull[x.Endpoint] {
				v.opFull[x.Endpoint] = true
				op := x.Endpoint
				if op == "" {
					op = "(requests no documented operation takes)"
				}
				rc.log.Warn("record: enough kinds of answers of this operation; further ones are not recorded",
					slog.String("vendor", x.Vendor), slog.String("operation", op), slog.Int("stubs", MaxPerOperation))
			}
			return
		}
		v.perOp[x.Endpoint]++
		v.room--
		st = &recorded{name: v.uniqueName(x), method: x.Request.Method, path: x.Request.URL.Path, auth: x.Auth,
			contract: x.Contract, override: x.Endpoint != "", match: match, responses: map[string]recordedResponse{}}
		v.stubs[key] = st
	}
	if old, ok := st.responses[mediaType]; ok {
		v.bytes -= len(old.body)
	}
	v.bytes += size
	st.responses[mediaType] = res
	st.at = time.Now().UTC()
	rc.dirty[x.Vendor] = true
}

// uniqueName is endpoint_status (or the path's words), numbered past the first.
func (v *vendorRecording) uniqueName(x Exchange) string {
	base := x.Endpoint
	if base == "" {
		base = strings.Trim(nonName.ReplaceAllString(x.Request.URL.Path, "_"), "_")
	}
	if base == "" {
		base = "root"
	}
	base = fmt.Sprintf("%s_%d", base, x.Status)
	if len(base) > stub.MaxNameBytes-4 {
		base = base[len(base)-(stub.MaxNameBytes-4):]
	}
	base = strings.TrimLeft(base, "_.-")
	name := base
	for i := 2; v.names[name]; i++ {
		name = base + "_" + strconv.Itoa(i)
	}
	v.names[name] = true
	return name
}

var nonName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// stubPath refuses a path a stub cannot declare as a literal (a brace
// would read as a parameter).
func stubPath(p string) error {
	if strings.ContainsAny(p, "{}") || len(p) > 512 {
		return errors.New("a path a stub cannot declare (braces, or longer than 512 bytes)")
	}
	return nil
}

// matchOf is what the stub matches: every field the request sent, a
// secret as its salted hash, a token an earlier answer handed out left to
// the vendor's check (auth).
func (rc *Recorder) matchOf(x Exchange) stub.Match {
	m := stub.Fields(x.Request, x.Body)
	for _, fields := range []map[string]string{m.Query, m.Form, m.JSON, m.XML} {
		for k, v := range fields {
			name := k[strings.LastIndexByte(k, '.')+1:]
			switch {
			case rc.Seen(v):
				delete(fields, k)
			case x.Policy.Secret(strings.TrimSuffix(name, "[]")) || len(v) > maxMatchValue || strings.HasPrefix(v, stub.HashPrefix):
				fields[k] = stub.Hash(rc.salt, v) // a secret, or a value too long to keep: by its hash
			}
		}
	}
	return m
}

// response is the answer as a stub's response: tokens as {{.Token}}
// (one per distinct token), other secrets masked, host names as
// {{.Host}}, everything else as it came.
func (rc *Recorder) response(x Exchange) (recordedResponse, error) {
	tokens := slices.Clone(x.Tokens)
	slices.SortFunc(tokens, func(a, b string) int { return cmp.Compare(len(b), len(a)) }) // longest first
	tokens = slices.Compact(tokens)
	// Markers of letters and digits stand where the template's actions
	// will: they survive JSON, XML and form encoding unchanged.
	nonce := make([]byte, 6)
	_, _ = rand.Read(nonce)
	mark := fmt.Sprintf("zzMockauth%xz", nonce)
	markers := map[string]string{}
	for i, t := range tokens {
		markers[t] = mark + "T" + strconv.Itoa(i) + "z"
	}
	body := string(x.Answer)
	if out, ok := x.Policy.Rewrite(x.Header.Get("Content-Type"), x.Answer, func(v string) string {
		if m, ok := markers[v]; ok {
			return m
		}
		return redact.Mask
	}); ok {
		body = string(out)
	}
	for _, t := range tokens {
		if len(t) >= 8 {
			body = strings.ReplaceAll(body, t, markers[t])
		}
	}
	// The other secrets, wherever else they are (echoed, in a header).
	var others []string
	for _, v := range x.Policy.SecretValues(x.Header.Get("Content-Type"), x.Answer) {
		if len(v) >= 8 && markers[v] == "" {
			others = append(others, v)
			body = strings.ReplaceAll(body, v, redact.Mask)
		}
	}
	body = redact.MaskJWTs(redact.Echoed(body, x.Echoes))
	var hosts []string // the upstream's names, longest first; none when kept
	if !rc.keepHosts {
		hosts = hostsOf(rc.vendorHosts(x.Vendor))
	}
	for _, h := range hosts {
		body = strings.ReplaceAll(body, h, mark+"H")
	}
	// Template text: braces of the answer's own are written as strings,
	// and so is a lone one just before an action the recording puts in
	// ({TOKEN} would read as "{{{").
	body = strings.ReplaceAll(body, "{{", `{{"{{"}}`)
	body = strings.ReplaceAll(body, "{"+mark, `{{"{"}}`+mark)
	for i, t := range tokens {
		body = strings.ReplaceAll(body, markers[t], "{{$t"+strconv.Itoa(i)+"}}")
	}
	body = strings.ReplaceAll(body, mark+"H", "{{.Host}}")
	var head strings.Builder
	for i := range tokens {
		fmt.Fprintf(&head, "{{$t%d := .Token}}", i)
	}
	body = head.String() + body
	if len(body) > stub.MaxBodyBytes {
		return recordedResponse{}, fmt.Errorf("an answer of %d bytes: a stub holds at most %d", len(body), stub.MaxBodyBytes)
	}
	if err := stub.CheckBody(body); err != nil {
		// Never a file that does not replay.
		return recordedResponse{}, fmt.Errorf("the answer does not make a body template that replays: %w", err)
	}
	headers := map[string]string{}
	masked := x.Policy.Headers(x.Header)
	for _, k := range slices.Sorted(maps.Keys(masked)) {
		if len(headers) >= stub.MaxHeaders || skipHeader[http.CanonicalHeaderKey(k)] || len(masked[k]) == 0 ||
			strings.HasPrefix(http.CanonicalHeaderKey(k), "X-Mockauth-") { // the stack's own
			continue
		}
		v := masked[k][0]
		if v == redact.Mask || strings.HasSuffix(v, " "+redact.Mask) {
			continue // a credential: the replay has its own
		}
		for _, h := range hosts {
			v = strings.ReplaceAll(v, h, "{{.Host}}")
		}
		if strings.ContainsAny(v, "\r\n") || strings.Contains(v, "{{") || redact.MaskJWTs(v) != v ||
			slices.ContainsFunc(append(others, tokens...), func(t string) bool { return len(t) >= 8 && strings.Contains(v, t) }) ||
			redact.Echoed(v, x.Echoes) != v {
			continue // a header value is sent as is, never a template: one with a credential goes
		}
		headers[k] = v
	}
	return recordedResponse{status: x.Status, headers: headers, body: body}, nil
}

// skipHeader are answer headers a replay makes itself, or that only made
// sense on the way from the upstream.
var skipHeader = map[string]bool{
	"Date": true, "Content-Length": true, "Connection": true, "Keep-Alive": true, "Transfer-Encoding": true,
	"Set-Cookie": true, "Strict-Transport-Security": true, "Alt-Svc": true, "Via": true, "Server-Timing": true,
}

func (rc *Recorder) vendorHosts(vendorName string) []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if v, ok := rc.vendors[vendorName]; ok {
		return v.hosts
	}
	return nil
}

// hostsOf lists the spellings to replace, host:port before host.
func hostsOf(hosts []string) []string {
	out := slices.Clone(hosts)
	slices.SortFunc(out, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	return slices.Compact(out)
}

// Flush writes the files of the vendors recorded since the last Flush,
// each whole (a new file renamed over the old one).
func (rc *Recorder) Flush() error {
	rc.wmu.Lock()
	defer rc.wmu.Unlock()
	// A copy under the lock; the YAML is made and written outside it, so
	// requests being recorded never wait for a file.
	rc.mu.Lock()
	var copies []*vendorRecording
	var names []string
	for _, name := range slices.Sorted(maps.Keys(rc.dirty)) {
		v := rc.vendors[name]
		c := &vendorRecording{base: v.base, defaults: v.defaults, stubs: make(map[string]*recorded, len(v.stubs))}
		for k, st := range v.stubs {
			cp := *st
			cp.responses = maps.Clone(st.responses)
			c.stubs[k] = &cp
		}
		copies, names = append(copies, c), append(names, name)
	}
	clear(rc.dirty)
	rc.mu.Unlock()
	var errs []error
	for i, v := range copies {
		doc, err := v.file()
		if err != nil {
			errs = append(errs, fmt.Errorf("record %s: %w", names[i], err))
			continue
		}
		path := filepath.Join(rc.dir, names[i]+".yaml")
		if err := writeNew(rc.dir, path, doc); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// file is the fixture file with the recorded stubs in its stubs section
// (the default catalogue's when it had none).
func (v *vendorRecording) file() ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(v.base, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("the fixture file is not a mapping")
	}
	top := doc.Content[0]
	section := yamlfile.Child(top, "stubs")
	if section == nil {
		section = &yaml.Node{Kind: yaml.MappingNode}
		var defaults yaml.Node
		if yaml.Unmarshal(v.defaults, &defaults) == nil && len(defaults.Content) > 0 {
			if d := yamlfile.Child(defaults.Content[0], "stubs"); d != nil && d.Kind == yaml.MappingNode {
				section = d
			}
		}
		top.Content = append(top.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "stubs",
			HeadComment: "Recorded by mockauth serve --record: the real answers, redacted."}, section)
	}
	if section.Kind != yaml.MappingNode {
		section.Kind, section.Tag, section.Value, section.Content = yaml.MappingNode, "", "", nil
	}
	all := slices.Collect(maps.Values(v.stubs))
	slices.SortFunc(all, func(a, b *recorded) int { return cmp.Compare(a.name, b.name) })
	for _, st := range all {
		node, err := st.node()
		if err != nil {
			return nil, err
		}
		setValue(section, st.name, node)
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	return b.Bytes(), enc.Close()
}

// node is the stub in the fixtures' format.
func (st *recorded) node() (*yaml.Node, error) {
	type response struct {
		Status  int               `yaml:"status"`
		Headers map[string]string `yaml:"headers,omitempty"`
		Body    string            `yaml:"body"`
	}
	out := map[string]any{
		"method":   st.method,
		"path":     st.path,
		"auth":     st.auth,
		"evidence": "recorded from the real service through mockauth serve --upstream on " + st.at.Format(time.RFC3339),
	}
	if st.contract != "" {
		out["contract"] = st.contract
	}
	if st.override {
		out["override"] = true // the replay answers the vendor's own operation as the real service did
	}
	match := map[string]map[string]string{}
	for k, m := range map[string]map[string]string{"query": st.match.Query, "form": st.match.Form, "json": st.match.JSON, "xml": st.match.XML} {
		if len(m) > 0 {
			match[k] = m
		}
	}
	if len(match) > 0 {
		out["match"] = match
	}
	if len(st.responses) == 1 {
		for _, r := range st.responses {
			out["response"] = response{r.status, r.headers, r.body}
		}
	} else {
		rs := map[string]response{}
		for mt, r := range st.responses {
			if mt == "" {
				mt = "application/octet-stream"
			}
			rs[mt] = response{r.status, r.headers, r.body}
		}
		out["responses"] = rs
	}
	var n yaml.Node
	if err := n.Encode(out); err != nil {
		return nil, err
	}
	return &n, nil
}

func setValue(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, v)
}

// writeNew writes data to path through a file of a fresh random name
// (made with O_EXCL, mode 0600: never through a link someone planted),
// renamed over path: a reader sees the old file or the new one whole.
func writeNew(dir, path string, data []byte) error {
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		_ = os.Remove(tmp)
		return werr
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return nil
}
