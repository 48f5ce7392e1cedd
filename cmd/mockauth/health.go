package main

import (
	"fmt"
	"net/http"

	"github.com/spf13/cobra"
)

// healthCommand asks a running stack whether every simulator serves: exit
// 0 when it does. It is the container image's HEALTHCHECK (the image has
// no curl).
func healthCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "health",
		Short: "exit 0 when a running stack serves every simulator",
		Long:  "Asks a running stack's admin API whether every simulator serves: exit 0 when it does\n(the container image's HEALTHCHECK).",
		Args:  noArgs,
	}
	target := stackFlags(cmd.Flags())
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		var h struct {
			Status  string
			Vendors map[string]string
		}
		if err := target.call(cmd.Context(), http.MethodGet, "/health", nil, &h); err != nil {
			return err
		}
		if h.Status != "ok" || len(h.Vendors) == 0 {
			return fmt.Errorf("the stack at %s is %q (vendors %v)", target.base, h.Status, h.Vendors)
		}
		fmt.Fprintln(cmd.OutOrStdout(), h.Status)
		return nil
	}
	return cmd
}
