package mysql

import (
	"bufio"
	"context"
	"net"
	"syscall"
)

// readBufferBytes is how much of the server's stream one read system call
// may take. go-sql-driver reads its socket 4 KiB at a time: a full extract
// made a system call per 30 rows, a tenth of its CPU.
const readBufferBytes = 128 << 10

// bufferedConn is a server connection whose reads go through a large
// buffer. Deadlines, writes and Close are the connection's own.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// SyscallConn lets go-sql-driver check an idle pooled connection's
// liveness on the socket, as it does on a plain TCP connection. The
// buffer is empty then: the server sends nothing unasked.
func (c *bufferedConn) SyscallConn() (syscall.RawConn, error) {
	sc, ok := c.Conn.(syscall.Conn)
	if !ok {
		return nil, syscall.EINVAL
	}
	return sc.SyscallConn()
}

// dialBuffered dials like go-sql-driver's default dialer (TCP keep-alive
// on, the driver's Timeout already in ctx) and buffers the connection's
// reads.
func dialBuffered(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &bufferedConn{Conn: conn, r: bufio.NewReaderSize(conn, readBufferBytes)}, nil
}
