package mysql

import (
	"context"
	"io"
	"net"
	"syscall"
	"testing"
)

// Server connections read through a large buffer and still expose the
// socket, so go-sql-driver keeps checking idle pooled connections.
func TestDialBufferedReadsAndKeepsLivenessCheck(t *testing.T) {
	cfg, err := parseDSN(context.Background(), "mysql://u@127.0.0.1:1/db", nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DialFunc == nil {
		t.Fatal("a TCP DSN gets no buffered dialer")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			_, _ = c.Write([]byte("hello, server greeting"))
			_ = c.Close()
		}
	}()
	conn, err := dialBuffered(context.Background(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, ok := conn.(syscall.Conn); !ok {
		t.Fatal("buffered connection hides the socket from the driver's liveness check")
	}
	got, err := io.ReadAll(conn)
	if err != nil || string(got) != "hello, server greeting" {
		t.Fatalf("read %q, %v", got, err)
	}
}
