// Command mockauth runs fake vendor authentication APIs (uContact, CRM.COM,
// AutoAlert, Exotel) on loopback, for integration tests that cannot use a
// real tenant. See the README for the subcommands and flags.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
