package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"text/tabwriter"
)

// command is one subcommand of mockauth.
type command struct {
	name    string
	summary string // one line for the command list
	// usage is the synopsis printed above the flags by --help (each flag
	// set appends its own defaults).
	usage string
	run   func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands in the order the help lists them; serve is the default. (Set in
// init: the commands' own help refers back to this list.)
var commands []command

func init() { commands = commandList() }

func commandList() []command {
	return []command{
		{"serve", "start every simulator and the admin API (the default command)",
			"Usage: mockauth [serve] [flags]\n\nStarts every simulator and the admin API; Ctrl-C (SIGINT) or SIGTERM stops it cleanly.\nEvery flag can also be set as MOCKAUTH_<FLAG> (--port-base: MOCKAUTH_PORT_BASE); flags win.\n",
			serve},
		{"env", "print the running stack's base URLs and demo logins as shell exports",
			"Usage: mockauth env [--wait 30s] [--admin URL | --bind ADDR --port-base N] [--admin-token T]\n\nPrints MOCKAUTH_ADMIN_URL, and for each vendor MOCKAUTH_<VENDOR>_URL and its demo logins\n(MOCKAUTH_<VENDOR>_USER, _PASSWORD, and <ROLE>_USER, <ROLE>_PASSWORD, ... where a vendor has more).\nIt fails (exit 1, nothing on stdout) when no stack answers, so use it as:\n  out=$(mockauth env --wait 30s) && eval \"$out\"\n",
			env},
		{"scenario", "switch a running stack's failure scenarios on and off",
			scenarioUsage, scenarioCmd},
		{"stub", "list, add and remove a running stack's calls after login (stubs)",
			stubUsage, stubCmd},
		{"contract", "report where a server's answers drift from the vendor's contract",
			contractUsage, contractCmd},
		{"conformance", "run any program as a vendor client through the conformance cases",
			conformanceUsage, conformance},
		{"health", "exit 0 when a running stack serves every simulator",
			"Usage: mockauth health [--admin URL | --bind ADDR --port-base N] [--admin-token T]\n\nAsks a running stack's admin API whether every simulator serves: exit 0 when it does\n(the container image's HEALTHCHECK).\n",
			health},
		{"version", "print the module version and commit",
			"Usage: mockauth version\n\nPrints the module version and the VCS commit the binary was built from.\n",
			versionCmd},
		{"help", "show this help, or a command's (mockauth help COMMAND)",
			"Usage: mockauth help [COMMAND]\n", nil},
	}
}

// lookup finds a command by name.
func lookup(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// writeUsage writes the top-level help: what mockauth is, its commands,
// and the flags of serve, the default command.
func writeUsage(w io.Writer) {
	fmt.Fprint(w, "mockauth: fake vendor authentication APIs for integration tests.\n\nUsage:\n  mockauth [COMMAND] [flags]\n\nCommands:\n")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range commands {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	_ = tw.Flush()
	fmt.Fprint(w, "\n'mockauth COMMAND --help' shows a command's flags. With no command, mockauth serves.\n\nFlags of serve:\n")
	fs, _ := serveFlags(w, io.Discard)
	fs.SetOutput(w)
	fs.PrintDefaults()
}

// errUsage marks a command-line mistake: exit code 2, as flag does.
var errUsage = errors.New("usage")

// isHelp reports whether an argument asks for help.
func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }

// action reads the action word of a command that has several (mockauth
// scenario ACTION, mockauth stub ACTION): help, none or an unknown one
// answer the usage, as the error says.
func action(command, usage string, actions, args []string, stdout, stderr io.Writer) (string, []string, error) {
	switch {
	case len(args) > 0 && isHelp(args[0]):
		fmt.Fprint(stdout, usage)
		return "", nil, flag.ErrHelp
	case len(args) == 0:
		fmt.Fprint(stderr, usage)
		return "", nil, errUsage
	case !slices.Contains(actions, args[0]):
		fmt.Fprintf(stderr, "mockauth %s: unknown action %q\n%s", command, args[0], usage)
		return "", nil, errUsage
	}
	return args[0], args[1:], nil
}

// run is the whole program behind main, testable in-process: it returns the
// exit code instead of exiting.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	name := "serve"
	switch {
	case len(args) > 0 && isHelp(args[0]):
		writeUsage(stdout)
		return 0
	case len(args) > 0 && !strings.HasPrefix(args[0], "-"):
		name, args = args[0], args[1:]
	}
	cmd, ok := lookup(name)
	if !ok {
		fmt.Fprintf(stderr, "mockauth: unknown command %q\n\n", name)
		writeUsage(stderr)
		return 2
	}
	var err error
	if name == "help" {
		err = helpCmd(args, stdout, stderr)
	} else {
		err = cmd.run(ctx, args, stdout, stderr)
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
		fmt.Fprintf(stderr, "mockauth %s: %v\n", name, err)
		return 1
	}
}

// helpCmd is `mockauth help [COMMAND]`: a command's help is what its
// --help prints.
func helpCmd(args []string, stdout, stderr io.Writer) error {
	switch {
	case len(args) == 0 || isHelp(args[0]):
		writeUsage(stdout)
		return nil
	case len(args) > 1:
		fmt.Fprintf(stderr, "Usage: mockauth help [COMMAND]\n")
		return errUsage
	}
	cmd, ok := lookup(args[0])
	if !ok || cmd.name == "help" {
		fmt.Fprintf(stderr, "mockauth help: unknown command %q\n\n", args[0])
		writeUsage(stderr)
		return errUsage
	}
	return cmd.run(context.Background(), []string{"--help"}, stdout, stderr)
}

// versionCmd prints the version; it takes no arguments but --help.
func versionCmd(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("version", stdout, stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	fmt.Fprintln(stdout, version())
	return nil
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

// cmdFlags is a command's flag set and where its --help goes.
type cmdFlags struct {
	*flag.FlagSet
	stdout io.Writer // --help; mistakes go to the FlagSet's output, stderr
}

// flagSet returns the flags of a command: mistakes are reported on stderr,
// --help (the command's usage, then its flags) is printed on stdout.
func flagSet(name string, stdout, stderr io.Writer) *cmdFlags {
	fs := flag.NewFlagSet("mockauth "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	word, _, _ := strings.Cut(name, " ")
	fs.Usage = func() {
		if cmd, ok := lookup(word); ok {
			fmt.Fprint(fs.Output(), cmd.usage)
		}
		if hasFlags(fs) {
			fmt.Fprintf(fs.Output(), "\nFlags:\n")
			fs.PrintDefaults()
		}
	}
	return &cmdFlags{FlagSet: fs, stdout: stdout}
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// parse parses flags, turning a bad command line into errUsage (flag has
// already said what was wrong, on stderr) and -h or --help into its usage
// on stdout and flag.ErrHelp (exit 0).
func parse(fs *cmdFlags, args []string) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return errUsage
	}
	return nil
}

// parseFlags is parse without the check for stray arguments.
func parseFlags(fs *cmdFlags, args []string) error {
	stderr := fs.Output()
	var mistakes bytes.Buffer
	fs.SetOutput(&mistakes)
	err := fs.Parse(args)
	fs.SetOutput(stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(fs.stdout)
		fs.Usage()
		fs.SetOutput(stderr)
		return flag.ErrHelp
	case err != nil:
		_, _ = stderr.Write(mistakes.Bytes())
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
