package main

import (
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/mockauth/mockauth/simulators"
	"github.com/mockauth/mockauth/simulators/vendor"
)

func envCommand() *cobra.Command {
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "env [--wait 30s]",
		Short: "print the running stack's base URLs and demo logins as shell exports",
		Long: `Prints MOCKAUTH_ADMIN_URL (which every mockauth command reads), MOCKAUTH_CA_FILE for a stack
served with --tls, and for each vendor MOCKAUTH_<VENDOR>_URL and its demo logins
(MOCKAUTH_<VENDOR>_USER, _PASSWORD, and <ROLE>_USER, <ROLE>_PASSWORD, ... where a vendor has more).
It fails (exit 1, nothing on stdout) when no stack answers, so use it as:
  out=$(mockauth env --wait 30s) && eval "$out"`,
		Args: noArgs,
	}
	cmd.Flags().DurationVar(&wait, "wait", 0, "wait up to this long for a stack that is still starting (e.g. 30s)")
	target := stackFlags(cmd.Flags())
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		var vendors []simulators.VendorInfo
		if err := target.callWaiting(cmd.Context(), wait, http.MethodGet, "/vendors", &vendors); err != nil {
			return err
		}
		writeEnv(cmd.OutOrStdout(), target, vendors)
		return nil
	}
	return cmd
}

// writeEnv prints the export lines of a stack's vendors.
func writeEnv(w io.Writer, target *stackTarget, vendors []simulators.VendorInfo) {
	fmt.Fprintf(w, "export MOCKAUTH_ADMIN_URL=%s\n", shellQuote(target.base))
	if strings.HasPrefix(target.base, "https:") {
		if ca := target.caPath(); ca != "" {
			fmt.Fprintf(w, "export MOCKAUTH_CA_FILE=%s\n", shellQuote(ca))
		}
	}
	for _, v := range vendors {
		prefix := "MOCKAUTH_" + envName(v.Name) + "_"
		fmt.Fprintf(w, "export %sURL=%s\n", prefix, shellQuote(v.BaseURL))
		for _, k := range slices.Sorted(maps.Keys(v.Demo)) {
			fmt.Fprintf(w, "export %s%s=%s\n", prefix, envName(k), shellQuote(v.Demo[k]))
		}
	}
}

// envName is vendor.EnvName.
func envName(s string) string { return vendor.EnvName(s) }

// shellQuote quotes a value for POSIX shells when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-_./:=@%+,", r)))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
