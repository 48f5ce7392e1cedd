// Package tick runs a function on a period, for the background chores of
// a stack and of mockauth serve.
package tick

import (
	"context"
	"time"
)

// Every calls f once a period until ctx ends.
func Every(ctx context.Context, period time.Duration, f func()) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f()
		}
	}
}
