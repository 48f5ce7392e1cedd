package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mockauth/mockauth/simulators/scenario"
)

const scenarioUsage = `Usage:
  mockauth scenario list [--admin URL]
  mockauth scenario activate NAME [--ttl 5m] [--admin URL]
  mockauth scenario deactivate NAME [--admin URL]
  mockauth scenario reset [--admin URL]          switch every scenario off

Switches a running stack's failure scenarios through its admin API
('mockauth scenario ACTION --help' lists the flags).
`

// scenarioActions are the actions of mockauth scenario.
var scenarioActions = []string{"list", "activate", "deactivate", "reset"}

// scenarioCmd drives a running stack's scenarios through its admin API, for
// QA at a terminal.
func scenarioCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	verb, args, err := action("scenario", scenarioUsage, scenarioActions, args, stdout, stderr)
	if err != nil {
		return err
	}
	fs := flagSet("scenario "+verb, stdout, stderr)
	admin := adminFlags(fs.FlagSet)
	var ttl *time.Duration
	if verb == "activate" {
		ttl = fs.Duration("ttl", 0, "switch the scenario off after this long")
	}
	// The scenario name may come before or after the flags.
	var name string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if name == "" && fs.NArg() > 0 {
		name = fs.Arg(0)
	}
	base := admin.url("/scenarios")
	needName := func() error {
		if name == "" {
			fmt.Fprintf(stderr, "mockauth scenario %s: which scenario? (mockauth scenario list)\n", verb)
			return errUsage
		}
		return nil
	}
	switch verb {
	case "list":
		var ans struct {
			File      string            `json:"file"`
			Scenarios []scenario.Status `json:"scenarios"`
		}
		if err := admin.call(ctx, http.MethodGet, base, &ans); err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "SCENARIO\tACTIVE\tDESCRIPTION\n")
		for _, s := range ans.Scenarios {
			active := "-"
			if s.Active {
				active = "on"
				if s.ExpiresAt != nil {
					active = "until " + s.ExpiresAt.Local().Format(time.TimeOnly)
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Name, active, s.Description)
		}
		return tw.Flush()
	case "activate":
		if err := needName(); err != nil {
			return err
		}
		u := base + "/" + url.PathEscape(name)
		if *ttl > 0 {
			u += "?ttl=" + ttl.String()
		}
		var st scenario.Status
		if err := admin.call(ctx, http.MethodPut, u, &st); err != nil {
			return err
		}
		if st.ExpiresAt != nil {
			fmt.Fprintf(stdout, "%s on until %s\n", st.Name, st.ExpiresAt.Local().Format(time.TimeOnly))
		} else {
			fmt.Fprintf(stdout, "%s on\n", st.Name)
		}
	case "deactivate":
		if err := needName(); err != nil {
			return err
		}
		var st scenario.Status
		if err := admin.call(ctx, http.MethodDelete, base+"/"+url.PathEscape(name), &st); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s off\n", st.Name)
	case "reset":
		if err := admin.call(ctx, http.MethodDelete, base, nil); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "every scenario off")
	}
	return nil
}
