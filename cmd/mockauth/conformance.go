package main

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mockauth/mockauth/clienttests"
	"github.com/mockauth/mockauth/internal/fuzzy"
)

const conformanceLong = `Runs CMD ARGS... as a client of vendor V through every conformance case, each on a fresh
in-process stack, and prints PASS, FAIL or SKIP per case with what the client did, then
"N passed, N failed". Exit 0 only when every case that ran passed.

The program finds the case in its environment: MOCKAUTH_BASE_URL, MOCKAUTH_VENDOR,
MOCKAUTH_ENDPOINT, and every login field of the case twice, as MOCKAUTH_<FIELD> and as
mockauth env names it, MOCKAUTH_<VENDOR>_<FIELD>: MOCKAUTH_USER, MOCKAUTH_PASSWORD and, as
the vendor needs them, MOCKAUTH_ORGANISATION, MOCKAUTH_UNIT, MOCKAUTH_CODE, MOCKAUTH_FORMAT,
MOCKAUTH_BEARER, MOCKAUTH_ACCOUNT_SID (MOCKAUTH_EXOTEL_ACCOUNT_SID). On success it exits 0
with the token alone on the last line of stdout; when it decides the login failed, it exits
non-zero.

A case's deadline (--deadline) counts from the program's first request, not from its start:
a slow interpreter's start-up is not the client's fault (it has --startup to send one).
--skip CASE leaves out a case that does not apply to the client (repeatable; the name as
printed, with or without its "endpoint: "); the report and the JUnit file list it as skipped.
The JUnit entry of each case holds the client's stdout and stderr.

A call after login (ucontact campaignstatus, crmcom activities_create, autoalert
getentities) is judged over a whole flow: MOCKAUTH_CALLS says how many calls the program
makes there after logging in; it logs in again once when a call is refused, backs off
when refusals repeat, never sends "0" as a token, and ends its session at the end.`

// conformanceCommand runs any program as a vendor client through the
// conformance cases, each on a fresh stack, and judges it.
func conformanceCommand() *cobra.Command {
	var (
		vendorName, endpoint, junit, fixtures string
		parallel                              int
		deadline, startup                     time.Duration
		skips                                 []string
	)
	cmd := &cobra.Command{
		Use:   "conformance --vendor V [--endpoint E] [--fixtures DIR] [--parallel N] [--deadline 6s] [--startup 10s] [--skip CASE] [--junit FILE] -- CMD ARGS...",
		Short: "run any program as a vendor client through the conformance cases",
		Long:  conformanceLong,
	}
	fs := cmd.Flags()
	fs.StringVar(&vendorName, "vendor", "", vendorList())
	fs.StringVar(&endpoint, "endpoint", "", "one endpoint (default: all of the vendor's)")
	fs.StringVar(&junit, "junit", "", "write JUnit XML to this file")
	fs.StringVar(&fixtures, "fixtures", "", "directory of <vendor>.yaml fixture files for the cases' stacks (their demo logins are what the client is given)")
	fs.IntVar(&parallel, "parallel", 1, "run up to this many cases at once (each has its own stack; 1 suits a client that keeps state in files)")
	fs.DurationVar(&deadline, "deadline", clienttests.DefaultDeadline, "how long a case gives the client, from its first request")
	fs.DurationVar(&startup, "startup", clienttests.DefaultStartup, "how long the client has to send its first request, when its deadline starts")
	fs.StringArrayVar(&skips, "skip", nil, "leave out this case, as the report names it (repeatable)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		stdout := cmd.OutOrStdout()
		if cmd.ArgsLenAtDash() != 0 || len(args) == 0 {
			return usagef("no client program: give it after --, as in mockauth conformance --vendor ucontact -- ./client")
		}
		if err := requiredVendor(vendorName); err != nil {
			return err
		}
		endpoints := clienttests.Endpoints(vendorName)
		switch {
		case parallel < 1:
			return usagef("--parallel must be at least 1")
		case deadline <= 0 || startup <= 0:
			return usagef("--deadline and --startup must be above 0")
		case endpoint != "":
			if !slices.Contains(endpoints, endpoint) {
				return usagef("%s has no cases for endpoint %q%s (endpoints: %s)", vendorName, endpoint, fuzzy.DidYouMean(endpoint, endpoints), strings.Join(endpoints, ", "))
			}
			endpoints = []string{endpoint}
		}
		if fixtures != "" {
			if _, err := os.Stat(fixtures); err != nil {
				return fmt.Errorf("--fixtures: %w", err)
			}
		}
		client := clienttests.Program{Command: args}
		var cases []clienttests.Case
		var names []string
		for _, ep := range endpoints {
			epCases, err := clienttests.Cases(vendorName, ep)
			if err != nil {
				return err
			}
			for _, c := range epCases {
				c.FixturesDir, c.Deadline, c.Startup = fixtures, deadline, startup
				cases = append(cases, c)
				names = append(names, c.Endpoint+": "+c.Name)
			}
		}
		skipped := map[string]string{}
		for _, s := range skips {
			n := 0
			for i, c := range cases {
				if s == names[i] || s == c.Name {
					skipped[names[i]] = "--skip " + s
					n++
				}
			}
			if n == 0 {
				return usagef("--skip %q names no case%s (mockauth conformance prints the names)", s, fuzzy.DidYouMean(s, names))
			}
		}
		var run []clienttests.Case
		for i, c := range cases {
			if _, skip := skipped[names[i]]; !skip {
				run = append(run, c)
			}
		}
		results := clienttests.RunCases(cmd.Context(), run, client, parallel)
		all := make([]clienttests.Result, 0, len(cases))
		passed, failed := 0, 0
		for i, c := range cases {
			if why, skip := skipped[names[i]]; skip {
				all = append(all, clienttests.Result{Case: c, Skipped: why})
				fmt.Fprintf(stdout, "SKIP %s (%s)\n", names[i], why)
				continue
			}
			r := results[0]
			results = results[1:]
			all = append(all, r)
			if r.Passed {
				passed++
				fmt.Fprintf(stdout, "PASS %s\n", names[i])
			} else {
				failed++
				fmt.Fprintf(stdout, "FAIL %s: %s\n", names[i], r.Reason)
			}
		}
		if len(skipped) > 0 {
			fmt.Fprintf(stdout, "%d passed, %d failed, %d skipped\n", passed, failed, len(skipped))
		} else {
			fmt.Fprintf(stdout, "%d passed, %d failed\n", passed, failed)
		}
		if junit != "" {
			f, err := os.Create(junit)
			if err != nil {
				return err
			}
			if err := clienttests.WriteJUnit(f, "mockauth conformance "+vendorName, all); err != nil {
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
	return cmd
}
