package scenario

import (
	"fmt"
	"net"
	"net/http"
	"time"
)

// The faults that break the connection instead of answering: each takes
// the connection from net/http and does to it what a failing server or
// network would.

// connectionResetFault closes the connection with a TCP RST.
type connectionResetFault struct{}

// emptyResponseFault closes the connection without sending a byte.
type emptyResponseFault struct{}

// randomDataFault sends bytes that are not HTTP, then closes.
type randomDataFault struct {
	Bytes int `yaml:"bytes"`
}

// timeoutFault never answers: it holds the request until its duration (a
// cap, so no goroutine is held for ever) and then closes the connection.
type timeoutFault struct {
	Duration time.Duration `yaml:"duration"`
}

func init() {
	register("connection-reset", func(decode func(any) error) (Fault, error) {
		f := &connectionResetFault{}
		return f, decode(f)
	}, "CONNECTION_RESET_BY_PEER", "reset_peer")
	register("empty-response", func(decode func(any) error) (Fault, error) {
		f := &emptyResponseFault{}
		return f, decode(f)
	}, "EMPTY_RESPONSE")
	register("random-data-then-close", func(decode func(any) error) (Fault, error) {
		f := &randomDataFault{Bytes: 64}
		if err := decode(f); err != nil {
			return nil, err
		}
		if f.Bytes < 1 || f.Bytes > 1<<20 {
			return nil, fmt.Errorf("bytes must be between 1 and 1048576")
		}
		return f, nil
	}, "RANDOM_DATA_THEN_CLOSE")
	register("timeout", func(decode func(any) error) (Fault, error) {
		f := &timeoutFault{Duration: 30 * time.Second}
		if err := decode(f); err != nil {
			return nil, err
		}
		if f.Duration <= 0 || f.Duration > maxWait {
			return nil, fmt.Errorf("duration must be between 0 and %v", maxWait)
		}
		return f, nil
	})
}

// hijack takes the raw connection; with TLS it is the TCP connection
// underneath, so what the fault does reaches the client's socket as is.
func hijack(w http.ResponseWriter) (net.Conn, net.Conn, error) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return nil, nil, err
	}
	raw := conn
	// Under TLS, and under the stack's bound on connections, the TCP
	// connection is a layer or two down.
	for {
		u, ok := raw.(interface{ NetConn() net.Conn })
		if !ok {
			break
		}
		raw = u.NetConn()
	}
	return conn, raw, nil
}

func (f *connectionResetFault) Serve(w http.ResponseWriter, _ *http.Request, _ Exchange) string {
	_, raw, err := hijack(w)
	if err != nil {
		return "connection-reset: " + err.Error()
	}
	if tcp, ok := raw.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0) // Close then sends RST instead of FIN
	}
	_ = raw.Close()
	return "connection-reset: TCP RST"
}

func (f *emptyResponseFault) Serve(w http.ResponseWriter, _ *http.Request, _ Exchange) string {
	_, raw, err := hijack(w)
	if err != nil {
		return "empty-response: " + err.Error()
	}
	_ = raw.Close()
	return "empty-response: closed without a byte"
}

func (f *randomDataFault) Serve(w http.ResponseWriter, _ *http.Request, x Exchange) string {
	conn, raw, err := hijack(w)
	if err != nil {
		return "random-data-then-close: " + err.Error()
	}
	data := make([]byte, f.Bytes)
	x.Rand().Read(data)
	data[0] = 0xff // never "HTTP/": a client must not take it for a status line
	_ = conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, _ = conn.Write(data)
	_ = raw.Close()
	return fmt.Sprintf("random-data-then-close: %d bytes", f.Bytes)
}

func (f *timeoutFault) Serve(w http.ResponseWriter, r *http.Request, x Exchange) string {
	waited := wait(r, x, f.Duration) == waitedOut
	if _, raw, err := hijack(w); err == nil {
		_ = raw.Close()
	}
	if !waited {
		return "timeout: no answer (client left or stack stopped)"
	}
	return fmt.Sprintf("timeout: no answer for %v, then closed", f.Duration)
}
