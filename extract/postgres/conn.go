package postgres

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// config parses the DSN with the run's timeouts and session settings.
func (r *run) config() (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(r.opts.DSN)
	if err != nil {
		return nil, badInput("DSN: %v", err)
	}
	cfg.ConnectTimeout = r.opts.ConnectTimeout
	for k, v := range sessionParams {
		cfg.RuntimeParams[k] = v
	}
	cfg.RuntimeParams["application_name"] = "lakectl"
	dialer := &net.Dialer{Timeout: r.opts.ConnectTimeout, KeepAlive: 30 * time.Second}
	idle := r.opts.IdleTimeout
	cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dialer.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &idleConn{Conn: c, idle: idle}, nil
	}
	return cfg, nil
}

// connect opens a regular session.
func (r *run) connect(ctx context.Context) (*pgx.Conn, error) {
	cfg, err := r.config()
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
	cfg, err := r.config()
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

// idleConn fails a read that makes no progress for idle: a server that
// accepts and then never answers costs a bounded time. Deadlines set by
// the driver (context cancellation) still apply.
type idleConn struct {
	net.Conn
	idle time.Duration
	mu   sync.Mutex
	set  time.Time // deadline set by the driver, zero: none
}

func (c *idleConn) Read(b []byte) (int, error) {
	d := time.Now().Add(c.idle)
	c.mu.Lock()
	if !c.set.IsZero() && c.set.Before(d) {
		d = c.set
	}
	c.mu.Unlock()
	_ = c.Conn.SetReadDeadline(d)
	return c.Conn.Read(b)
}

func (c *idleConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	c.set = t
	c.mu.Unlock()
	return c.Conn.SetDeadline(t)
}

func (c *idleConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.set = t
	c.mu.Unlock()
	return c.Conn.SetReadDeadline(t)
}
