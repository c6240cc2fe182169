package warehouse_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/redact"
	"github.com/lakectl/lakectl/lake/table"
	"github.com/lakectl/lakectl/warehouse"
)

func TestDryRunPlansOfflineWhenTheWarehouseIsUnreachable(t *testing.T) {
	store := newLake(t)
	appendBatch(t, store, "orders", makeRecs(1, 50, 1), table.PartitionRule{})
	for _, url := range []string{
		"postgres://loader:hunter2pw@127.0.0.1:1/dw?connect_timeout=2",
		"redshift://loader:hunter2pw@127.0.0.1:1/dev?load_method=insert&connect_timeout=2",
	} {
		ctx := redact.WithSecrets(context.Background(), &redact.Secrets{})
		wh, err := warehouse.Open(ctx, url, warehouse.Options{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := warehouse.Load(ctx, store, wh, warehouse.LoadOptions{Table: "orders", Into: "analytics.orders", DryRun: true, LoadID: "L1"})
		if err != nil {
			t.Fatalf("%s: %v", wh.Dialect(), err)
		}
		if res.Unreachable == "" || res.Files != 1 || res.Rows != 50 {
			t.Errorf("%s: dry run = %+v; want an unreachable note and 1 file of 50 rows", wh.Dialect(), res)
		}
		all := strings.Join(res.Statements, "\n")
		for _, want := range []string{`CREATE TABLE IF NOT EXISTS "analytics"."orders"`, `INSERT INTO "public"."lakectl_loads"`, `"analytics"."orders"`} {
			if !strings.Contains(all, want) {
				t.Errorf("%s: dry-run statements lack %s:\n%s", wh.Dialect(), want, all)
			}
		}
		if strings.Contains(all+res.Unreachable, "hunter2pw") {
			t.Errorf("%s: dry run shows the password", wh.Dialect())
		}
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			store := newLake(t)
			appendBatch(t, store, "orders", makeRecs(1, 50, 1), table.PartitionRule{})
			res := load(t, tg, store, warehouse.LoadOptions{Table: "orders", DryRun: true})
			if res.Files != 1 || len(res.Statements) == 0 || res.Unreachable != "" {
				t.Fatalf("dry run = %+v", res)
			}
			if all := strings.Join(res.Statements, "\n"); !strings.Contains(all, "INSERT INTO") || !strings.Contains(all, "lakectl_target_modes") {
				t.Errorf("dry run of a first load lacks the ledger rows or the recorded mode:\n%s", all)
			}
			if n := tg.count(t, "SELECT count(*) FROM information_schema.tables WHERE table_name IN ('orders', 'lakectl_loads', 'lakectl_target_modes')"); n != 0 {
				t.Errorf("dry run created %d tables", n)
			}
			load(t, tg, store, warehouse.LoadOptions{Table: "orders"})
			res = load(t, tg, store, warehouse.LoadOptions{Table: "orders", DryRun: true})
			if res.Files != 0 || res.SkippedFiles != 1 {
				t.Errorf("dry run after the load plans %d files, skips %d; want 0 and 1", res.Files, res.SkippedFiles)
			}
			appendBatch(t, store, "orders", makeRecs(51, 10, 1), table.PartitionRule{})
			res = load(t, tg, store, warehouse.LoadOptions{Table: "orders", DryRun: true})
			all := strings.Join(res.Statements, "\n")
			// The dry run lists what the load would run: the ledger exists
			// and the target's mode was recorded by the first load.
			if res.Files != 1 || strings.Contains(all, "CREATE TABLE") || strings.Contains(all, "lakectl_target_modes") || !strings.Contains(all, "lakectl_loads") {
				t.Errorf("dry run of a second load: %d files, statements\n%s", res.Files, all)
			}
		})
	}
}

func TestTransformRunsInTheLoadTransactionAndStatusShowsTheLoad(t *testing.T) {
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			store := newLake(t)
			recs := makeRecs(1, 100, 1)
			appendBatch(t, store, "orders", recs, table.PartitionRule{})
			sqlFile := filepath.Join(t.TempDir(), "t.sql")
			// Keep only even ids, as a report table would.
			if err := os.WriteFile(sqlFile, []byte("DELETE FROM {{.Stage}} WHERE id % 2 = 1;"), 0o644); err != nil {
				t.Fatal(err)
			}
			load(t, tg, store, warehouse.LoadOptions{Table: "orders", TransformFile: sqlFile})
			var even []rec
			for _, r := range recs {
				if r.id%2 == 0 {
					even = append(even, r)
				}
			}
			checkAggregates(t, tg.agg(t, "orders"), expected(even))

			ctx := context.Background()
			wh, err := warehouse.Open(ctx, tg.url, warehouse.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer wh.Close()
			st, err := warehouse.Status(ctx, wh, warehouse.StatusOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Loads) != 1 || st.Loads[0].Files != 1 || st.Loads[0].Rows != 100 {
				t.Errorf("status = %+v; want one load of 1 file, 100 rows", st.Loads)
			}
		})
	}
}

func TestReprocessReloadsEverythingOnce(t *testing.T) {
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			store := newLake(t)
			b1, b2 := makeRecs(1, 100, 1), makeRecs(101, 100, 1)
			appendBatch(t, store, "orders", b1, table.PartitionRule{})
			load(t, tg, store, warehouse.LoadOptions{Table: "orders"})
			appendBatch(t, store, "orders", b2, table.PartitionRule{})
			ctx := context.Background()
			wh, err := warehouse.Open(ctx, tg.url, warehouse.Options{})
			if err != nil {
				t.Fatal(err)
			}
			res, err := warehouse.Reprocess(ctx, store, wh, warehouse.ReprocessOptions{Table: "orders"})
			wh.Close()
			if err != nil {
				t.Fatal(err)
			}
			if res.Files != 2 || res.Rows != 200 {
				t.Errorf("reprocess loaded %d files, %d rows; want 2, 200", res.Files, res.Rows)
			}
			checkAggregates(t, tg.agg(t, "orders"), expected(append(b1, b2...)))
			if n := tg.count(t, "SELECT count(*) FROM lakectl_loads"); n != 2 {
				t.Errorf("ledger has %d rows after reprocess, want 2", n)
			}
		})
	}
}
