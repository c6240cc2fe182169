package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/lakectl/lakectl/internal/redact"
	"github.com/lakectl/lakectl/warehouse/driver"
)

// Client opens pgx connections to one server; the Redshift driver uses it
// too. Statements without arguments run over the simple protocol as they
// are (templates may hold several statements); queries and statements
// with arguments use pgx's exec mode (extended protocol, unnamed
// statement, no cache: load SQL is DDL-heavy and a cached plan would fail
// once after an ALTER). pgx's own simple-protocol mode is not used: it
// escapes arguments client-side and so refuses any server that does not
// report standard_conforming_strings=on and client_encoding=UTF8, which
// Redshift never reports.
type Client struct {
	cfg      *pgx.ConnConfig
	redacted string
}

// NewClient parses a postgres:// connection URL.
func NewClient(connURL string) (*Client, error) {
	cfg, err := pgx.ParseConfig(connURL)
	if err != nil {
		return nil, fmt.Errorf("warehouse URL: %s", redact.Patterns(err.Error()))
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
	c := &Client{cfg: cfg, redacted: redact.Patterns(connURL)}
	if u, err := url.Parse(connURL); err == nil {
		c.redacted = redact.URL(u)
	}
	return c, nil
}

// String is the URL with its password masked.
func (c *Client) String() string { return c.redacted }

// Connect opens one connection. A failure to reach the server wraps
// driver.ErrUnreachable; a refused login or missing database does not.
func (c *Client) Connect(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, c.cfg)
	if err == nil {
		return conn, nil
	}
	if terr := c.timeoutErr(ctx, err); terr != nil {
		return nil, terr
	}
	msg := oneLine(redact.String(ctx, err.Error()))
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "28P01", "28000":
			return nil, fmt.Errorf("connect to %s: authentication failed (check the user and password in the warehouse URL): %s", c.redacted, msg)
		case "3D000":
			return nil, fmt.Errorf("connect to %s: the database does not exist: %s", c.redacted, msg)
		}
		return nil, fmt.Errorf("connect to %s: %s", c.redacted, msg)
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if errors.Is(err, driver.ErrLoginRefused) {
		return nil, fmt.Errorf("connect to %s: %s", c.redacted, msg)
	}
	return nil, fmt.Errorf("connect to %s: %s: %w", c.redacted, msg, driver.ErrUnreachable)
}

// Query runs one read-only statement on a fresh connection.
func (c *Client) Query(ctx context.Context, sql string, args []any, fn func(scan func(...any) error) error) error {
	conn, err := c.Connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return query(ctx, conn, sql, args, fn)
}

func query(ctx context.Context, conn *pgx.Conn, sql string, args []any, fn func(scan func(...any) error) error) error {
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Tx is a transaction on its own connection, closed at Commit/Rollback.
// It has everything of driver.Tx but Stage, which each driver adds.
type Tx struct {
	Conn *pgx.Conn
	tx   pgx.Tx
	done bool
}

// Begin connects and starts a transaction.
func (c *Client) Begin(ctx context.Context) (*Tx, error) {
	conn, err := c.Connect(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		_ = conn.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("begin transaction: %w", err)
	}
	return &Tx{Conn: conn, tx: tx}, nil
}

// Exec runs SQL (one or several statements when there are no args) and
// returns the rows the last statement affected.
func (t *Tx) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	if len(args) > 0 {
		tag, err := t.tx.Exec(ctx, sql, args...)
		return tag.RowsAffected(), err
	}
	return execSimple(ctx, t.Conn, sql)
}

// execSimple sends sql as one simple-protocol Query, unchanged.
func execSimple(ctx context.Context, conn *pgx.Conn, sql string) (int64, error) {
	results, err := conn.PgConn().Exec(ctx, sql).ReadAll()
	if err != nil {
		return 0, err
	}
	var n int64
	if len(results) > 0 {
		n = results[len(results)-1].CommandTag.RowsAffected()
	}
	return n, nil
}

// Exec runs SQL outside any transaction, on its own connection: for
// statements that cannot run inside one (Redshift's ALTER COLUMN TYPE).
func (c *Client) Exec(ctx context.Context, sql string) error {
	conn, err := c.Connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = execSimple(ctx, conn, sql)
	return err
}

// Query runs a statement in the transaction.
func (t *Tx) Query(ctx context.Context, sql string, args []any, fn func(scan func(...any) error) error) error {
	return query(ctx, t.Conn, sql, args, fn)
}

// Commit commits and closes the connection.
func (t *Tx) Commit(ctx context.Context) error {
	if t.done {
		return nil
	}
	t.done = true
	err := t.tx.Commit(ctx)
	_ = t.Conn.Close(context.WithoutCancel(ctx))
	return err
}

// Rollback rolls back and closes the connection; a no-op after Commit.
func (t *Tx) Rollback(ctx context.Context) error {
	if t.done {
		return nil
	}
	t.done = true
	err := t.tx.Rollback(ctx)
	_ = t.Conn.Close(ctx)
	return err
}
