package warehouse_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/table"
	"github.com/lakectl/lakectl/warehouse"
)

// benchRows is the size of the mixed table (LAKECTL_BENCH_ROWS
// overrides it).
func benchRows() int {
	if n, err := strconv.Atoi(os.Getenv("LAKECTL_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 2_000_000
}

// benchLake writes the mixed table in batches (memory bounded).
func benchLake(b *testing.B, n int) (lake.Store, string) {
	dir := b.TempDir()
	store, err := lake.Open(context.Background(), dir, lake.Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	tbl, _ := table.Open(store, "mixed")
	tx, err := tbl.Begin(ctx, table.TxOptions{Op: table.OpAppend})
	if err != nil {
		b.Fatal(err)
	}
	w, err := tx.NewWriter(testSchema, table.WriterOptions{})
	if err != nil {
		b.Fatal(err)
	}
	for first := 1; first <= n; first += 50_000 {
		if err := w.Write(ctx, rowsOf(makeRecs(first, min(50_000, n-first+1), 1))); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := tx.Commit(ctx); err != nil {
		b.Fatal(err)
	}
	return store, dir
}

// writeCSV writes the same rows as CSV for psql's \copy.
func writeCSV(b *testing.B, path string, n int) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for first := 1; first <= n; first += 50_000 {
		for _, r := range makeRecs(first, min(50_000, n-first+1), 1) {
			code := ""
			if r.code != nil {
				code = `"` + strings.ReplaceAll(*r.code, `"`, `""`) + `"`
			}
			fmt.Fprintf(w, "%d,%s,%s,%d,%s,%s,%t,\"{\"\"id\"\": %d}\",%s,%d,%d\n",
				r.id, code, centsString(r.cents), r.big, r.ts.Format(time.RFC3339Nano), r.ts.Format("2006-01-02"),
				r.flag, r.id, strconv.FormatFloat(r.ratio, 'g', -1, 64), r.small, r.updated)
		}
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	_ = f.Close()
}

func centsString(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}

// BenchmarkLoadPostgres prints lakectl's load rate next to psql \copy of
// the same rows from CSV, measured in the same run (goal: >= 0.8x).
//
//	LAKECTL_BENCH_ROWS=2000000 go test ./warehouse -run '^$' -bench LoadPostgres -benchtime 1x
func BenchmarkLoadPostgres(b *testing.B) {
	n := benchRows()
	pgURL := testenv.Postgres(b)
	store, _ := benchLake(b, n)
	csvPath := filepath.Join(b.TempDir(), "mixed.csv")
	writeCSV(b, csvPath, n)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		wh, err := warehouse.Open(ctx, pgURL, warehouse.Options{})
		if err != nil {
			b.Fatal(err)
		}
		into := fmt.Sprintf("public.mixed_%d", i)
		start := time.Now()
		res, err := warehouse.Load(ctx, store, wh, warehouse.LoadOptions{Table: "mixed", Into: into})
		took := time.Since(start)
		if err != nil || res.Rows != int64(n) {
			b.Fatalf("load: %v (%v rows)", err, res)
		}
		// The reference: the same rows, same table definition, psql \copy CSV.
		ref := fmt.Sprintf("mixed_ref_%d", i)
		psql := func(cmd string) {
			out, err := exec.Command("psql", pgURL, "-v", "ON_ERROR_STOP=1", "-q", "-c", cmd).CombinedOutput()
			if err != nil {
				b.Fatalf("psql %s: %v: %s", cmd, err, out)
			}
		}
		psql(fmt.Sprintf("CREATE TABLE %s (LIKE %s)", ref, into))
		start = time.Now()
		psql(fmt.Sprintf("\\copy %s FROM '%s' WITH (FORMAT csv)", ref, csvPath))
		refTook := time.Since(start)
		rate, refRate := float64(n)/took.Seconds(), float64(n)/refTook.Seconds()
		b.ReportMetric(rate, "rows/s")
		b.ReportMetric(refRate, "psql_rows/s")
		b.ReportMetric(rate/refRate, "x_psql")
		fmt.Printf("postgres load: %d rows in %.2fs = %.0f rows/s; psql \\copy CSV: %.2fs = %.0f rows/s; ratio %.2fx (goal >= 0.8x)\n",
			n, took.Seconds(), rate, refTook.Seconds(), refRate, rate/refRate)
		_ = wh.Close()
	}
}

// BenchmarkLoadDuckDB prints lakectl's load rate next to DuckDB's own
// INSERT INTO ... SELECT * FROM read_parquet(...) (goal: >= 0.9x).
//
//	LAKECTL_BENCH_ROWS=2000000 go test ./warehouse -run '^$' -bench LoadDuckDB -benchtime 1x
func BenchmarkLoadDuckDB(b *testing.B) {
	n := benchRows()
	store, dir := benchLake(b, n)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		path := filepath.Join(b.TempDir(), "wh.duckdb")
		wh, err := warehouse.Open(ctx, "duckdb://"+path, warehouse.Options{})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		res, err := warehouse.Load(ctx, store, wh, warehouse.LoadOptions{Table: "mixed"})
		took := time.Since(start)
		if err != nil || res.Rows != int64(n) {
			b.Fatalf("load: %v (%v rows)", err, res)
		}
		_ = wh.Close()
		db, err := sql.Open("duckdb", path)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.Exec("CREATE TABLE mixed_ref AS SELECT * FROM mixed LIMIT 0"); err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		if _, err := db.Exec(fmt.Sprintf("INSERT INTO mixed_ref SELECT * FROM read_parquet('%s/tables/mixed/**/*.parquet')", dir)); err != nil {
			b.Fatal(err)
		}
		refTook := time.Since(start)
		_ = db.Close()
		rate, refRate := float64(n)/took.Seconds(), float64(n)/refTook.Seconds()
		b.ReportMetric(rate, "rows/s")
		b.ReportMetric(refRate, "duckdb_rows/s")
		b.ReportMetric(rate/refRate, "x_duckdb")
		fmt.Printf("duckdb load: %d rows in %.2fs = %.0f rows/s; INSERT ... read_parquet: %.2fs = %.0f rows/s; ratio %.2fx (goal >= 0.9x)\n",
			n, took.Seconds(), rate, refTook.Seconds(), refRate, rate/refRate)
	}
}
