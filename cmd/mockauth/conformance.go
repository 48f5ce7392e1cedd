package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/mockauth/mockauth/clienttests"
)

// errCasesFailed makes conformance exit 1 after its report.
var errCasesFailed = fmt.Errorf("conformance cases failed")

const conformanceUsage = `Usage: mockauth conformance --vendor V [--endpoint E] [--fixtures DIR] [--parallel N] [--junit FILE] -- CMD ARGS...

Runs CMD ARGS... as a client of vendor V through every conformance case, each on a fresh
in-process stack, and prints PASS or FAIL per case with what the client did, then
"N passed, N failed". Exit 0 only when every case passed.

The program finds the case in its environment: MOCKAUTH_BASE_URL, MOCKAUTH_VENDOR,
MOCKAUTH_ENDPOINT, MOCKAUTH_USER, MOCKAUTH_PASSWORD and, as the vendor needs them,
MOCKAUTH_ORGANISATION, MOCKAUTH_UNIT, MOCKAUTH_CODE, MOCKAUTH_FORMAT, MOCKAUTH_BEARER.
On success it exits 0 with the token alone on the last line of stdout; when it decides
the login failed, it exits non-zero.

A call after login (ucontact campaignstatus, crmcom activities_create, autoalert
getentities) is judged over a whole flow: MOCKAUTH_CALLS says how many calls the program
makes there after logging in; it logs in again once when a call is refused, backs off
when refusals repeat, never sends "0" as a token, and ends its session at the end.
`

// conformance runs any program as a vendor client through the conformance
// cases, each on a fresh stack, and judges it.
func conformance(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flagArgs, command := args, []string(nil)
	if i := slices.Index(args, "--"); i >= 0 {
		flagArgs, command = args[:i], args[i+1:]
	}
	fs := flagSet("conformance", stdout, stderr)
	vendor := fs.String("vendor", "", vendorList())
	endpoint := fs.String("endpoint", "", "one endpoint (default: all of the vendor's)")
	junit := fs.String("junit", "", "write JUnit XML to this file")
	fixtures := fs.String("fixtures", "", "directory of <vendor>.yaml fixture files for the cases' stacks (their demo logins are what the client is given)")
	parallel := fs.Int("parallel", 1, "run up to this many cases at once (each has its own stack; 1 suits a client that keeps state in files)")
	if err := parse(fs, flagArgs); err != nil {
		return err
	}
	endpoints := clienttests.Endpoints(*vendor)
	switch {
	case len(command) == 0:
		fmt.Fprintf(stderr, "mockauth conformance: no client program: give it after --\n%s", conformanceUsage)
		return errUsage
	case endpoints == nil:
		fmt.Fprintf(stderr, "mockauth conformance: --vendor must be %s\n", vendorList())
		return errUsage
	case *parallel < 1:
		fmt.Fprintln(stderr, "mockauth conformance: --parallel must be at least 1")
		return errUsage
	case *endpoint != "":
		if !slices.Contains(endpoints, *endpoint) {
			fmt.Fprintf(stderr, "mockauth conformance: %s has no cases for endpoint %q (endpoints: %v)\n", *vendor, *endpoint, endpoints)
			return errUsage
		}
		endpoints = []string{*endpoint}
	}
	client := clienttests.Program{Command: command}
	var cases []clienttests.Case
	for _, ep := range endpoints {
		epCases, err := clienttests.Cases(*vendor, ep)
		if err != nil {
			return err
		}
		for _, c := range epCases {
			c.FixturesDir = *fixtures
			cases = append(cases, c)
		}
	}
	all := clienttests.RunCases(ctx, cases, client, *parallel)
	passed, failed := 0, 0
	for _, r := range all {
		name := r.Case.Endpoint + ": " + r.Case.Name
		if r.Passed {
			passed++
			fmt.Fprintf(stdout, "PASS %s\n", name)
		} else {
			failed++
			fmt.Fprintf(stdout, "FAIL %s: %s\n", name, r.Reason)
		}
	}
	fmt.Fprintf(stdout, "%d passed, %d failed\n", passed, failed)
	if *junit != "" {
		f, err := os.Create(*junit)
		if err != nil {
			return err
		}
		if err := clienttests.WriteJUnit(f, "mockauth conformance "+*vendor, all); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	if failed > 0 {
		return errCasesFailed
	}
	return nil
}
