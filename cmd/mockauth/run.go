package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
)

const usage = `mockauth: fake vendor authentication APIs for integration tests.

Usage:
  mockauth [serve] [flags]   start every simulator and the admin API (default)
  mockauth env [flags]       print the running stack's base URLs and demo logins as shell exports
  mockauth scenario list|activate|deactivate|reset [NAME] [--admin URL] [--ttl D]
                             switch a running stack's failure scenarios
  mockauth contract check --vendor V --base-url URL [--user U --password P]
                             report where a server's answers drift from the vendor's contract
  mockauth conformance --vendor V [--endpoint E] [--junit FILE] -- CMD ARGS...
                             run any program as a vendor client through the conformance cases
  mockauth health [--admin URL]  exit 0 when a running stack serves every simulator
  mockauth version           print the module version and commit

Run 'mockauth serve -h' or 'mockauth env -h' for their flags.
`

// errUsage marks a command-line mistake: exit code 2, as flag does.
var errUsage = errors.New("usage")

// run is the whole program behind main, testable in-process: it returns the
// exit code instead of exiting.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, args, stdout, stderr)
	case "env":
		err = env(ctx, args, stdout, stderr)
	case "scenario":
		err = scenarioCmd(ctx, args, stdout, stderr)
	case "contract":
		err = contractCmd(ctx, args, stdout, stderr)
	case "conformance":
		err = conformance(ctx, args, stdout, stderr)
	case "health":
		err = health(ctx, args, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, version())
	case "help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "mockauth: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case errors.Is(err, errDrift), errors.Is(err, errCasesFailed):
		return 1
	default:
		fmt.Fprintf(stderr, "mockauth %s: %v\n", cmd, err)
		return 1
	}
}

// version names the module version and VCS commit the binary was built from.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "mockauth (unknown version)"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	commit, modified := "", ""
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			commit = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+dirty"
			}
		}
	}
	if commit == "" {
		return fmt.Sprintf("mockauth %s %s", bi.Main.Path, v)
	}
	return fmt.Sprintf("mockauth %s %s commit %s%s", bi.Main.Path, v, commit, modified)
}

// flagSet returns a FlagSet that reports to stderr and returns errors.
func flagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("mockauth "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// errUsageOrHelp keeps -h a success and anything else a usage error.
func errUsageOrHelp(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	return errUsage
}

// parse parses flags, turning a bad command line into errUsage (flag has
// already said what was wrong).
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return errUsage
	}
	return nil
}

// fromEnv sets every flag the command line left unset from its
// environment variable, MOCKAUTH_ and the flag's name in capitals with
// dashes as underscores (--port-base: MOCKAUTH_PORT_BASE). Flags win. A
// repeatable flag takes a comma-separated list.
func fromEnv(fs *flag.FlagSet) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		name := "MOCKAUTH_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		v, ok := os.LookupEnv(name)
		if set[f.Name] || !ok || err != nil {
			return
		}
		values := []string{v}
		if _, repeatable := f.Value.(*stringsFlag); repeatable {
			values = strings.Split(v, ",")
		}
		for _, one := range values {
			if e := fs.Set(f.Name, strings.TrimSpace(one)); e != nil {
				err = fmt.Errorf("%s=%q: %v", name, v, e)
				return
			}
		}
	})
	return err
}

// stringsFlag is a repeatable string flag.
type stringsFlag []string

func (s *stringsFlag) String() string     { return strings.Join(*s, ",") }
func (s *stringsFlag) Set(v string) error { *s = append(*s, v); return nil }
