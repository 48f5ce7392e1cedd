package clienttests

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mockauth/mockauth/simulators/vendor"
)

// Program runs any executable as the client: the case's base URL and
// credentials come in MOCKAUTH_* environment variables; success is exit 0
// with the token alone on the last line of stdout, failure a non-zero exit.
type Program struct {
	Command []string
	Dir     string
}

// Verb implements the judge's wording: a program prints its token.
func (p Program) Verb() string { return "printed" }

// Environ is the environment a program gets for a case.
func Environ(env Env) []string {
	vars := []string{
		"MOCKAUTH_BASE_URL=" + env.BaseURL,
		"MOCKAUTH_VENDOR=" + env.Vendor,
		"MOCKAUTH_ENDPOINT=" + env.Endpoint,
	}
	if env.Calls > 0 {
		vars = append(vars, "MOCKAUTH_CALLS="+strconv.Itoa(env.Calls))
	}
	// Every login field the case gives, under two names: MOCKAUTH_<FIELD>
	// and, as mockauth env names it, MOCKAUTH_<VENDOR>_<FIELD>
	// (accountSid: MOCKAUTH_ACCOUNT_SID and MOCKAUTH_EXOTEL_ACCOUNT_SID).
	prefix := "MOCKAUTH_" + vendor.EnvName(env.Vendor) + "_"
	for _, k := range slices.Sorted(maps.Keys(env.Creds)) {
		name := vendor.EnvName(k)
		vars = append(vars, "MOCKAUTH_"+name+"="+env.Creds[k], prefix+name+"="+env.Creds[k])
	}
	return vars
}

// Login implements Client.
func (p Program) Login(ctx context.Context, env Env) (string, error) {
	if len(p.Command) == 0 {
		return "", errors.New("no command to run")
	}
	cmd := exec.CommandContext(ctx, p.Command[0], p.Command[1:]...)
	cmd.Dir = p.Dir
	cmd.Env = append(os.Environ(), Environ(env)...)
	cmd.WaitDelay = time.Second // a child left holding stdout cannot hold the judge
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	keepOutput(ctx, stdout.Bytes(), stderr.Bytes())
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:]
		}
		if msg != "" {
			return "", fmt.Errorf("%v (stderr: %s)", err, msg)
		}
		return "", err
	}
	lines := strings.Split(strings.TrimRight(stdout.String(), "\r\n"), "\n")
	return strings.TrimRight(lines[len(lines)-1], "\r"), nil
}
