package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/mockauth/mockauth/simulators/admin"
)

const stubUsage = `Usage:
  mockauth stub list [VENDOR] [--admin URL]
  mockauth stub add VENDOR NAME FILE [--admin URL]   FILE: one stub, YAML or JSON ('-' reads stdin)
  mockauth stub remove VENDOR NAME [--admin URL]

Lists, adds and removes the stubs (calls after login behind the vendor's
own token check) of a running stack through its admin API. A stub added
here answers on the next request and outlives a fixture reload; one the
fixtures declare is changed in its file. The stub's keys are those of a
fixture file's stubs: entry (README, "Stubs").
`

var stubActions = []string{"list", "add", "remove"}

// stubCmd drives a running stack's stubs through its admin API.
func stubCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	verb, args, err := action("stub", stubUsage, stubActions, args, stdout, stderr)
	if err != nil {
		return err
	}
	fs := flagSet("stub "+verb, stdout, stderr)
	target := adminFlags(fs.FlagSet)
	// Positional arguments may come before or after the flags.
	var pos []string
	for len(args) > 0 && !strings.HasPrefix(args[0], "-") || len(args) > 0 && args[0] == "-" {
		pos, args = append(pos, args[0]), args[1:]
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	pos = append(pos, fs.Args()...)
	want := map[string]int{"list": 0, "add": 3, "remove": 2}[verb]
	if len(pos) < want || verb == "list" && len(pos) > 1 || verb != "list" && len(pos) > want {
		fmt.Fprintf(stderr, "mockauth stub %s: wrong arguments %q\n%s", verb, pos, stubUsage)
		return errUsage
	}
	switch verb {
	case "list":
		path := "/stubs"
		if len(pos) == 1 {
			path += "/" + url.PathEscape(pos[0])
		}
		var ans struct{ Stubs []admin.StubInfo }
		if err := target.call(ctx, http.MethodGet, target.url(path), &ans); err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "VENDOR\tSTUB\tREQUEST\tAUTH\tCONTRACT\tFROM\n")
		for _, s := range ans.Stubs {
			contract := s.Contract
			if contract == "" {
				contract = "none"
			}
			from := s.Origin
			if s.Origin != "admin API" {
				from = s.Source
			}
			fmt.Fprintf(tw, "%s\t%s\t%s %s\t%s\t%s\t%s\n", s.Vendor, s.Name, s.Method, s.Path, s.Auth, contract, from)
		}
		return tw.Flush()
	case "add":
		var data []byte
		var err error
		if pos[2] == "-" {
			data, err = io.ReadAll(io.LimitReader(os.Stdin, admin.MaxBodyBytes+1))
		} else {
			data, err = os.ReadFile(pos[2])
		}
		if err != nil {
			return err
		}
		var ans struct {
			Created bool
			Stub    admin.StubInfo
		}
		u := target.url("/stubs/" + url.PathEscape(pos[0]) + "/" + url.PathEscape(pos[1]))
		if err := target.send(ctx, http.MethodPut, u, data, &ans); err != nil {
			return err
		}
		what := "replaced"
		if ans.Created {
			what = "added"
		}
		fmt.Fprintf(stdout, "%s/%s %s: %s %s (auth: %s)\n", pos[0], pos[1], what, ans.Stub.Method, ans.Stub.Path, ans.Stub.Auth)
	case "remove":
		u := target.url("/stubs/" + url.PathEscape(pos[0]) + "/" + url.PathEscape(pos[1]))
		if err := target.call(ctx, http.MethodDelete, u, nil); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s/%s removed\n", pos[0], pos[1])
	}
	return nil
}
