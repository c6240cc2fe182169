package testenv

import (
	"net"
	"sync"
	"testing"
)

// SilentListener listens on 127.0.0.1, accepts every connection and never
// sends a byte: the dead endpoint of the timeout tests (a MySQL, PostgreSQL,
// S3 or HTTP server that hangs). It returns "127.0.0.1:PORT" and closes the
// listener and every accepted connection when the test ends.
func SilentListener(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return l.Addr().String()
}
