package main

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mockauth/mockauth/simulators/admin"
)

// stubCommand drives a running stack's stubs through its admin API.
func stubCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "stub ACTION",
		Short: "list, add and remove a running stack's calls after login (stubs)",
		Long: `Lists, adds and removes the stubs (calls after login behind the vendor's
own token check) of a running stack through its admin API. A stub added
here answers on the next request and outlives a fixture reload; one the
fixtures declare is changed in its file. The stub's keys are those of a
fixture file's stubs: entry (README, "Stubs").`,
	}
	list := &cobra.Command{Use: "list [VENDOR]", Short: "list the stubs, of every vendor or of one", Args: vendorArgs(0, 1, "[VENDOR]")}
	listTarget := stackFlags(list.Flags())
	list.RunE = func(cmd *cobra.Command, args []string) error {
		path := "/stubs"
		if len(args) == 1 {
			path += "/" + url.PathEscape(args[0])
		}
		var ans struct{ Stubs []admin.StubInfo }
		if err := listTarget.call(cmd.Context(), http.MethodGet, path, nil, &ans); err != nil {
			return err
		}
		tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
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
	}

	add := &cobra.Command{Use: "add VENDOR NAME FILE", Short: "add or replace a stub: FILE holds one stub, YAML or JSON ('-' reads stdin)",
		Args: vendorArgs(3, 3, "VENDOR NAME FILE")}
	addTarget := stackFlags(add.Flags())
	add.RunE = func(cmd *cobra.Command, args []string) error {
		var data []byte
		var err error
		if args[2] == "-" {
			data, err = io.ReadAll(io.LimitReader(cmd.InOrStdin(), admin.MaxBodyBytes+1))
		} else {
			data, err = os.ReadFile(args[2])
		}
		if err != nil {
			return err
		}
		var ans struct {
			Created bool
			Stub    admin.StubInfo
		}
		if err := addTarget.call(cmd.Context(), http.MethodPut, "/stubs/"+url.PathEscape(args[0])+"/"+url.PathEscape(args[1]), data, &ans); err != nil {
			return err
		}
		what := "replaced"
		if ans.Created {
			what = "added"
		}
		fmt.Fprintf(cmd.OutOrStdout(), "%s/%s %s: %s %s (auth: %s)\n", args[0], args[1], what, ans.Stub.Method, ans.Stub.Path, ans.Stub.Auth)
		return nil
	}

	remove := &cobra.Command{Use: "remove VENDOR NAME", Short: "remove a stub added at run time", Args: vendorArgs(2, 2, "VENDOR NAME")}
	removeTarget := stackFlags(remove.Flags())
	remove.RunE = func(cmd *cobra.Command, args []string) error {
		if err := removeTarget.call(cmd.Context(), http.MethodDelete, "/stubs/"+url.PathEscape(args[0])+"/"+url.PathEscape(args[1]), nil, nil); err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "%s/%s removed\n", args[0], args[1])
		return nil
	}
	cmd.AddCommand(list, add, remove)
	return cmd
}

// vendorArgs takes min to max arguments, the first a vendor's name.
func vendorArgs(lo, hi int, synopsis string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) < lo || len(args) > hi {
			return usagef("wrong arguments %q: want %s", args, synopsis)
		}
		if len(args) > 0 {
			return checkVendor(args[0])
		}
		return nil
	}
}
