package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/netx"
	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/warehouse/postgres"
)

// A PostgreSQL port that accepts and never speaks costs the connect
// timeout and an error naming the server, not a hang.
func TestSilentPostgresFailsWithinConnectTimeout(t *testing.T) {
	addr := testenv.SilentListener(t)
	c, err := postgres.NewClient("postgres://u@" + addr + "/db?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	c.SetTimeouts(netx.Timeouts{Connect: 500 * time.Millisecond, IO: 300 * time.Millisecond})
	start := time.Now()
	_, err = c.Connect(context.Background())
	if err == nil || !strings.Contains(err.Error(), addr) {
		t.Fatalf("err = %v, want one naming %s", err, addr)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("took %s", el)
	}
	if _, ok := netx.AsTimeout(err); !ok {
		t.Fatalf("%v is not a netx.TimeoutError", err)
	}
	t.Log(err)
}

// pgx lists every address it tried on its own line; the error is one line.
func TestUnreachablePostgresIsOneLine(t *testing.T) {
	c, err := postgres.NewClient("postgres://u@localhost:1/db?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Connect(context.Background())
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "localhost:1") {
		t.Fatalf("err = %q, want one line naming the server", err)
	}
}
