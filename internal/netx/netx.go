// Package netx bounds every network wait of lakectl's clients: a connect
// timeout (dial, TLS and protocol handshake) and an idle-read timeout (a
// read or write that makes no progress for that long fails). A server that
// accepts a connection and never answers then costs a bounded time and a
// *TimeoutError naming the endpoint, never a hang.
//
// Any client built on net.Conn uses Timeouts.DialContext (pgx's DialFunc,
// go-sql-driver's DialFunc, http.Transport's DialContext); HTTP clients
// (S3, APIs, webhooks, AWS control planes) use Timeouts.HTTPClient or
// Timeouts.Transport; a stream that is not a net.Conn uses IdleReader.
package netx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
)

// Defaults, as SPEC.md fixes them.
const (
	DefaultConnect = 30 * time.Second
	DefaultIO      = 5 * time.Minute
)

// Timeouts are the two bounds of every network dependency. Zero fields
// take the defaults (WithDefaults).
type Timeouts struct {
	Connect time.Duration // dial, TLS and protocol handshake
	IO      time.Duration // longest wait for one read or write to progress
}

// WithDefaults fills zero fields with DefaultConnect and DefaultIO.
func (t Timeouts) WithDefaults() Timeouts {
	if t.Connect <= 0 {
		t.Connect = DefaultConnect
	}
	if t.IO <= 0 {
		t.IO = DefaultIO
	}
	return t
}

// Phases of a TimeoutError.
const (
	PhaseConnect = "connect"
	PhaseIO      = "io"
)

// TimeoutError says an endpoint did not answer in time. Phase tells which
// bound ran out (PhaseConnect or PhaseIO) so the caller can name the
// setting to change. It is a net.Error whose Timeout is true, and it is
// never worth retrying at once: the bound is the operator's.
type TimeoutError struct {
	Endpoint string        // host:port, or a description such as "MySQL at host:port"
	Phase    string        // PhaseConnect or PhaseIO
	After    time.Duration // the bound that ran out
}

func (e *TimeoutError) Error() string {
	if e.Phase == PhaseConnect {
		return fmt.Sprintf("%s did not answer within the connect timeout of %s", e.Endpoint, e.After)
	}
	return fmt.Sprintf("%s sent nothing for %s (the io timeout)", e.Endpoint, e.After)
}

// Timeout is true: TimeoutError is a net.Error.
func (e *TimeoutError) Timeout() bool { return true }

// Temporary is false.
func (e *TimeoutError) Temporary() bool { return false }

// Unwrap lets errors.Is(err, os.ErrDeadlineExceeded) hold.
func (e *TimeoutError) Unwrap() error { return os.ErrDeadlineExceeded }

// AsTimeout returns the TimeoutError in err's chain, if any.
func AsTimeout(err error) (*TimeoutError, bool) {
	var te *TimeoutError
	ok := errors.As(err, &te)
	return te, ok
}

// DialContext dials addr within the connect timeout and returns a
// connection whose every read and write is bounded by the io timeout. A
// dial that runs out of time is a *TimeoutError; the caller's own
// cancellation is returned as is. Its signature is pgconn.DialFunc's,
// mysql.Config.DialFunc's and http.Transport.DialContext's.
func (t Timeouts) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	t = t.WithDefaults()
	d := net.Dialer{Timeout: t.Connect, KeepAlive: 30 * time.Second}
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		var ne net.Error
		if ctx.Err() == nil && errors.As(err, &ne) && ne.Timeout() {
			return nil, &TimeoutError{Endpoint: addr, Phase: PhaseConnect, After: t.Connect}
		}
		return nil, err
	}
	return IdleConn(c, t.IO, addr), nil
}

// Transport is an http.Transport (HTTP/2 where the server offers it) with
// the bounds of Apply.
func (t Timeouts) Transport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Apply(tr)
	return tr
}

// Apply sets the bounds on a transport someone else built (the AWS SDK's
// BuildableClient.WithTransportOptions takes it as is): dial with
// DialContext, TLS within the connect timeout; a response whose headers or
// body stop coming fails after the io timeout through the connection's
// read deadline.
func (t Timeouts) Apply(tr *http.Transport) {
	t = t.WithDefaults()
	tr.DialContext = t.DialContext
	tr.TLSHandshakeTimeout = t.Connect
	// A backstop for a server that trickles bytes without ever finishing
	// its headers; set well past the io timeout so that a silent server
	// is reported by the connection's typed error, even on a busy host.
	tr.ResponseHeaderTimeout = 2*t.IO + t.Connect
}

// HTTPClient is an http.Client over Transport. It sets no overall
// Timeout: a long download that keeps making progress is fine.
func (t Timeouts) HTTPClient() *http.Client {
	return &http.Client{Transport: t.Transport()}
}

// IdleConn returns c with every Read and Write given idle to make
// progress; one that does not fails with a *TimeoutError naming addr.
// Deadlines the caller sets itself (drivers use them for cancellation)
// still apply when they come first.
func IdleConn(c net.Conn, idle time.Duration, addr string) net.Conn {
	if idle <= 0 {
		return c
	}
	return &idleConn{Conn: c, idle: idle, addr: addr}
}

type idleConn struct {
	net.Conn
	idle time.Duration
	addr string

	mu     sync.Mutex
	rd, wd time.Time // deadlines set by the caller; zero: none
}

func (c *idleConn) Read(p []byte) (int, error) {
	return c.io(p, &c.rd, c.Conn.SetReadDeadline, c.Conn.Read)
}

func (c *idleConn) Write(p []byte) (int, error) {
	return c.io(p, &c.wd, c.Conn.SetWriteDeadline, c.Conn.Write)
}

// ReadFrom copies r to the connection through a pooled buffer: net/http
// sends a request body with io.Copy to its connection, which would
// otherwise allocate 32 KiB per request.
func (c *idleConn) ReadFrom(r io.Reader) (int64, error) {
	buf := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(buf)
	return io.CopyBuffer(struct{ io.Writer }{c}, r, *buf)
}

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// io runs one read or write under the earlier of the caller's deadline
// (*ext) and now+idle.
func (c *idleConn) io(p []byte, ext *time.Time, set func(time.Time) error, op func([]byte) (int, error)) (int, error) {
	c.mu.Lock()
	own, mine := c.deadline(*ext)
	c.mu.Unlock()
	if err := set(own); err != nil {
		return 0, err
	}
	n, err := op(p)
	return n, c.timeout(err, mine)
}

// deadline is the earlier of now+idle and the caller's deadline; mine
// says it is ours.
func (c *idleConn) deadline(ext time.Time) (time.Time, bool) {
	own := time.Now().Add(c.idle)
	if !ext.IsZero() && ext.Before(own) {
		return ext, false
	}
	return own, true
}

func (c *idleConn) timeout(err error, mine bool) error {
	if err != nil && mine && errors.Is(err, os.ErrDeadlineExceeded) {
		return &TimeoutError{Endpoint: c.addr, Phase: PhaseIO, After: c.idle}
	}
	return err
}

func (c *idleConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	c.rd, c.wd = t, t
	c.mu.Unlock()
	return c.Conn.SetDeadline(t)
}

func (c *idleConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.rd = t
	c.mu.Unlock()
	return c.Conn.SetReadDeadline(t)
}

func (c *idleConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	c.wd = t
	c.mu.Unlock()
	return c.Conn.SetWriteDeadline(t)
}

// LostError says an open connection broke mid-conversation: the server
// closed it, died, or sent nothing for the io timeout (drivers such as
// go-sql-driver/mysql report all three the same way). Err is the driver's
// error.
type LostError struct {
	Endpoint string        // e.g. "MySQL at host:port"
	After    time.Duration // the io timeout in force
	Err      error
}

func (e *LostError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("the connection to %s was lost (the server closed it, or sent nothing for %s, the io timeout)", e.Endpoint, e.After)
	}
	return fmt.Sprintf("%v: the connection to %s was lost (the server closed it, or sent nothing for %s, the io timeout)", e.Err, e.Endpoint, e.After)
}

func (e *LostError) Unwrap() error { return e.Err }
