package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/lakectl/lakectl/internal/netx"
	"github.com/lakectl/lakectl/warehouse/driver"
)

// SetTimeouts bounds connecting (dial, TLS, startup) by t.Connect unless
// the URL set connect_timeout itself, and every read or write on the
// connection by t.IO, so a server that accepts and never answers fails
// with a *netx.TimeoutError naming it.
func (c *Client) SetTimeouts(t netx.Timeouts) {
	t = t.WithDefaults()
	if c.cfg.ConnectTimeout <= 0 {
		c.cfg.ConnectTimeout = t.Connect
	}
	t.Connect = c.cfg.ConnectTimeout
	c.cfg.DialFunc = t.DialContext
}

// SetTimeouts bounds the warehouse's connections; see Client.SetTimeouts.
func (w *Warehouse) SetTimeouts(t netx.Timeouts) { w.client.SetTimeouts(t) }

// timeoutErr is the one-line error of a connect that ran out of time
// (nil when err is something else): it names the server and keeps both
// the *netx.TimeoutError and driver.ErrUnreachable for errors.As/Is.
func (c *Client) timeoutErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	te, ok := netx.AsTimeout(err)
	if !ok {
		if !errors.Is(err, context.DeadlineExceeded) {
			return nil
		}
		te = &netx.TimeoutError{Endpoint: net.JoinHostPort(c.cfg.Host, strconv.Itoa(int(c.cfg.Port))), Phase: netx.PhaseConnect, After: c.cfg.ConnectTimeout}
	}
	return fmt.Errorf("connect to %s: %w (%w)", c.redacted, te, driver.ErrUnreachable)
}

// oneLine puts pgx's connect error, which lists each address tried on a
// line of its own, on one line.
func oneLine(msg string) string {
	msg = strings.ReplaceAll(msg, ":\n\t", ": ")
	return strings.ReplaceAll(strings.ReplaceAll(msg, "\n\t", "; "), "\n", "; ")
}
