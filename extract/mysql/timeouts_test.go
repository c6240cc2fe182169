package mysql_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/extract/mysql"
	"github.com/lakectl/lakectl/internal/clierr"
	"github.com/lakectl/lakectl/internal/netx"
	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
)

// A MySQL port that accepts and never speaks costs the connect timeout
// and one line naming the server, not a hang.
func TestSilentMySQLFailsWithinConnectTimeout(t *testing.T) {
	addr := testenv.SilentListener(t)
	store, err := lake.NewFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = mysql.Extract(context.Background(), store, mysql.Options{
		DSN: "mysql://root@" + addr + "/db", Table: "db.t",
		Timeouts: netx.Timeouts{Connect: 500 * time.Millisecond, IO: time.Second},
	})
	if te, ok := netx.AsTimeout(err); !ok || !strings.Contains(te.Error(), addr) || te.Phase != netx.PhaseConnect {
		t.Fatalf("err = %v, want a connect TimeoutError naming %s", err, addr)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("took %s", el)
	}
}

func TestPostgresDSNIsAUsageError(t *testing.T) {
	store, err := lake.NewFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	_, err = mysql.Extract(context.Background(), store, mysql.Options{DSN: "postgres://u:pw12345@127.0.0.1:5432/db", Table: "db.t"})
	if clierr.Code(err) != clierr.ExitUsage || !strings.Contains(err.Error(), "postgres://") || strings.Contains(err.Error(), "pw12345") {
		t.Fatalf("err = %v", err)
	}
}
