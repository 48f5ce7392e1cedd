// Package lockedbuf is a buffer that goroutines may write and read at
// once: the tests' sink for logs and a process's output.
package lockedbuf

import (
	"bytes"
	"sync"
)

// Buffer collects writes for reading while they go on.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *Buffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String is what was written so far.
func (l *Buffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
