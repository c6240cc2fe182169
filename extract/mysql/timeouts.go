package mysql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"syscall"

	"github.com/go-sql-driver/mysql"

	"github.com/lakectl/lakectl/internal/netx"
	"github.com/lakectl/lakectl/lake"
)

// applyTimeouts bounds the driver's waits with lakectl's timeouts unless
// the DSN set its own: timeout= (dial), readTimeout= and writeTimeout=
// (each packet).
func applyTimeouts(cfg *mysql.Config, t netx.Timeouts) {
	t = t.WithDefaults()
	if cfg.Timeout == 0 {
		cfg.Timeout = t.Connect
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = t.IO
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = t.IO
	}
}

// ping connects within the connect timeout, handshake included (the
// driver bounds the handshake's reads only by readTimeout otherwise), so
// a port that accepts and never speaks fails with a *netx.TimeoutError.
func ping(ctx context.Context, db *sql.DB, cfg *mysql.Config) error {
	pctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	err := db.PingContext(pctx)
	if err != nil && ctx.Err() == nil && pctx.Err() != nil {
		return &netx.TimeoutError{Endpoint: "MySQL at " + cfg.Addr, Phase: netx.PhaseConnect, After: cfg.Timeout}
	}
	return err
}

// lostErr names the server when the driver reports a broken connection
// ("invalid connection", "bad connection", a body cut short): MariaDB
// died, or sent nothing for readTimeout.
func lostErr(err error, cfg *mysql.Config) error {
	if err == nil || cfg == nil {
		return err
	}
	if errors.Is(err, mysql.ErrInvalidConn) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &netx.LostError{Endpoint: "MySQL at " + cfg.Addr, After: cfg.ReadTimeout, Err: err}
	}
	return err
}

// typedErrOf is the part of err that callers may match and that holds no
// driver text: a *netx.TimeoutError, a *netx.LostError without its
// driver error, lake.ErrCorrupt (bad bookkeeping, which the lake's
// repair fixes) or a full disk's errno. Nil otherwise.
func typedErrOf(err error) error {
	if errors.Is(err, lake.ErrCorrupt) {
		return lake.ErrCorrupt
	}
	for _, errno := range []syscall.Errno{syscall.ENOSPC, syscall.EDQUOT, syscall.EFBIG} {
		if errors.Is(err, errno) {
			return errno // a full disk: the operator's to fix
		}
	}
	if te, ok := netx.AsTimeout(err); ok {
		return te
	}
	var lost *netx.LostError
	if errors.As(err, &lost) {
		return &netx.LostError{Endpoint: lost.Endpoint, After: lost.After}
	}
	return nil
}
