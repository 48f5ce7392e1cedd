package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/spf13/cobra"
)

// clockAnswer is GET and POST /__admin/clock.
type clockAnswer struct {
	Now    time.Time `json:"now"`
	Offset string    `json:"offset"`
}

// clockCommand shows and advances a running stack's simulated clock: a
// token's lifetime passes without waiting for it.
func clockCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "clock ACTION",
		Short: "show or advance a running stack's simulated clock",
		Long:  "Shows or advances the clock every simulator reads token lifetimes from, through the admin API:\n  mockauth clock advance 61m   every token of an hour's lifetime has expired",
	}
	show := &cobra.Command{Use: "show", Short: "print the simulated time and its offset from the real one", Args: noArgs}
	showTarget := stackFlags(show.Flags())
	show.RunE = func(cmd *cobra.Command, _ []string) error {
		var ans clockAnswer
		if err := showTarget.call(cmd.Context(), http.MethodGet, "/clock", nil, &ans); err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "%s (offset %s)\n", ans.Now.Format(time.RFC3339), ans.Offset)
		return nil
	}
	advance := &cobra.Command{Use: "advance DURATION", Short: "move the simulated clock forward (61m, 2h)", Args: func(_ *cobra.Command, args []string) error {
		if len(args) != 1 {
			return usagef("give one duration, such as 61m or 2h")
		}
		if d, err := time.ParseDuration(args[0]); err != nil || d <= 0 {
			return usagef("%q is not a duration above 0, such as 61m or 2h", args[0])
		}
		return nil
	}}
	advanceTarget := stackFlags(advance.Flags())
	advance.RunE = func(cmd *cobra.Command, args []string) error {
		body, _ := json.Marshal(map[string]string{"advance": args[0]})
		var ans clockAnswer
		if err := advanceTarget.call(cmd.Context(), http.MethodPost, "/clock", body, &ans); err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "clock advanced %s: %s (offset %s)\n", args[0], ans.Now.Format(time.RFC3339), ans.Offset)
		return nil
	}
	cmd.AddCommand(show, advance)
	return cmd
}

// resetCommand puts a running stack back to its start: tokens, journal,
// clock, rule counters and active scenarios.
func resetCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "reset",
		Short: "put a running stack's tokens, journal, clock and scenarios back to their start",
		Args:  noArgs,
	}
	target := stackFlags(cmd.Flags())
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := target.call(cmd.Context(), http.MethodPost, "/reset", []byte("{}"), nil); err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "%s reset: no tokens, an empty journal, the real time, every scenario off\n", target.base)
		return nil
	}
	return cmd
}
