package warehouse_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/clierr"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/table"
	"github.com/lakectl/lakectl/warehouse"
)

func TestAppendLoadsEveryLakeRowOnceAndRerunLoadsNothing(t *testing.T) {
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			store := newLake(t)
			b1, b2, b3 := makeRecs(1, 500, 1), makeRecs(501, 700, 1), makeRecs(1201, 300, 1)
			appendBatch(t, store, "orders", b1, table.PartitionRule{})
			appendBatch(t, store, "orders", b2, table.PartitionRule{})
			res := load(t, tg, store, warehouse.LoadOptions{Table: "orders"})
			if res.Files != 2 || res.Rows != 1200 {
				t.Fatalf("first load: %d files, %d rows; want 2, 1200", res.Files, res.Rows)
			}
			checkAggregates(t, tg.agg(t, "orders"), expected(append(b1, b2...)))

			res = load(t, tg, store, warehouse.LoadOptions{Table: "orders"})
			if res.Files != 0 || res.Rows != 0 || res.SkippedFiles != 2 {
				t.Fatalf("rerun loaded %d files, %d rows (skipped %d); want nothing", res.Files, res.Rows, res.SkippedFiles)
			}
			appendBatch(t, store, "orders", b3, table.PartitionRule{})
			res = load(t, tg, store, warehouse.LoadOptions{Table: "orders"})
			if res.Files != 1 || res.Rows != 300 {
				t.Fatalf("third load: %d files, %d rows; want 1, 300", res.Files, res.Rows)
			}
			checkAggregates(t, tg.agg(t, "orders"), expected(append(append(b1, b2...), b3...)))
			if n := tg.count(t, "SELECT count(DISTINCT file_key) FROM lakectl_loads"); n != 3 {
				t.Errorf("ledger has %d files, want 3", n)
			}
		})
	}
}

func TestUpsertKeepsTheLatestCursorPerKey(t *testing.T) {
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			store := newLake(t)
			b1 := makeRecs(1, 300, 1)
			b2 := append(makeRecs(200, 200, 3), makeRecs(250, 10, 2)...) // ids 250..259 twice, cursor 3 wins
			appendBatch(t, store, "users", b1, table.PartitionRule{})
			load(t, tg, store, warehouse.LoadOptions{Table: "users", Mode: "upsert", Key: []string{"id"}, Cursor: "updated"})
			checkAggregates(t, tg.agg(t, "users"), expected(b1))
			appendBatch(t, store, "users", b2, table.PartitionRule{})
			load(t, tg, store, warehouse.LoadOptions{Table: "users", Mode: "upsert", Key: []string{"id"}, Cursor: "updated"})
			checkAggregates(t, tg.agg(t, "users"), expected(latest(b1, b2)))
		})
	}
}

func TestReplaceReloadsOnlyThePartitionsItLoads(t *testing.T) {
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			store := newLake(t)
			rule := table.PartitionRule{Column: "ts", Unit: table.UnitDay}
			b1 := makeRecs(1, 300, 1) // three days
			appendBatch(t, store, "events", b1, rule)
			load(t, tg, store, warehouse.LoadOptions{Table: "events", Mode: "replace"})
			checkAggregates(t, tg.agg(t, "events"), expected(b1))

			// A new snapshot of day 0 replaces that partition's files.
			ctx := context.Background()
			tbl, _ := table.Open(store, "events")
			tx, err := tbl.Begin(ctx, table.TxOptions{Op: table.OpReplace})
			if err != nil {
				t.Fatal(err)
			}
			var day0 []rec
			for _, r := range makeRecs(3000, 90, 5) {
				if r.ts.Truncate(24 * time.Hour).Equal(base) {
					day0 = append(day0, r)
				}
			}
			err = tbl.Files(ctx, func(f table.File) error {
				if strings.Contains(f.Partition, "2026-01-01") {
					return tx.RemoveFile(f.Key)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			w, _ := tx.NewWriter(testSchema, table.WriterOptions{Partition: rule})
			if err := w.Write(ctx, rowsOf(day0)); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			res := load(t, tg, store, warehouse.LoadOptions{Table: "events", Mode: "replace"})
			if res.Files != 1 {
				t.Errorf("replace loaded %d files, want the 1 file of the replaced partition", res.Files)
			}
			var want []rec
			for _, r := range b1 {
				if !r.ts.Truncate(24 * time.Hour).Equal(base) {
					want = append(want, r)
				}
			}
			checkAggregates(t, tg.agg(t, "events"), expected(append(want, day0...)))
		})
	}
}

func TestCompactionOfLoadedFilesLoadsNothingAndPartlyLoadedOnlyTheRest(t *testing.T) {
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			store := newLake(t)
			b1, b2, b3 := makeRecs(1, 100, 1), makeRecs(101, 150, 1), makeRecs(251, 80, 1)
			k1 := appendBatch(t, store, "logs", b1, table.PartitionRule{})
			k2 := appendBatch(t, store, "logs", b2, table.PartitionRule{})
			load(t, tg, store, warehouse.LoadOptions{Table: "logs"})
			compact(t, store, "logs", append(k1, k2...), append(b1, b2...))
			res := load(t, tg, store, warehouse.LoadOptions{Table: "logs"})
			if res.Rows != 0 || res.Files != 0 {
				t.Fatalf("load after compacting loaded files copied %d rows of %d files; want none", res.Rows, res.Files)
			}
			checkAggregates(t, tg.agg(t, "logs"), expected(append(b1, b2...)))

			// b3 is written, then compacted with the (loaded) rest before any load.
			k3 := appendBatch(t, store, "logs", b3, table.PartitionRule{})
			var live []string
			tbl, _ := table.Open(store, "logs")
			_ = tbl.Files(context.Background(), func(f table.File) error { live = append(live, f.Key); return nil })
			var merged []string
			for _, k := range live {
				if k != k3[0] {
					merged = append(merged, k)
				}
			}
			compact(t, store, "logs", append(merged, k3...), append(append(b1, b2...), b3...))
			res = load(t, tg, store, warehouse.LoadOptions{Table: "logs"})
			if res.Rows != 80 || res.Files != 1 {
				t.Fatalf("load after compaction with a new file copied %d rows of %d files; want 80 of 1", res.Rows, res.Files)
			}
			checkAggregates(t, tg.agg(t, "logs"), expected(append(append(b1, b2...), b3...)))
		})
	}
}

// deleter removes a lake file when the load reports its total, which it
// does after planning and before copying.
type deleter struct {
	store lake.Store
	key   string
}

func (d deleter) SetTotal(int64) { _ = d.store.Delete(context.Background(), d.key) }
func (deleter) Add(int64, int64) {}
func (deleter) Done()            {}

func TestFileDeletedAfterPlanningIsRetriedOverTheRemainingFiles(t *testing.T) {
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			store := newLake(t)
			b1, b2 := makeRecs(1, 100, 1), makeRecs(101, 100, 1)
			appendBatch(t, store, "gone", b1, table.PartitionRule{})
			load(t, tg, store, warehouse.LoadOptions{Table: "gone"})
			k2 := appendBatch(t, store, "gone", b2, table.PartitionRule{})
			// The first attempt rolls back; the load lists the lake again
			// (as after a concurrent compaction) and loads what is there.
			if _, err := tryLoad(tg, store, warehouse.LoadOptions{Table: "gone", Progress: deleter{store, k2[0]}}); err != nil {
				t.Fatalf("load with a vanished file: %v; want a retry over the files that remain", err)
			}
			checkAggregates(t, tg.agg(t, "gone"), expected(b1))
			if n := tg.count(t, "SELECT count(*) FROM lakectl_loads"); n != 1 {
				t.Errorf("ledger has %d rows after the failed load, want 1", n)
			}
		})
	}
}

// TestNothingNewWithTenThousandLoadedFilesLoadsNothing checks the plan
// over a large ledger; it logs the time (-v) as the figure, but
// asserts no time: speed belongs to benchmarks, not to tests under -race.
func TestNothingNewWithTenThousandLoadedFilesLoadsNothing(t *testing.T) {
	const files = 10000
	store := newLake(t)
	keys := appendBatch(t, store, "many", makeRecs(1, 1, 1), table.PartitionRule{})
	ctx := context.Background()
	b, err := os.ReadFile(store.URL(keys[0]))
	if err != nil {
		t.Fatal(err)
	}
	// Copies by another tool are live files too (their own leaves).
	for i := 1; i < files; i++ {
		k := fmt.Sprintf("tables/many/other-%05d.parquet", i)
		if _, err := store.Put(ctx, k, strings.NewReader(string(b)), int64(len(b)), lake.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			// Load one file for real, then record the other 9,999 in the
			// ledger as a load of them would have.
			first := newLake(t)
			if _, err := first.Put(ctx, keys[0], strings.NewReader(string(b)), int64(len(b)), lake.PutOptions{}); err != nil {
				t.Fatal(err)
			}
			res := load(t, tg, first, warehouse.LoadOptions{Table: "many"})
			schemaName := strings.TrimSuffix(res.Into, ".many")
			tg.exec(t, fmt.Sprintf(`INSERT INTO lakectl_loads SELECT '%s.many', k, k, '', 1, '', 1, '', 'seed', CURRENT_TIMESTAMP
				FROM (SELECT 'tables/many/other-' || lpad(CAST(i AS VARCHAR), 5, '0') || '.parquet' AS k FROM generate_series(1, %d) AS g(i)) s`, schemaName, files-1))
			start := time.Now()
			res = load(t, tg, store, warehouse.LoadOptions{Table: "many"})
			took := time.Since(start)
			if res.Files != 0 || res.SkippedFiles != files {
				t.Fatalf("rerun: %d files loaded, %d skipped; want 0 and %d", res.Files, res.SkippedFiles, files)
			}
			t.Logf("nothing-new load over %d ledger files took %v (goal: under a second)", files, took)
		})
	}
}

func TestBadModeAndMissingKeyAreUsageErrors(t *testing.T) {
	store := newLake(t)
	tg := targets(t)[0]
	for _, o := range []warehouse.LoadOptions{
		{Table: "x", Mode: "merge"},
		{Table: "x", Mode: "upsert"},
		{Table: "x", Into: "a.b.c"},
	} {
		_, err := tryLoad(tg, store, o)
		if clierr.Code(err) != clierr.ExitUsage {
			t.Errorf("%+v: err = %v, want a usage error (exit 2)", o, err)
		}
	}
}

func TestConcurrentLoadsLoadEachFileOnce(t *testing.T) {
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			store := newLake(t)
			var all []rec
			for i := 0; i < 4; i++ {
				b := makeRecs(1+i*100, 100, 1)
				appendBatch(t, store, "race", b, table.PartitionRule{})
				all = append(all, b...)
			}
			var wg sync.WaitGroup
			errs := make([]error, 3)
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = tryLoad(tg, store, warehouse.LoadOptions{Table: "race"})
				}()
			}
			wg.Wait()
			ok := 0
			for _, err := range errs {
				var le *lake.LockedError
				switch {
				case err == nil:
					ok++
				case errors.As(err, &le): // DuckDB: one writer per file
				default:
					t.Errorf("concurrent load: %v", err)
				}
			}
			if ok == 0 {
				t.Fatal("no load succeeded")
			}
			checkAggregates(t, tg.agg(t, "race"), expected(all))
			if n := tg.count(t, "SELECT count(*) - count(DISTINCT file_key) FROM lakectl_loads"); n != 0 {
				t.Errorf("ledger lists %d files twice", n)
			}
		})
	}
}
