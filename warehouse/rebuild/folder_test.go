package rebuild_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/warehouse"
	"github.com/lakectl/lakectl/warehouse/rebuild"
)

// A table of another tool's dt= folders, loaded with dt declared a date,
// is rebuilt with the same declaration: the new table's dt holds each
// row's folder date, as the load before it did.
func TestRebuildLoadsFolderKeysAsTheirDeclaredTypes(t *testing.T) {
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			testenv.WriteHive(t, filepath.Join(dir, "tables", "orders"), `SELECT i::BIGINT AS id, i::BIGINT AS amount,
				strftime(DATE '2026-03-01' + (i % 3)::INTEGER, '%Y-%m-%d') AS dt FROM range(1, 91) t(i)`, "dt")
			store, err := lake.Open(ctx, dir, lake.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			wh, err := warehouse.Open(ctx, tg.url, warehouse.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer wh.Close()
			if _, err := warehouse.Load(ctx, store, wh, warehouse.LoadOptions{Table: "orders", Into: tg.into,
				PartitionTypes: map[string]schema.Type{"dt": schema.TDate}}); err != nil {
				t.Fatal(err)
			}
			migration := "CREATE TABLE {{.NewTable}} (id BIGINT NOT NULL, amount DECIMAL(12,2), dt DATE);"
			opts := rebuild.Options{Table: "orders", Into: tg.into, Migration: migration, PartitionTypes: map[string]string{"dt": "date"}}
			plan, err := rebuild.Plan(ctx, store, wh, opts)
			if err != nil {
				t.Fatalf("plan: %v", err)
			}
			for _, st := range plan.Steps { // DuckDB's statements carry the folder value's type
				if st.Name == rebuild.StepLoad && tg.name == "duckdb" && !strings.Contains(strings.Join(st.Statements, "\n"), "AS DATE)") {
					t.Fatalf("plan's load step types dt as no date: %q", st.Statements)
				}
			}
			run, err := rebuild.Apply(ctx, store, wh, opts)
			if err != nil {
				t.Fatalf("apply: %v", err)
			}
			if run.State != rebuild.RunDone || run.TableRows != 90 || run.PartitionTypes["dt"] != "date" {
				t.Fatalf("rebuild: state %s, %d rows, types %v", run.State, run.TableRows, run.PartitionTypes)
			}
			var n, right int64
			q := fmt.Sprintf("SELECT count(*), sum(CASE WHEN dt = DATE '2026-03-01' + CAST(id %% 3 AS INTEGER) THEN 1 ELSE 0 END) FROM %s", qualify(tg, wh))
			if err := wh.Query(ctx, q, nil, func(scan func(...any) error) error { return scan(&n, &right) }); err != nil || n != 90 || right != 90 {
				t.Fatalf("rebuilt table: %d rows, %d whose dt is their folder's (%v); want 90, 90", n, right, err)
			}
			// The next load, as cron runs it, finds the date column it declares.
			testenv.WriteHive(t, filepath.Join(dir, "tables", "orders", "dt=2026-03-04", "late.parquet"), `SELECT 100 + i::BIGINT AS id, i::BIGINT AS amount FROM range(5) t(i)`)
			res, err := warehouse.Load(ctx, store, wh, warehouse.LoadOptions{Table: "orders", Into: tg.into,
				PartitionTypes: map[string]schema.Type{"dt": schema.TDate}})
			if err != nil || res.Rows != 5 {
				t.Fatalf("load after the rebuild: %+v, %v; want 5 rows", res, err)
			}
			// A folder that is not a date stops the next rebuild before it
			// loads, as it stops a load.
			testenv.WriteHive(t, filepath.Join(dir, "tables", "orders", "dt=someday", "odd.parquet"), `SELECT 200::BIGINT AS id, 1::BIGINT AS amount`)
			if _, err := rebuild.Apply(ctx, store, wh, opts); err == nil || !strings.Contains(err.Error(), "the type declared for dt") {
				t.Fatalf("rebuild over dt=someday: %v; want the folder refused as no date", err)
			}
		})
	}
}
