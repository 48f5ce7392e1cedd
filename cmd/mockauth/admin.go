package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/mockauth/mockauth/simulators"
)

// adminTarget is how a command (env, scenario, health) reaches a running
// stack's admin API: --admin, or --bind and --port-base as the stack was
// started with, and --admin-token.
type adminTarget struct {
	admin    *string
	bind     *string
	portBase *int
	token    *string
}

// adminFlags registers the flags of an adminTarget.
func adminFlags(fs *flag.FlagSet) *adminTarget {
	return &adminTarget{
		admin:    fs.String("admin", "", "admin API base URL (default: from --bind and --port-base)"),
		bind:     fs.String("bind", "127.0.0.1", "address the stack was started with"),
		portBase: fs.Int("port-base", simulators.DefaultPortBase, "port base the stack was started with"),
		token:    fs.String("admin-token", os.Getenv("MOCKAUTH_ADMIN_TOKEN"), "the stack's admin token, if it has one (default $MOCKAUTH_ADMIN_TOKEN)"),
	}
}

// base is the admin API's base URL.
func (a *adminTarget) base() string {
	if *a.admin != "" {
		return strings.TrimSuffix(*a.admin, "/")
	}
	return "http://" + net.JoinHostPort(*a.bind, strconv.Itoa(*a.portBase))
}

// url is an admin API call's URL: path below /__admin.
func (a *adminTarget) url(path string) string { return a.base() + simulators.AdminPrefix + path }

// unreachableError is an admin API that did not answer at all (not yet
// started, or stopped), as opposed to one that answered with an error.
type unreachableError struct{ err error }

func (e *unreachableError) Error() string {
	return fmt.Sprintf("cannot reach the admin API (is 'mockauth serve' running?): %v", e.err)
}

func (e *unreachableError) Unwrap() error { return e.err }

// callWaiting is call, retried while the admin API is unreachable, for up
// to wait: a stack that is still starting answers soon.
func (a *adminTarget) callWaiting(ctx context.Context, wait time.Duration, method, u string, out any) error {
	deadline := time.Now().Add(wait)
	for {
		err := a.call(ctx, method, u, out)
		var unreachable *unreachableError
		if err == nil || !errors.As(err, &unreachable) || !time.Now().Before(deadline) {
			if err != nil && wait > 0 && errors.As(err, &unreachable) {
				return fmt.Errorf("no stack answered within %v: %w", wait, err)
			}
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// call makes one admin API call, turning its JSON error into an error.
func (a *adminTarget) call(ctx context.Context, method, u string, out any) error {
	return a.send(ctx, method, u, nil, out)
}

// send is call with a request body.
func (a *adminTarget) send(ctx context.Context, method, u string, body []byte, out any) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	if *a.token != "" {
		req.Header.Set("Authorization", "Bearer "+*a.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return &unreachableError{err}
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		var e struct{ Error string }
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			return fmt.Errorf("%s", e.Error)
		}
		return fmt.Errorf("admin API answered %s: %s", res.Status, bytes.TrimSpace(data))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}
