package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mockauth/mockauth/contracts"
	"github.com/mockauth/mockauth/simulators"
	"github.com/mockauth/mockauth/simulators/vendor"
)

const contractLong = `check sends the vendor's documented requests (the samples of its description, their variants,
and a wrong password for every login) to any server, a simulator or a real tenant, and reports
where the answers drift from its contract: exit 0 for no drift, 1 for drift. The server is
--base-url, or the vendor's port of the stack found as every command finds it (--admin-url,
MOCKAUTH_ADMIN_URL, MOCKAUTH_PORT_BASE, ...). The requests carry the demo logins of the
embedded fixtures unless flags override them (field names as in GET /__admin/vendors: user,
password, organisation, unit, agentUser, ...).

evidence prints the fidelity table: for every operation and response of each vendor's contract,
and for its answers to requests no operation takes, whether the behaviour rests on public
evidence (x-evidence: the vendor page, wiki, public client or capture) or on mockauth's
reading (x-reading: nothing public documents it; why this choice, and the fixture setting for
the other known variants). Read it before trusting a green test.`

// contractCommand is ` + "`mockauth contract check|evidence`" + `.
func contractCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "contract ACTION",
		Short: "report where a server's answers drift from the vendor's contract",
		Long:  contractLong,
	}
	cmd.AddCommand(contractCheckCommand(), contractEvidenceCommand())
	return cmd
}

// contractEvidenceCommand is ` + "`mockauth contract evidence`" + `: the
// fidelity table of the vendors' contracts, read from the binary's own (no
// stack needed).
func contractEvidenceCommand() *cobra.Command {
	var vendorName string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "evidence [--vendor V] [--json]",
		Short: "print the fidelity table: which behaviour rests on evidence, which on a reading",
		Long:  contractLong,
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return contractEvidence(cmd.OutOrStdout(), vendorName, asJSON)
		},
	}
	cmd.Flags().StringVar(&vendorName, "vendor", "", "only this vendor: "+vendorList())
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the rows as JSON instead of a table")
	return cmd
}

// contractEvidence prints the fidelity table, of one vendor or of all.
func contractEvidence(stdout io.Writer, vendorName string, asJSON bool) error {
	specs := simulators.Specs()
	if vendorName != "" {
		if err := checkVendor(vendorName); err != nil {
			return err
		}
		spec, _ := simulators.SpecOf(vendorName)
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
	if asJSON {
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

// contractCheckCommand is ` + "`mockauth contract check`" + `: it sends a
// vendor's documented requests to any server and reports where the
// answers drift from the contract.
func contractCheckCommand() *cobra.Command {
	var (
		vendorName, base, user, password, organisation, unit, code, bearer string
		demoFlags, tokenFlags                                              []string
		timeout                                                            time.Duration
	)
	cmd := &cobra.Command{
		Use:   "check --vendor V [--base-url URL] [--user U --password P] [--organisation O --unit U] [--code C] [--demo KEY=VALUE ...] [--token NAME=VALUE ...]",
		Short: "send a vendor's documented requests to a server and report where the answers drift",
		Long:  contractLong,
		Args:  noArgs,
	}
	fs := cmd.Flags()
	fs.StringVar(&vendorName, "vendor", "", vendorList())
	fs.StringVar(&base, "base-url", "", "the server to check: a simulator or a real tenant (default: the vendor's port of the stack found)")
	fs.StringVar(&user, "user", "", "login (default: the demo login of the embedded fixtures)")
	fs.StringVar(&password, "password", "", "password (default: the demo login's)")
	fs.StringVar(&organisation, "organisation", "", "crmcom organisation (default: the demo login's)")
	fs.StringVar(&unit, "unit", "", "crmcom unit (default: the demo login's)")
	fs.StringVar(&code, "code", "", "autoalert: the security code of --user, when it needs one")
	fs.StringArrayVar(&demoFlags, "demo", nil, "KEY=VALUE: a demo login field the requests use (repeatable)")
	fs.StringArrayVar(&tokenFlags, "token", nil, "NAME=VALUE: a token the check is given instead of logging in for it (repeatable), e.g. adminToken for exotel")
	fs.StringVar(&bearer, "bearer", "", "exotel: an admin bearer (same as --token adminToken=T; default: log in at /login)")
	fs.DurationVar(&timeout, "timeout", 10*time.Second, "per-request timeout")
	target := stackFlags(fs)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := requiredVendor(vendorName); err != nil {
			return err
		}
		spec, _ := simulators.SpecOf(vendorName)
		client := &http.Client{Timeout: timeout}
		if base == "" {
			// The vendor's port of the stack every command finds.
			var vendors []simulators.VendorInfo
			if err := target.call(cmd.Context(), http.MethodGet, "/vendors", nil, &vendors); err != nil {
				return fmt.Errorf("no --base-url, and %w", err)
			}
			i := slices.IndexFunc(vendors, func(v simulators.VendorInfo) bool { return v.Name == vendorName })
			if i < 0 {
				return fmt.Errorf("the stack at %s (found from %s) runs no %s simulator: give --base-url", target.base, target.from, vendorName)
			}
			base = vendors[i].BaseURL
			client.Transport = target.client.Transport
		}
		demo, err := simulators.DefaultDemo(spec)
		if err != nil {
			return err
		}
		for k, v := range map[string]string{"user": user, "password": password, "organisation": organisation, "unit": unit, "userCode": code} {
			if v != "" {
				demo[k] = v
			}
		}
		kept := map[string]string{}
		if bearer != "" {
			kept["adminToken"] = bearer
		}
		for _, set := range []struct {
			flag string
			kvs  []string
			into map[string]string
		}{{"--demo", demoFlags, demo}, {"--token", tokenFlags, kept}} {
			for _, kv := range set.kvs {
				k, v, ok := strings.Cut(kv, "=")
				if !ok || k == "" {
					return usagef("%s %q: want NAME=VALUE", set.flag, kv)
				}
				set.into[k] = v
			}
		}
		rep, err := contracts.Check(cmd.Context(), client, spec, base, demo, kept)
		if err != nil {
			return err
		}
		rep.Write(cmd.OutOrStdout())
		if rep.Drifted() {
			return errDrift
		}
		return nil
	}
	return cmd
}
