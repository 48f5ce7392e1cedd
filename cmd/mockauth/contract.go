package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/mockauth/mockauth/contracts"
)

// errDrift makes contract check exit 1 after printing its report.
var errDrift = fmt.Errorf("drift found")

const contractUsage = `Usage: mockauth contract check --vendor V --base-url URL [--user U --password P] [--organisation O --unit U] [--code C] [--bearer T]

Sends the vendor's documented requests to any server (a simulator or a real tenant) and reports
where the answers drift from contracts/<vendor>.yaml: exit 0 for no drift, 1 for drift.
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
	vendor := fs.String("vendor", "", vendorList())
	base := fs.String("base-url", "", "the server to check: a simulator or a real tenant")
	var c contracts.Credentials
	fs.StringVar(&c.User, "user", "", "login (default: the demo login)")
	fs.StringVar(&c.Password, "password", "", "password (default: the demo password)")
	fs.StringVar(&c.Organisation, "organisation", "", "crmcom organisation")
	fs.StringVar(&c.Unit, "unit", "", "crmcom unit")
	fs.StringVar(&c.Code, "code", "", "autoalert security code")
	fs.StringVar(&c.Bearer, "bearer", "", "exotel admin bearer token (default: log in at /login with --user/--password)")
	timeout := fs.Duration("timeout", 10*time.Second, "per-request timeout")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *vendor == "" || *base == "" {
		fmt.Fprintln(stderr, "mockauth contract check: --vendor and --base-url are required")
		return errUsage
	}
	rep, err := contracts.Check(ctx, &http.Client{Timeout: *timeout}, *vendor, *base, c)
	if err != nil {
		return err
	}
	rep.Write(stdout)
	if rep.Drifted() {
		return errDrift
	}
	return nil
}
