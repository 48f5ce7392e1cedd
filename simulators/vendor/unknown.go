package vendor

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mockauth/mockauth/internal/fuzzy"
)

// ErrUnknownVendor is what every lookup of a vendor by name wraps when
// the stack runs none of that name (errors.Is).
var ErrUnknownVendor = errors.New("unknown vendor")

// UnknownVendorError names the vendor asked for and those there are.
type UnknownVendorError struct {
	Name  string
	Known []string // the vendors there are, in port order
	// Closest is the known name closest to Name, if one is close.
	Closest string
	// Registered: Known are the registered vendors, not a stack's.
	Registered bool
}

// UnknownVendor is the error for name among known (a stack's vendors, or
// with registered the registered ones), naming the closest.
func UnknownVendor(name string, known []string, registered bool) *UnknownVendorError {
	e := &UnknownVendorError{Name: name, Known: known, Registered: registered}
	if near := fuzzy.Closest(name, known); len(near) > 0 {
		e.Closest = near[0]
	}
	return e
}

func (e *UnknownVendorError) Error() string {
	msg, known := fmt.Sprintf("no vendor %q in this stack", e.Name), "running"
	if e.Registered {
		msg, known = fmt.Sprintf("unknown vendor %q", e.Name), "known"
	}
	if e.Closest != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", e.Closest)
	}
	return msg + " (" + known + ": " + strings.Join(e.Known, ", ") + ")"
}

func (e *UnknownVendorError) Unwrap() error { return ErrUnknownVendor }
