package mysql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"

	"github.com/go-sql-driver/mysql"

	"github.com/lakectl/lakectl/internal/netx"
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
