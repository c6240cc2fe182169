package cmd

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/lakectl/lakectl/internal/clierr"
	"github.com/lakectl/lakectl/internal/iostreams"
	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/table"
)

// parseExtractPostgres runs the command's flag parsing only.
func parseExtractPostgres(t *testing.T, args ...string) (*extractPostgresOptions, error) {
	t.Helper()
	io, _, _, _ := iostreams.Test()
	var got *extractPostgresOptions
	c := newCmdExtractPostgres(NewFactory(io), func(o *extractPostgresOptions) error { got = o; return nil })
	c.SetArgs(args)
	c.SetOut(&strings.Builder{})
	c.SetErr(&strings.Builder{})
	err := c.ExecuteContext(context.Background())
	return got, err
}

func TestExtractPostgresFlagsIntoOptions(t *testing.T) {
	o, err := parseExtractPostgres(t, "--dsn", "postgres://u:pw@h/db", "--table", "public.orders", "--as", "ord",
		"--key", "a,b", "--cdc", "--slot", "s1", "--publication", "p1", "--partition-by", "created_at:day",
		"--parallel", "4", "--chunk-rows", "500", "--max-slot-retained", "2GiB")
	if err != nil {
		t.Fatal(err)
	}
	if o.DSN != "postgres://u:pw@h/db" || o.Table != "public.orders" || o.As != "ord" || !slices.Equal(o.Key, []string{"a", "b"}) ||
		!o.CDC || o.Slot != "s1" || o.Publication != "p1" || o.PartitionBy != "created_at:day" || o.Parallel != 4 ||
		o.ChunkRows != 500 || o.MaxSlotRetained != "2GiB" || o.Incremental {
		t.Fatalf("options %+v", o)
	}
	o, err = parseExtractPostgres(t, "--dsn", "d", "--table", "t", "--incremental", "--cursor", "u", "--lookback", "5m")
	if err != nil || !o.Incremental || o.Cursor != "u" || o.Lookback != "5m" || o.Parallel != 1 {
		t.Fatalf("incremental: %+v %v", o, err)
	}
}

func TestExtractPostgresFlagConflictsAreUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--cdc", "--incremental", "--cursor", "x"}, "--cdc and --incremental"},
		{[]string{"--cursor", "x"}, "only with --incremental"},
		{[]string{"--slot", "s"}, "only with --cdc"},
		{[]string{"--parallel", "0"}, "--parallel"},
	} {
		_, err := parseExtractPostgres(t, append([]string{"--dsn", "d", "--table", "t"}, c.args...)...)
		if clierr.Code(err) != clierr.ExitUsage || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want a usage error naming %q", c.args, err, c.want)
		}
	}
}

func TestExtractPostgresCommandFullJSON(t *testing.T) {
	u := testenv.Postgres(t)
	conn := pgConnect(t, u)
	if _, err := conn.Exec(context.Background(), `CREATE TABLE orders (id int PRIMARY KEY, amount numeric(10,2));
		INSERT INTO orders SELECT g, g FROM generate_series(1, 10) g`); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "--lake", t.TempDir(), "-o", "json", "extract", "postgres", "--dsn", u, "--table", "public.orders")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var s struct {
		Rows, Files, Bytes int64
		DurationS          *float64 `json:"duration_s"`
		Mode               string
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil || s.Rows != 10 || s.Files != 1 || s.Bytes == 0 || s.DurationS == nil || s.Mode != "full" {
		t.Fatalf("%v: %s", err, out)
	}
	// Another run holds the job's lock: exit 75, nothing done.
	lakeDir := t.TempDir()
	store, err := lake.NewFileStore(lakeDir)
	if err != nil {
		t.Fatal(err)
	}
	lock, err := table.AcquireLock(context.Background(), store, "extract-postgres-orders", table.LockOptions{Command: "test"})
	if err != nil {
		t.Fatal(err)
	}
	code, _, errOut = run(t, "--lake", lakeDir, "extract", "postgres", "--dsn", u, "--table", "public.orders")
	_ = lock.Release(context.Background())
	if code != 75 {
		t.Fatalf("locked: exit %d: %s", code, errOut)
	}
	bad := strings.Replace(u, "postgres@", "postgres:S3cretPw@", 1)
	code, out, errOut = run(t, "--lake", t.TempDir(), "extract", "postgres", "--dsn", bad+"&port=1", "--table", "public.nope")
	if code == 0 || strings.Contains(out+errOut, "S3cretPw") {
		t.Fatalf("exit %d, output %q %q", code, out, errOut)
	}
}

func pgConnect(t *testing.T, u string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

func TestRunExtractPostgresCDCJobThenUpsertLoad(t *testing.T) {
	u := testenv.PostgresLogical(t)
	conn := pgConnect(t, u)
	exec := func(q string) {
		t.Helper()
		if _, err := conn.Exec(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`CREATE TABLE orders (id int PRIMARY KEY, amount numeric(10,2) NOT NULL)`)
	exec(`INSERT INTO orders SELECT g, g FROM generate_series(1, 20) g`)
	dir := t.TempDir()
	t.Setenv("TEST_PG_DSN", u)
	cfg := fmt.Sprintf(`lake: %s
warehouse: duckdb://%s
jobs:
  - {name: pg-orders, type: extract-postgres, dsn: "${TEST_PG_DSN}", table: public.orders, cdc: true, slot: orders_slot, publication: orders_pub}
  - {name: orders-load, type: load, tables: [orders], mode: upsert, key: [id]}
`, filepath.Join(dir, "lake"), filepath.Join(dir, "wh.duckdb"))
	cfgFile := filepath.Join(dir, "lakectl.yaml")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	runJobs := func() RunResult {
		t.Helper()
		code, out, errOut := run(t, "--config", cfgFile, "-o", "json", "run")
		var res RunResult
		if code != 0 || json.Unmarshal([]byte(out), &res) != nil {
			t.Fatalf("run: exit %d: %s %s", code, out, errOut)
		}
		return res
	}
	if res := runJobs(); res.Jobs[0].Rows != 20 || res.Jobs[1].Rows != 20 {
		t.Fatalf("first run: %+v", res.Jobs)
	}
	exec(`DELETE FROM orders WHERE id <= 5`)
	exec(`UPDATE orders SET amount = 99 WHERE id = 6`)
	exec(`INSERT INTO orders VALUES (21, 21)`)
	if res := runJobs(); res.Jobs[0].Rows != 7 {
		t.Fatalf("second run: %+v", res.Jobs)
	}
	db, err := sql.Open("duckdb", filepath.Join(dir, "wh.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	var sum float64
	if err := db.QueryRow(`SELECT count(*), sum(amount) FROM orders`).Scan(&n, &sum); err != nil {
		t.Fatal(err)
	}
	var wn int
	var wsum float64
	if err := conn.QueryRow(context.Background(), `SELECT count(*), sum(amount)::float8 FROM orders`).Scan(&wn, &wsum); err != nil {
		t.Fatal(err)
	}
	if n != wn || sum != wsum {
		t.Fatalf("warehouse %d rows sum %v, source %d rows sum %v", n, sum, wn, wsum)
	}
}
