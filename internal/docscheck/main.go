// Command docscheck runs every shell example of the README and docs/
// against a mockauth stack it starts, as written, and checks the links
// between the pages. `make docs-check` runs it.
//
// An example is a ```sh (or ```bash) block. It runs in bash with -e and
// pipefail from the repository's root, bin/ first on PATH (make install's
// mockauth), the stack reset before each page. A line "# prints: TEXT"
// after a command says that what the commands above it (since the last
// such line) printed contains TEXT. A request a vendor answers as matching
// no documented operation (a misspelt path) fails the example, unless the
// block is marked. Marks go on the line before the block, in an HTML
// comment:
//
//	<!-- docs-check: skip: REASON -->   not run (a real tenant, a cluster, a second stack); the reason is required
//	<!-- docs-check: unmatched -->      requests matching no documented operation are the point
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

const blockTimeout = 2 * time.Minute

// portBase is the stack's: the default, as the examples are written (a
// test of docscheck itself moves it).
var portBase = 9300

func admin() string { return fmt.Sprintf("http://127.0.0.1:%d", portBase) }

// block is one shell example.
type block struct {
	file      string
	line      int // of the opening fence
	code      string
	skip      string // the reason, when not run
	unmatched bool
}

func main() {
	bin := flag.String("bin", "bin/mockauth", "the mockauth binary the examples and the stack run")
	flag.Parse()
	files := flag.Args()
	if len(files) == 0 {
		files = append([]string{"README.md"}, must(filepath.Glob("docs/*.md"))...)
		files = append(files, must(filepath.Glob("docs/reference/*.md"))...)
	}
	if err := run(*bin, files); err != nil {
		fmt.Fprintln(os.Stderr, "docs-check:", err)
		os.Exit(1)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		fmt.Fprintln(os.Stderr, "docs-check:", err)
		os.Exit(1)
	}
	return v
}

func run(bin string, files []string) error {
	links, err := checkLinks(files)
	if err != nil {
		return err
	}
	var blocks []block
	for _, f := range files {
		bs, err := parse(f)
		if err != nil {
			return err
		}
		blocks = append(blocks, bs...)
	}
	stop, err := startStack(bin)
	if err != nil {
		return err
	}
	defer stop()
	ran, skipped, page := 0, 0, ""
	for _, b := range blocks {
		if b.skip != "" {
			skipped++
			continue
		}
		if b.file != page {
			page = b.file
			if err := reset(); err != nil {
				return err
			}
		}
		if err := b.run(bin); err != nil {
			return fmt.Errorf("%s:%d: %w", b.file, b.line, err)
		}
		ran++
	}
	fmt.Printf("docs-check: %d examples ran as written, %d skipped (each says why), %d links checked in %d pages\n", ran, skipped, links, len(files))
	return nil
}

var (
	fenceRE = regexp.MustCompile("^```(sh|bash|shell)\\s*$")
	markRE  = regexp.MustCompile(`^<!-- docs-check: (skip: (.+)|unmatched) -->$`)
)

// parse finds a page's shell examples and their marks.
func parse(file string) ([]block, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(string(data), "\n")
	var out []block
	for i := 0; i < len(lines); i++ {
		if !fenceRE.MatchString(lines[i]) {
			continue
		}
		b := block{file: file, line: i + 1}
		for j := i - 1; j >= 0 && strings.TrimSpace(lines[j]) != ""; j-- {
			m := markRE.FindStringSubmatch(strings.TrimSpace(lines[j]))
			if m == nil {
				break
			}
			if m[1] == "unmatched" {
				b.unmatched = true
			} else {
				b.skip = strings.TrimSpace(m[2])
			}
		}
		var code []string
		for i++; i < len(lines) && !strings.HasPrefix(lines[i], "```"); i++ {
			code = append(code, lines[i])
		}
		if i == len(lines) {
			return nil, fmt.Errorf("%s:%d: the block never ends", file, b.line)
		}
		b.code = strings.Join(code, "\n")
		out = append(out, b)
	}
	return out, nil
}

// marker separates the output of an example's parts.
const marker = "@@docs-check part@@"

// run runs the example; each "# prints:" line checks the output of the
// part before it.
func (b block) run(bin string) error {
	var script strings.Builder
	var wants []string
	for line := range strings.SplitSeq(b.code, "\n") {
		if want, ok := strings.CutPrefix(strings.TrimSpace(line), "# prints: "); ok {
			wants = append(wants, want)
			fmt.Fprintf(&script, "echo; echo '%s'\n", marker)
			continue
		}
		script.WriteString(line + "\n")
	}
	since, err := lastID()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), blockTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-e", "-o", "pipefail", "-c", script.String())
	// The example's own group: whatever it leaves running is stopped with
	// it, and its output is not waited for past the group's end.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	defer func() {
		if cmd.Process != nil {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
	}()
	abs, _ := filepath.Abs(filepath.Dir(bin))
	cmd.Env = append(os.Environ(), "PATH="+abs+string(os.PathListSeparator)+os.Getenv("PATH"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if err != nil {
		return fmt.Errorf("the example fails as written: %v\n--- example\n%s\n--- stdout\n%s--- stderr\n%s", err, b.code, stdout.String(), stderr.String())
	}
	parts := strings.Split(stdout.String(), marker)
	for i, want := range wants {
		if !strings.Contains(parts[i], want) {
			return fmt.Errorf("the example's output does not contain %q where the page says it prints it\n--- example\n%s\n--- that part's output\n%s", want, b.code, parts[i])
		}
	}
	if !b.unmatched {
		paths, err := unmatchedSince(since)
		if err != nil {
			return err
		}
		if len(paths) > 0 {
			return fmt.Errorf("the example sent requests no documented operation matches (a misspelt path?): %s\n--- example\n%s", strings.Join(paths, ", "), b.code)
		}
	}
	return nil
}

// startStack starts mockauth serve on the default ports: the examples
// are run as written.
func startStack(bin string) (func(), error) {
	if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", portBase), time.Second); err == nil {
		_ = c.Close()
		return nil, fmt.Errorf("port %d is in use: docs-check runs the examples as written, on the default ports; stop what listens there", portBase)
	}
	cmd := exec.Command(bin, "serve", "--port-base", fmt.Sprint(portBase))
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s serve: %w (make build first)", bin, err)
	}
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
		}
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if res, err := http.Get(admin() + "/__admin/health"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return stop, nil
			}
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("the stack did not become healthy within 30s:\n%s", log.String())
		}
	}
}

func reset() error {
	res, err := http.Post(admin()+"/__admin/reset", "application/json", nil)
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("reset: %s", res.Status)
	}
	return nil
}

// lastID is the newest journal entry's id (0: none).
func lastID() (uint64, error) {
	var ans struct{ Requests []struct{ ID uint64 } }
	if err := getJSON(admin()+"/__admin/requests?limit=1", &ans); err != nil {
		return 0, err
	}
	if len(ans.Requests) == 0 {
		return 0, nil
	}
	return ans.Requests[0].ID, nil
}

// unmatchedSince lists the requests after id that matched no documented
// operation (nor a stub).
func unmatchedSince(id uint64) ([]string, error) {
	var ans struct {
		Requests []struct {
			ID           uint64
			Vendor, Path string
			Method       string
		}
	}
	if err := getJSON(admin()+"/__admin/requests/unmatched", &ans); err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ans.Requests {
		if e.ID > id {
			out = append(out, fmt.Sprintf("%s %s %s", e.Vendor, e.Method, e.Path))
		}
	}
	return out, nil
}

func getJSON(url string, v any) error {
	res, err := http.Get(url)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, res.Status)
	}
	return json.NewDecoder(res.Body).Decode(v)
}

var (
	linkRE    = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	headingRE = regexp.MustCompile(`^#{1,6}\s+(.*)$`)
)

// checkLinks checks every relative link of the pages: the file exists,
// and so does the heading an anchor names. Links to the web are not
// followed (CI has no network).
func checkLinks(files []string) (int, error) {
	anchors := map[string]map[string]bool{}
	anchorsOf := func(file string) (map[string]bool, error) {
		if a, ok := anchors[file]; ok {
			return a, nil
		}
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		a, fence := map[string]bool{}, false
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "```") {
				fence = !fence
			}
			if m := headingRE.FindStringSubmatch(sc.Text()); m != nil && !fence {
				a[slug(m[1])] = true
			}
		}
		anchors[file] = a
		return a, sc.Err()
	}
	n := 0
	var errs []error
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return n, err
		}
		for i, line := range strings.Split(string(data), "\n") {
			for _, m := range linkRE.FindAllStringSubmatch(line, -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				n++
				path, anchor, _ := strings.Cut(target, "#")
				dest := file
				if path != "" {
					dest = filepath.Join(filepath.Dir(file), path)
				}
				if _, err := os.Stat(dest); err != nil {
					errs = append(errs, fmt.Errorf("%s:%d: link to %s: no such file", file, i+1, target))
					continue
				}
				if anchor == "" || !strings.HasSuffix(dest, ".md") {
					continue
				}
				a, err := anchorsOf(dest)
				if err != nil {
					return n, err
				}
				if !a[anchor] {
					errs = append(errs, fmt.Errorf("%s:%d: link to %s: %s has no heading #%s", file, i+1, target, dest, anchor))
				}
			}
		}
	}
	return n, errors.Join(errs...)
}

// slug is a heading's anchor as GitHub makes it.
func slug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127:
			b.WriteRune(r)
		}
	}
	return b.String()
}
