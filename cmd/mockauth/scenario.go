package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mockauth/mockauth/simulators"
	"github.com/mockauth/mockauth/simulators/scenario"
)

const scenarioUsage = `Usage:
  mockauth scenario list [--admin URL]
  mockauth scenario activate NAME [--ttl 5m] [--admin URL]
  mockauth scenario deactivate NAME [--admin URL]
  mockauth scenario reset [--admin URL]          switch every scenario off
`

// scenarioCmd drives a running stack's scenarios through its admin API, for
// QA at a terminal.
func scenarioCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, scenarioUsage)
		return errUsage
	}
	verb, args := args[0], args[1:]
	fs := flagSet("scenario "+verb, stderr)
	admin := fs.String("admin", "http://"+net.JoinHostPort("127.0.0.1", strconv.Itoa(simulators.DefaultPortBase)), "admin API base URL")
	ttl := fs.Duration("ttl", 0, "with activate: switch the scenario off after this long")
	token := fs.String("admin-token", os.Getenv("MOCKAUTH_ADMIN_TOKEN"), "the stack's admin token, if it has one (default $MOCKAUTH_ADMIN_TOKEN)")
	// The scenario name may come before or after the flags.
	var name string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return errUsageOrHelp(err)
	}
	if name == "" && fs.NArg() > 0 {
		name = fs.Arg(0)
	}
	base := strings.TrimSuffix(*admin, "/") + simulators.AdminPrefix + "/scenarios"
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
		if err := call(ctx, http.MethodGet, base, *token, &ans); err != nil {
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
		if err := call(ctx, http.MethodPut, u, *token, &st); err != nil {
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
		if err := call(ctx, http.MethodDelete, base+"/"+url.PathEscape(name), *token, &st); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s off\n", st.Name)
	case "reset":
		if err := call(ctx, http.MethodDelete, base, *token, nil); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "every scenario off")
	default:
		fmt.Fprintf(stderr, "mockauth scenario: unknown action %q\n%s", verb, scenarioUsage)
		return errUsage
	}
	return nil
}

// call makes one admin API call, turning its JSON error into an error.
func call(ctx context.Context, method, u, token string, out any) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach the admin API (is 'mockauth serve' running?): %w", err)
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
