package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mockauth/mockauth/internal/fuzzy"
)

// The binary's version, stamped at build time (the Dockerfile:
// -ldflags "-X main.stampedVersion=v1.2.3"); empty in a plain go build,
// which reports the module version and VCS commit instead.
var stampedVersion string

// usageError is a command-line mistake: exit code 2, as flag parsing's.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// usagef is a usageError.
func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// errDrift and errCasesFailed end a command with exit 1 after its report,
// which already said why.
var (
	errDrift       = errors.New("drift found")
	errCasesFailed = errors.New("conformance cases failed")
)

// run is the whole program behind main, testable in-process: it returns the
// exit code instead of exiting.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	var usage *usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errDrift), errors.Is(err, errCasesFailed):
		return 1
	case errors.As(err, &usage):
		fmt.Fprintf(stderr, "%s: %v\n'%s --help' shows its usage.\n", cmd.CommandPath(), err, cmd.CommandPath())
		return 2
	default:
		fmt.Fprintf(stderr, "%s: %v\n", cmd.CommandPath(), err)
		return 1
	}
}

// newRoot is the command tree. With no command, mockauth serves: the
// root takes serve's flags.
func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := serveCommand("mockauth", stdout, stderr)
	root.Use = "mockauth [COMMAND] [flags]"
	root.Short = "fake vendor authentication APIs for integration tests"
	root.Long = "mockauth: fake vendor authentication APIs for integration tests.\n\n" +
		"With no command, mockauth serves (the flags below are serve's).\n" + serveLong
	root.Version = version()
	root.SetVersionTemplate("{{.Version}}\n")
	root.AddCommand(
		serveCommand("serve", stdout, stderr),
		envCommand(), scenarioCommand(), stubCommand(), clockCommand(), resetCommand(),
		contractCommand(), conformanceCommand(), healthCommand(), versionCommand(),
	)
	root.SetHelpCommand(helpCommand(root))
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SilenceErrors, root.SilenceUsage = true, true
	root.SuggestionsMinimumDistance = 2
	root.CompletionOptions.DisableDefaultCmd = true
	// Every command's flag mistakes are usage errors, with the flags it
	// may have meant.
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		msg := err.Error()
		if name, ok := strings.CutPrefix(msg, "unknown flag: --"); ok {
			msg += fuzzy.DidYouMean(name, flagNames(cmd.Flags()))
		}
		return &usageError{msg}
	})
	for _, c := range append(root.Commands(), root) {
		walk(c, func(c *cobra.Command) {
			c.Flags().SetNormalizeFunc(flagAliases)
			if c.Args == nil && c.HasSubCommands() {
				c.Args = cobra.ArbitraryArgs
				c.RunE = unknownAction
			}
		})
	}
	root.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			return usagef("unknown command %q%s", args[0], fuzzy.DidYouMean(args[0], commandNames(cmd)))
		}
		return nil
	}
	return root
}

// walk calls f on c and every command below it.
func walk(c *cobra.Command, f func(*cobra.Command)) {
	f(c)
	for _, sub := range c.Commands() {
		walk(sub, f)
	}
}

// unknownAction is the RunE of a command that only has actions (scenario,
// stub, contract, clock): no action, or one it lacks, is a usage error.
func unknownAction(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return usagef("which action? (%s)", strings.Join(commandNames(cmd), ", "))
	}
	return usagef("unknown action %q%s (actions: %s)", args[0], fuzzy.DidYouMean(args[0], commandNames(cmd)), strings.Join(commandNames(cmd), ", "))
}

// commandNames are the names of cmd's subcommands.
func commandNames(cmd *cobra.Command) []string {
	var out []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			out = append(out, c.Name())
		}
	}
	return out
}

// flagNames are the long names of a flag set's flags.
func flagNames(fs *pflag.FlagSet) []string {
	var out []string
	fs.VisitAll(func(f *pflag.Flag) { out = append(out, f.Name) })
	return out
}

// flagAliases keeps the flag names earlier versions took.
func flagAliases(_ *pflag.FlagSet, name string) pflag.NormalizedName {
	if name == "admin" {
		name = "admin-url"
	}
	return pflag.NormalizedName(name)
}

// helpCommand is `mockauth help [COMMAND...]`: a command's help is what
// its --help prints; an unknown one is a usage error.
func helpCommand(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "help [COMMAND]",
		Short: "show this help, or a command's (mockauth help COMMAND)",
		RunE: func(cmd *cobra.Command, args []string) error {
			target, rest, err := root.Find(args)
			if err != nil || len(rest) > 0 && target == root {
				name := strings.Join(args, " ")
				return usagef("unknown command %q%s", name, fuzzy.DidYouMean(name, commandNames(root)))
			}
			if len(rest) > 0 {
				return usagef("%s has no action %q%s", target.CommandPath(), rest[0], fuzzy.DidYouMean(rest[0], commandNames(target)))
			}
			target.InitDefaultHelpFlag()
			return target.Help()
		},
	}
}

// versionCommand prints the version; `mockauth --version` does too.
func versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "print the version and the commit it was built from",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), version())
			return nil
		},
	}
}

// noArgs refuses positional arguments as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("unexpected argument %q", args[0])
	}
	return nil
}

// version names the version (stamped, or the module's) and the VCS commit
// the binary was built from.
func version() string {
	v, commit, modified := stampedVersion, "", ""
	bi, ok := debug.ReadBuildInfo()
	if ok {
		if v == "" {
			v = bi.Main.Version
		}
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
	}
	if v == "" {
		v = "(devel)"
	}
	if commit == "" {
		return "mockauth " + v
	}
	return fmt.Sprintf("mockauth %s commit %s%s", v, commit, modified)
}

// envVar is the environment variable of a flag: MOCKAUTH_ and the flag's
// name in capitals, dashes as underscores (--port-base: MOCKAUTH_PORT_BASE).
func envVar(flag string) string {
	return "MOCKAUTH_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// fromEnv sets the named flags the command line left unset from their
// environment variables (all of fs's when names is empty). Flags win. A
// repeatable flag takes a comma-separated list.
func fromEnv(fs *pflag.FlagSet, names ...string) error {
	var errs []error
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Changed || len(names) > 0 && !slices.Contains(names, f.Name) {
			return
		}
		name := envVar(f.Name)
		v, ok := os.LookupEnv(name)
		if !ok {
			return
		}
		values := []string{v}
		if f.Value.Type() == "stringArray" {
			values = strings.Split(v, ",")
		}
		for _, one := range values {
			if err := fs.Set(f.Name, strings.TrimSpace(one)); err != nil {
				errs = append(errs, usagef("%s=%q: %v", name, v, err))
				return
			}
		}
		f.Changed = false // set from the environment, not the command line
	})
	return errors.Join(errs...)
}
