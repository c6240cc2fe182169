package postgres

import (
	"context"
	"net"

	"github.com/jackc/pgx/v5/pgconn"
)

// Credentials returns the user and password of the next connection.
type Credentials func(ctx context.Context) (user, password string, err error)

// UseCredentials makes every new connection log in with what creds
// returns (temporary IAM credentials of Redshift), in place of the URL's
// user and password. creds runs after the network connection is made and
// before the startup message is sent.
func (c *Client) UseCredentials(creds Credentials) {
	c.cfg.AfterNetConnect = func(ctx context.Context, cfg *pgconn.Config, conn net.Conn) (net.Conn, error) {
		user, pw, err := creds(ctx)
		if err != nil {
			return conn, err // pgconn closes conn
		}
		cfg.User, cfg.Password = user, pw
		return conn, nil
	}
}
