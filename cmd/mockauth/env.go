package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"unicode"

	"github.com/mockauth/mockauth/simulators"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// env prints the running stack's base URLs and demo logins as shell export
// lines, read from the admin API so they hold whatever ports, TLS and
// fixtures the stack was started with.
func env(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("env", stdout, stderr)
	admin := adminFlags(fs.FlagSet)
	wait := fs.Duration("wait", 0, "wait up to this long for a stack that is still starting (e.g. 30s)")
	if err := parse(fs, args); err != nil {
		return err
	}
	var vendors []simulators.VendorInfo
	if err := admin.callWaiting(ctx, *wait, http.MethodGet, admin.url("/vendors"), &vendors); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "export MOCKAUTH_ADMIN_URL=%s\n", shellQuote(admin.base()))
	for _, v := range vendors {
		prefix := "MOCKAUTH_" + envName(v.Name) + "_"
		fmt.Fprintf(stdout, "export %sURL=%s\n", prefix, shellQuote(v.BaseURL))
		keys := make([]string, 0, len(v.Demo))
		for k := range v.Demo {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(stdout, "export %s%s=%s\n", prefix, envName(k), shellQuote(v.Demo[k]))
		}
	}
	return nil
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
