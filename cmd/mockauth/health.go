package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/mockauth/mockauth/simulators"
)

// health asks a running stack whether every simulator serves: exit 0 when
// it does. It is the container image's HEALTHCHECK (the image has no curl).
func health(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("health", stderr)
	admin := fs.String("admin", "", "admin API base URL (default: from --port-base)")
	portBase := fs.Int("port-base", simulators.DefaultPortBase, "port base the stack was started with")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := fromEnv(fs); err != nil {
		return err
	}
	if *admin == "" {
		*admin = "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(*portBase))
	}
	var h struct{ Status string }
	if err := call(ctx, http.MethodGet, strings.TrimSuffix(*admin, "/")+simulators.AdminPrefix+"/health", "", &h); err != nil {
		return err
	}
	fmt.Fprintln(stdout, h.Status)
	return nil
}
