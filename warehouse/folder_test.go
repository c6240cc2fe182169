package warehouse_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/warehouse"
)

// writeForeign writes tables/<name>/dt=.../*.parquet as another tool
// does. Rows: id 1..n, dt cycling over three days, amount = id.
func writeForeign(t testing.TB, dir, name string, n int) {
	testenv.WriteHive(t, filepath.Join(dir, "tables", name), fmt.Sprintf(`SELECT i::BIGINT AS id, i::BIGINT AS amount,
		strftime(DATE '2026-03-01' + (i %% 3)::INTEGER, '%%Y-%%m-%%d') AS dt FROM range(1, %d) t(i)`, n+1), "dt")
}

// Folder values of another tool's dt= folders reach every loaded row, as
// a DATE when partition_types declares it, a string otherwise.
func TestLoadAddsFolderValuesOfOtherToolsToEveryRow(t *testing.T) {
	dir := t.TempDir()
	store, err := lake.Open(context.Background(), dir, lake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	writeForeign(t, dir, "clicks", 300)
	writeForeign(t, dir, "opens", 30)
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			res := load(t, tg, store, warehouse.LoadOptions{Table: "clicks", Into: "clicks_" + tg.name,
				PartitionTypes: map[string]schema.Type{"dt": schema.TDate}})
			if res.Rows != 300 {
				t.Fatalf("loaded %d rows, want 300", res.Rows)
			}
			q := `SELECT count(*), count(DISTINCT dt), sum(CASE WHEN dt = DATE '2026-03-01' + CAST(id %% 3 AS INTEGER) THEN 1 ELSE 0 END) FROM %s`
			var n, days, right int64
			tg.query(t, fmt.Sprintf(q, "clicks_"+tg.name), &n, &days, &right)
			if n != 300 || days != 3 || right != 300 {
				t.Fatalf("rows %d, distinct dt %d, rows whose dt matches their folder %d; want 300, 3, 300", n, days, right)
			}
			// Undeclared: a string.
			load(t, tg, store, warehouse.LoadOptions{Table: "opens", Into: "opens_" + tg.name})
			var s string
			tg.query(t, "SELECT max(dt) || '|' || CAST(count(*) AS VARCHAR) FROM opens_"+tg.name+" WHERE dt LIKE '2026-03-0%'", &s)
			if s != "2026-03-03|30" {
				t.Fatalf("opens: %q, want dt strings up to 2026-03-03 on 30 rows", s)
			}
			// Replace mode reloads a folder partition without doubling it.
			load(t, tg, store, warehouse.LoadOptions{Table: "opens", Into: "opens_" + tg.name, Mode: warehouse.ModeReplace, Only: nil})
			if got := tg.count(t, "SELECT count(*) FROM opens_"+tg.name); got != 30 {
				t.Fatalf("after replace: %d rows, want 30", got)
			}
		})
	}
}

// Another tool's file names say nothing of their age (Spark's
// part-00000-<uuid>, DuckDB's data_0): when a later folder's files gain a
// nullable column, the load takes the schema that every file fits, not
// the schema of the file whose name sorts last.
func TestLoadOfOtherToolsFilesThatGainedAColumn(t *testing.T) {
	dir := t.TempDir()
	store, err := lake.Open(context.Background(), dir, lake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	testenv.WriteHive(t, filepath.Join(dir, "tables", "ev", "dt=2026-03-01", "part-00000-b.parquet"), `SELECT i::BIGINT AS id FROM range(3) t(i)`)
	testenv.WriteHive(t, filepath.Join(dir, "tables", "ev", "dt=2026-03-02", "part-00000-a.parquet"), `SELECT 10 + i::BIGINT AS id, 'web' AS channel FROM range(2) t(i)`)
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			res := load(t, tg, store, warehouse.LoadOptions{Table: "ev", Into: "ev_" + tg.name})
			if res.Rows != 5 {
				t.Fatalf("loaded %d rows, want 5", res.Rows)
			}
			var n, web int64
			tg.query(t, "SELECT count(*), count(channel) FROM ev_"+tg.name, &n, &web)
			if n != 5 || web != 2 {
				t.Fatalf("%d rows, %d with a channel; want 5, 2", n, web)
			}
		})
	}
}
