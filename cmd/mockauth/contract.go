package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/mockauth/mockauth/contracts"
	"github.com/mockauth/mockauth/simulators"
)

// errDrift makes contract check exit 1 after printing its report.
var errDrift = fmt.Errorf("drift found")

const contractUsage = `Usage: mockauth contract check --vendor V --base-url URL [--user U --password P] [--organisation O --unit U] [--code C] [--demo KEY=VALUE ...] [--token NAME=VALUE ...]

Sends the vendor's documented requests (the samples of its description, their variants, and a
wrong password for every login) to any server, a simulator or a real tenant, and reports where
the answers drift from its contract: exit 0 for no drift, 1 for drift. The requests carry the
demo logins of the embedded fixtures unless flags override them (field names as in
GET /__admin/vendors: user, password, organisation, unit, agentUser, ...).
`

// contractCmd is `mockauth contract check`: it sends a vendor's documented
// requests to any server and reports where the answers drift from the
// contract.
func contractCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	switch {
	case len(args) > 0 && isHelp(args[0]):
		fmt.Fprint(stdout, contractUsage)
		return flag.ErrHelp
	case len(args) == 0 || args[0] != "check":
		if len(args) > 0 {
			fmt.Fprintf(stderr, "mockauth contract: unknown action %q\n", args[0])
		}
		fmt.Fprint(stderr, contractUsage)
		return errUsage
	}
	fs := flagSet("contract check", stdout, stderr)
	vendorName := fs.String("vendor", "", vendorList())
	base := fs.String("base-url", "", "the server to check: a simulator or a real tenant")
	var demoFlags, tokenFlags stringsFlag
	user := fs.String("user", "", "login (default: the demo login of the embedded fixtures)")
	password := fs.String("password", "", "password (default: the demo login's)")
	organisation := fs.String("organisation", "", "crmcom organisation (default: the demo login's)")
	unit := fs.String("unit", "", "crmcom unit (default: the demo login's)")
	code := fs.String("code", "", "autoalert: the security code of --user, when it needs one")
	fs.Var(&demoFlags, "demo", "KEY=VALUE: a demo login field the requests use (repeatable)")
	fs.Var(&tokenFlags, "token", "NAME=VALUE: a token the check is given instead of logging in for it (repeatable), e.g. adminToken for exotel")
	bearer := fs.String("bearer", "", "exotel: an admin bearer (same as --token adminToken=T; default: log in at /login)")
	timeout := fs.Duration("timeout", 10*time.Second, "per-request timeout")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *vendorName == "" || *base == "" {
		fmt.Fprintln(stderr, "mockauth contract check: --vendor and --base-url are required")
		return errUsage
	}
	spec, ok := simulators.SpecOf(*vendorName)
	if !ok {
		fmt.Fprintf(stderr, "mockauth contract check: --vendor must be %s\n", vendorList())
		return errUsage
	}
	demo, err := simulators.DefaultDemo(spec)
	if err != nil {
		return err
	}
	for k, v := range map[string]string{"user": *user, "password": *password, "organisation": *organisation, "unit": *unit, "userCode": *code} {
		if v != "" {
			demo[k] = v
		}
	}
	kept := map[string]string{}
	if *bearer != "" {
		kept["adminToken"] = *bearer
	}
	for _, set := range []struct {
		flag string
		kvs  []string
		into map[string]string
	}{{"--demo", demoFlags, demo}, {"--token", tokenFlags, kept}} {
		for _, kv := range set.kvs {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				fmt.Fprintf(stderr, "mockauth contract check: %s %q: want NAME=VALUE\n", set.flag, kv)
				return errUsage
			}
			set.into[k] = v
		}
	}
	rep, err := contracts.Check(ctx, &http.Client{Timeout: *timeout}, spec, *base, demo, kept)
	if err != nil {
		return err
	}
	rep.Write(stdout)
	if rep.Drifted() {
		return errDrift
	}
	return nil
}
