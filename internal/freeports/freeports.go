// Package freeports finds runs of consecutive free ports on 127.0.0.1,
// for tests and tools that start a stack with a port base (the OS hands
// out single ports only).
package freeports

import (
	"fmt"
	"net"
	"strconv"
)

// Base returns the first of n consecutive ports that were all free a
// moment ago. Another process may still take one before the caller binds
// it: callers retry on "address already in use". It tries many bases: a
// test holding thousands of connections (the idle-connection limit test)
// leaves few runs free among the ephemeral ports.
func Base(n int) (int, error) {
	for range 1000 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		base := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if base+n > 65535 {
			continue
		}
		if free(base, n) {
			return base, nil
		}
	}
	return 0, fmt.Errorf("freeports: no %d consecutive free ports", n)
}

func free(base, n int) bool {
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for i := range n {
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(base+i))
		if err != nil {
			return false
		}
		lns = append(lns, ln)
	}
	return true
}
