package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
)

// health asks a running stack whether every simulator serves: exit 0 when
// it does. It is the container image's HEALTHCHECK (the image has no curl).
func health(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("health", stdout, stderr)
	admin := adminFlags(fs.FlagSet)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := fromEnv(fs.FlagSet); err != nil {
		return err
	}
	var h struct{ Status string }
	if err := admin.call(ctx, http.MethodGet, admin.url("/health"), &h); err != nil {
		return err
	}
	fmt.Fprintln(stdout, h.Status)
	return nil
}
