package quality

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/table"
)

// benchRules are ten rules of every kind.
var benchRules = []Rule{
	{Type: TypeUnique, Columns: []string{"id"}},
	{Type: TypeUnique, Columns: []string{"id", "updated_at"}},
	{Type: TypeNotNull, Columns: []string{"id", "amount"}},
	{Type: TypeNotNull, Columns: []string{"status"}},
	{Type: TypeAcceptedValues, Column: "status", Values: []string{"pending", "paid", "void"}},
	{Type: TypeRange, Column: "amount", Min: "0"},
	{Type: TypeRange, Column: "amount", Max: "1000000000", Name: "amount-max"},
	{Type: TypeRowCount, Min: "1", MaxChange: "100000%"},
	{Type: TypeFreshness, Column: "updated_at", MaxAge: "100000h"},
	{Type: TypeSQL, Name: "no-huge", Scope: ScopeNew, Query: "SELECT * FROM {table} WHERE amount > 1000000000000"},
}

// bulkTable commits n copies of one small Parquet file to table orders,
// spread over day partitions, in one transaction.
func bulkTable(b *testing.B, store lake.Store, n int) {
	ctx := context.Background()
	scratch := fileStore(b)
	appendOrders(b, scratch, goodOrders(1, 50))
	var tmpl []byte
	err := openOrders(b, scratch).Files(ctx, func(f table.File) error {
		rc, err := scratch.Get(ctx, f.Key)
		if err == nil {
			tmpl, err = io.ReadAll(rc)
			rc.Close()
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	tx, err := openOrders(b, store).Begin(ctx, table.TxOptions{Op: table.OpAppend, Job: "bulk"})
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Abort(ctx)
	for i := range n {
		key := tx.NewFileKey(fmt.Sprintf("updated_at_day=2026-%02d-%02d", 1+i%12, 1+i%28))
		if _, err := store.Put(ctx, tx.StagingKey(key), bytes.NewReader(tmpl), int64(len(tmpl)), lake.PutOptions{}); err != nil {
			b.Fatal(err)
		}
		if err := tx.AddFile(ctx, table.FileEntry{Key: key, Size: int64(len(tmpl)), Rows: 50}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := tx.Commit(ctx); err != nil {
		b.Fatal(err)
	}
}

func openOrders(b *testing.B, store lake.Store) *table.Table {
	tbl, err := table.Open(store, "orders")
	if err != nil {
		b.Fatal(err)
	}
	return tbl
}

// BenchmarkCheckTenRulesTenNewFiles: a check of 10 rules on a table of
// LAKECTL_BENCH_FILES files (default 10,000, the size: under 2 s)
// where 10 files are new, next to one DuckDB scan of those 10 files.
func BenchmarkCheckTenRulesTenNewFiles(b *testing.B) {
	n := 10_000
	if v, err := strconv.Atoi(os.Getenv("LAKECTL_BENCH_FILES")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	store := fileStore(b)
	bulkTable(b, store, n)
	now := func() time.Time { return t0 }
	// The existing files pass a first check (row_count only: no scan).
	if _, err := Check(ctx, store, []TableRules{{Table: "orders", Rules: []Rule{{Type: TypeRowCount, Min: "1"}}}}, Options{Now: now}); err != nil {
		b.Fatal(err)
	}
	before, err := LoadState(ctx, store, "orders")
	if err != nil {
		b.Fatal(err)
	}
	for i := range 10 { // ten extracts of one file each
		rows := goodOrders(1_000_000+i*50, 50)
		for j := range rows {
			rows[j].at = t0.Add(time.Duration(j) * time.Second)
		}
		appendOrders(b, store, rows)
	}
	var res *Result
	for b.Loop() {
		b.StopTimer()
		if err := saveState(ctx, store, before); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if res, err = Check(ctx, store, []TableRules{{Table: "orders", Rules: benchRules}}, Options{Now: now}); err != nil {
			b.Fatal(err)
		}
	}
	if res.Files != 10 || res.Passed != 10 {
		b.Fatalf("checked %d files, %d rules passed", res.Files, res.Passed)
	}
	checkS := b.Elapsed().Seconds() / float64(b.N)
	scanS := scanNew(b, store, before)
	b.ReportMetric(checkS, "check_s")
	b.ReportMetric(scanS, "scan_s")
	fmt.Printf("check of %d rules on %d files (%d new): %.3fs; one DuckDB scan of the %d new files: %.3fs\n",
		len(benchRules), res.Tables[0].LiveFiles, res.Files, checkS, res.Files, scanS)
}

// scanNew times one DuckDB scan (count and sum) of the files that are new
// against the state before.
func scanNew(b *testing.B, store lake.Store, before *State) float64 {
	ctx := context.Background()
	d, err := findNew(ctx, openOrders(b, store), before)
	if err != nil {
		b.Fatal(err)
	}
	paths := make([]string, len(d.files))
	for i, f := range d.files {
		paths[i] = quoteLit(store.URL(f.Key))
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	var rows, sum int64
	q := fmt.Sprintf("SELECT count(*), sum(amount) FROM read_parquet([%s], hive_partitioning = true, union_by_name = true)", strings.Join(paths, ", "))
	if err := db.QueryRowContext(ctx, q).Scan(&rows, &sum); err != nil || rows != 500 {
		b.Fatalf("scan: %d rows, %v", rows, err)
	}
	return time.Since(start).Seconds()
}
