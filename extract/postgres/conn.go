package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/lakectl/lakectl/internal/netx"
	"github.com/lakectl/lakectl/internal/redact"
)

// config parses the DSN with the run's timeouts and session settings.
func (r *run) config(ctx context.Context) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(r.opts.DSN)
	if err != nil {
		// pgx masks the password it recognises; the patterns catch the rest.
		return nil, badInput("DSN: %s", redact.String(ctx, err.Error()))
	}
	cfg.ConnectTimeout = r.opts.ConnectTimeout
	for k, v := range sessionParams {
		cfg.RuntimeParams[k] = v
	}
	cfg.RuntimeParams["application_name"] = "lakectl"
	// A server that accepts and never answers costs a bounded time;
	// deadlines the driver sets (context cancellation) still apply.
	cfg.DialFunc = netx.Timeouts{Connect: r.opts.ConnectTimeout, IO: r.opts.IdleTimeout}.DialContext
	return cfg, nil
}

// connect opens a regular session.
func (r *run) connect(ctx context.Context) (*pgx.Conn, error) {
	cfg, err := r.config(ctx)
	if err != nil {
		return nil, err
	}
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL at %s:%d as %q: %w; check the DSN's host, port, user and password",
			cfg.Host, cfg.Port, cfg.User, err)
	}
	return c, nil
}

// connectReplication opens a logical replication session (replication=database).
func (r *run) connectReplication(ctx context.Context) (*pgconn.PgConn, error) {
	cfg, err := r.config(ctx)
	if err != nil {
		return nil, err
	}
	pc := cfg.Config.Copy()
	pc.RuntimeParams["replication"] = "database"
	c, err := pgconn.ConnectConfig(ctx, pc)
	if err != nil {
		return nil, replicationConnectError(cfg, err)
	}
	return c, nil
}
