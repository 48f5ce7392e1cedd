// Package netlimit holds the stack's listeners to their bounds.
package netlimit

import (
	"errors"
	"net"
	"sync"
)

// limitListener holds at most n connections open: Accept waits for one to
// close, leaving the rest in the system's accept queue (issue 31, N5). It
// is golang.org/x/net/netutil's LimitListener, but for one thing: its
// connections give the TCP connection back (NetConn), so a fault can
// reset it (SetLinger) as it resets an unwrapped one.
type limitListener struct {
	net.Listener
	sem       chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// Limit is l holding at most n connections open at once.
func Limit(l net.Listener, n int) net.Listener {
	return &limitListener{Listener: l, sem: make(chan struct{}, n), done: make(chan struct{})}
}

// Accept waits for room, then for a connection.
func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &limitedConn{Conn: c, release: func() { <-l.sem }}, nil
}

// Close stops the listener; an Accept waiting for room returns.
func (l *limitListener) Close() error {
	err := l.Listener.Close()
	l.closeOnce.Do(func() { close(l.done) })
	return err
}

// limitedConn gives its place back when it closes, once.
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// NetConn is the connection underneath, as tls.Conn's NetConn is.
func (c *limitedConn) NetConn() net.Conn { return c.Conn }

// Once is l closing once: the server's Shutdown closes it again without
// an error.
func Once(l net.Listener) net.Listener { return &onceListener{Listener: l} }

type onceListener struct {
	net.Listener
	once sync.Once
}

func (l *onceListener) Close() error {
	err := net.ErrClosed
	l.once.Do(func() { err = l.Listener.Close() })
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
