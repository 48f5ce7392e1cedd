package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mockauth/mockauth/contracts"
	"github.com/mockauth/mockauth/simulators"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// errDrift makes contract check exit 1 after printing its report.
var errDrift = fmt.Errorf("drift found")

const contractUsage = `Usage: mockauth contract check --vendor V --base-url URL [--user U --password P] [--organisation O --unit U] [--code C] [--demo KEY=VALUE ...] [--token NAME=VALUE ...]
       mockauth contract evidence [--vendor V] [--json]

check sends the vendor's documented requests (the samples of its description, their variants,
and a wrong password for every login) to any server, a simulator or a real tenant, and reports
where the answers drift from its contract: exit 0 for no drift, 1 for drift. The requests carry
the demo logins of the embedded fixtures unless flags override them (field names as in
GET /__admin/vendors: user, password, organisation, unit, agentUser, ...).

evidence prints the fidelity table: for every operation and response of each vendor's contract,
and for its answers to requests no operation takes, whether the behaviour rests on public
evidence (x-evidence: the vendor page, wiki, public client or capture) or on mockauth's
reading (x-reading: nothing public documents it; why this choice, and the fixture setting for
the other known variants). Read it before trusting a green test.
`

// contractCmd is `mockauth contract check|evidence`.
func contractCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	switch {
	case len(args) > 0 && isHelp(args[0]):
		fmt.Fprint(stdout, contractUsage)
		return flag.ErrHelp
	case len(args) > 0 && args[0] == "check":
		return contractCheck(ctx, args[1:], stdout, stderr)
	case len(args) > 0 && args[0] == "evidence":
		return contractEvidence(args[1:], stdout, stderr)
	}
	if len(args) > 0 {
		fmt.Fprintf(stderr, "mockauth contract: unknown action %q\n", args[0])
	}
	fmt.Fprint(stderr, contractUsage)
	return errUsage
}

// contractEvidence is `mockauth contract evidence`: the fidelity table of
// the vendors' contracts, read from the binary's own (no stack needed).
func contractEvidence(args []string, stdout, stderr io.Writer) error {
	fs := flagSet("contract evidence", stdout, stderr)
	vendorName := fs.String("vendor", "", "only this vendor: "+vendorList())
	asJSON := fs.Bool("json", false, "print the rows as JSON instead of a table")
	if err := parse(fs, args); err != nil {
		return err
	}
	specs := simulators.Specs()
	if *vendorName != "" {
		spec, ok := simulators.SpecOf(*vendorName)
		if !ok {
			fmt.Fprintf(stderr, "mockauth contract evidence: --vendor must be %s\n", vendorList())
			return errUsage
		}
		specs = []vendor.Spec{spec}
	}
	var rows []contracts.Basis
	var errs []error
	for _, spec := range specs {
		r, err := simulators.Fidelity(spec)
		rows = append(rows, r...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rows); err != nil {
			return err
		}
	} else {
		writeFidelity(stdout, rows)
	}
	return errors.Join(errs...)
}

// writeFidelity prints the fidelity table, then each vendor's count of
// behaviours on evidence and on a reading.
func writeFidelity(w io.Writer, rows []contracts.Basis) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VENDOR\tBEHAVIOUR\tBASIS\tSOURCE")
	type tally struct{ evidence, reading int }
	var order []string
	counts := map[string]*tally{}
	for _, r := range rows {
		behaviour := r.Method + " " + r.Path + " (" + r.Operation + ")"
		switch {
		case r.Operation == contracts.NoRoute:
			behaviour = "no documented operation: 404, 405"
		case r.Status != "":
			behaviour = r.Operation + " " + r.Status
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Vendor, behaviour, r.Kind, r.Source)
		c, ok := counts[r.Vendor]
		if !ok {
			c = &tally{}
			counts[r.Vendor] = c
			order = append(order, r.Vendor)
		}
		if r.Kind == contracts.KindEvidence {
			c.evidence++
		} else {
			c.reading++
		}
	}
	_ = tw.Flush()
	fmt.Fprintln(w)
	for _, v := range order {
		c := counts[v]
		fmt.Fprintf(w, "%s: %d behaviours, %d on evidence, %d on a reading\n", v, c.evidence+c.reading, c.evidence, c.reading)
	}
}

// contractCheck is `mockauth contract check`: it sends a vendor's
// documented requests to any server and reports where the answers drift
// from the contract.
func contractCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
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
	if err := parse(fs, args); err != nil {
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
