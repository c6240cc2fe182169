package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
)

// openSnapshots opens n connections whose transactions all read the same
// consistent snapshot of the table. With n > 1 the snapshots are taken
// under a brief FLUSH TABLES <table> WITH READ LOCK (as mydumper does, but
// on the one table), so no write to the table commits between them; when
// the lock cannot be taken (missing RELOAD/LOCK TABLES privilege, lock
// wait timeout) it falls back to one connection and logs a warning.
// The caller ends every returned connection with closeSnapshots.
func openSnapshots(ctx context.Context, db *sql.DB, ti *tableInfo, n int, log *slog.Logger) ([]*sql.Conn, error) {
	if n < 1 {
		n = 1
	}
	conns := make([]*sql.Conn, 0, n)
	fail := func(err error) ([]*sql.Conn, error) {
		closeSnapshots(ctx, conns)
		return nil, err
	}
	for i := 0; i < n; i++ {
		c, err := db.Conn(ctx)
		if err != nil {
			return fail(fmt.Errorf("connect to MySQL: %w", err))
		}
		conns = append(conns, c)
	}
	if n > 1 {
		unlock, err := lockTable(ctx, db, ti)
		if err != nil {
			log.Warn("cannot take a brief read lock to synchronise parallel snapshots; reading with one connection",
				"table", ti.DB+"."+ti.Name, "error", err.Error())
			closeSnapshots(ctx, conns[1:])
			conns = conns[:1]
		} else {
			defer unlock()
		}
	}
	for _, c := range conns {
		if err := startSnapshot(ctx, c); err != nil {
			return fail(err)
		}
	}
	return conns, nil
}

func startSnapshot(ctx context.Context, c *sql.Conn) error {
	for _, q := range []string{
		"SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ",
		"START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
	} {
		if _, err := c.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("start consistent snapshot (%s): %w", q, err)
		}
	}
	return nil
}

// lockTable takes FLUSH TABLES t WITH READ LOCK on its own connection and
// returns the function that releases it.
func lockTable(ctx context.Context, db *sql.DB, ti *tableInfo) (func(), error) {
	c, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	// Never queue behind a long writer for minutes: other sessions wait on us.
	if _, err := c.ExecContext(ctx, "SET SESSION lock_wait_timeout = 10"); err != nil {
		_ = c.Close()
		return nil, err
	}
	if _, err := c.ExecContext(ctx, "FLUSH TABLES "+quoteTable(ti.DB, ti.Name)+" WITH READ LOCK"); err != nil {
		_ = c.Close()
		return nil, err
	}
	return func() {
		_, _ = c.ExecContext(context.WithoutCancel(ctx), "UNLOCK TABLES")
		_ = c.Close()
	}, nil
}

// closeSnapshots ends the read-only transactions and returns the
// connections to the pool.
func closeSnapshots(ctx context.Context, conns []*sql.Conn) {
	for _, c := range conns {
		_, _ = c.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		_ = c.Close()
	}
}
