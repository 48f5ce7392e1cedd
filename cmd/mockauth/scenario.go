package main

import (
	"fmt"
	"net/http"
	"net/url"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mockauth/mockauth/simulators/scenario"
)

// scenarioCommand drives a running stack's scenarios through its admin
// API, for QA at a terminal.
func scenarioCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "scenario ACTION",
		Short: "switch a running stack's failure scenarios on and off",
		Long:  "Switches a running stack's failure scenarios through its admin API\n('mockauth scenario ACTION --help' lists the flags).",
	}
	list := &cobra.Command{Use: "list", Short: "list the scenarios and which are on", Args: noArgs}
	listTarget := stackFlags(list.Flags())
	list.RunE = func(cmd *cobra.Command, _ []string) error {
		var ans struct {
			File      string            `json:"file"`
			Scenarios []scenario.Status `json:"scenarios"`
		}
		if err := listTarget.call(cmd.Context(), http.MethodGet, "/scenarios", nil, &ans); err != nil {
			return err
		}
		tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
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
	}

	var ttl time.Duration
	activate := &cobra.Command{Use: "activate NAME [--ttl 5m]", Short: "switch a scenario on", Args: oneName}
	activate.Flags().DurationVar(&ttl, "ttl", 0, "switch the scenario off after this long")
	activateTarget := stackFlags(activate.Flags())
	activate.RunE = func(cmd *cobra.Command, args []string) error {
		path := "/scenarios/" + url.PathEscape(args[0])
		if ttl > 0 {
			path += "?ttl=" + ttl.String()
		}
		var st scenario.Status
		if err := activateTarget.call(cmd.Context(), http.MethodPut, path, nil, &st); err != nil {
			return err
		}
		if st.ExpiresAt != nil {
			fmt.Fprintf(cmd.OutOrStdout(), "%s on until %s\n", st.Name, st.ExpiresAt.Local().Format(time.TimeOnly))
		} else {
			fmt.Fprintf(cmd.OutOrStdout(), "%s on\n", st.Name)
		}
		return nil
	}

	deactivate := &cobra.Command{Use: "deactivate NAME", Short: "switch a scenario off", Args: oneName}
	deactivateTarget := stackFlags(deactivate.Flags())
	deactivate.RunE = func(cmd *cobra.Command, args []string) error {
		var st scenario.Status
		if err := deactivateTarget.call(cmd.Context(), http.MethodDelete, "/scenarios/"+url.PathEscape(args[0]), nil, &st); err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "%s off\n", st.Name)
		return nil
	}

	reset := &cobra.Command{Use: "reset", Short: "switch every scenario off", Args: noArgs}
	resetTarget := stackFlags(reset.Flags())
	reset.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := resetTarget.call(cmd.Context(), http.MethodDelete, "/scenarios", nil, nil); err != nil {
			return err
		}
		fmt.Fprintln(cmd.OutOrStdout(), "every scenario off")
		return nil
	}
	cmd.AddCommand(list, activate, deactivate, reset)
	return cmd
}

// oneName takes exactly one scenario name.
func oneName(_ *cobra.Command, args []string) error {
	switch {
	case len(args) == 0:
		return usagef("which scenario? (mockauth scenario list)")
	case len(args) > 1:
		return usagef("one scenario at a time, not %q", args)
	}
	return nil
}
