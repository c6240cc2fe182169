package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/table"
)

func TestRunJobsFromConfig(t *testing.T) {
	db := testenv.MySQL(t)
	if _, err := db.DB.Exec(`CREATE TABLE orders (id INT PRIMARY KEY, amount DECIMAL(10,2), updated_at DATETIME(3) NOT NULL);
		INSERT INTO orders VALUES (1, 1.50, '2026-11-20 10:00:00'), (2, 2.50, '2026-11-20 11:00:00'), (3, 3.50, '2026-11-21 09:00:00');`); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Setenv("TEST_ORDERS_DSN", db.URL)
	cfg := fmt.Sprintf(`lake: %s
warehouse: duckdb://%s
tables:
  orders:
    partition_by: updated_at:day
    key: [id]
jobs:
  - name: orders
    type: extract-mysql
    dsn: ${TEST_ORDERS_DSN}
    table: %s.orders
    incremental: true
    cursor: updated_at
  - name: orders-compact
    type: compact
    tables: [orders]
  - name: orders-catalog
    type: catalog
    tables: [orders]
  - name: orders-load
    type: load
    tables: [orders]
    mode: upsert
    key: [id]
    cursor: updated_at
`, filepath.Join(dir, "lake"), filepath.Join(dir, "wh.duckdb"), db.Name)
	cfgFile := filepath.Join(dir, "lakectl.yaml")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	runJobs := func(args ...string) (int, RunResult, string) {
		t.Helper()
		code, out, errOut := run(t, append([]string{"--config", cfgFile, "-o", "json", "run"}, args...)...)
		var res RunResult
		if out != "" {
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
		}
		return code, res, errOut
	}

	code, res, errOut := runJobs("--dry-run")
	if code != 0 || len(res.Jobs) != 4 || res.Jobs[0].Status != "planned" {
		t.Fatalf("dry run: exit %d %+v %s", code, res, errOut)
	}
	code, res, errOut = runJobs()
	if code != 0 || res.Failed != 0 || res.Jobs[0].Rows != 3 || res.Jobs[3].Rows != 3 {
		t.Fatalf("first run: exit %d %+v %s", code, res.Jobs, errOut)
	}
	if _, err := db.DB.Exec(`UPDATE orders SET amount = 9.99, updated_at = '2026-11-22 08:00:00' WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	code, res, errOut = runJobs("orders", "orders-load")
	if code != 0 || len(res.Jobs) != 2 || res.Jobs[0].Rows != 1 || res.Jobs[1].Rows != 1 {
		t.Fatalf("second run: exit %d %+v %s", code, res.Jobs, errOut)
	}

	// Another run holds the extract's lock: that job is skipped, exit 75.
	store, err := lake.Open(context.Background(), filepath.Join(dir, "lake"), lake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	lock, err := table.AcquireLock(context.Background(), store, "extract-mysql-orders", table.LockOptions{Command: "test"})
	if err != nil {
		t.Fatal(err)
	}
	code, res, _ = runJobs("orders")
	_ = lock.Release(context.Background())
	if code != 75 || res.Jobs[0].Status != "locked" {
		t.Fatalf("locked: exit %d %+v", code, res.Jobs)
	}
	if code, _, errOut := runJobs("nosuchjob"); code != 2 || !strings.Contains(errOut, "nosuchjob") {
		t.Fatalf("unknown job: exit %d %s", code, errOut)
	}
}
