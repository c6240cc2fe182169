package compact

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/lakectl/lakectl/internal/benchmeter"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/parquetfile"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

// BenchmarkCompactMatrix is the compaction matrix, both kinds of
// input compacted on a local lake, rewritten by DuckDB (one
// COPY (SELECT * FROM read_parquet([...])) TO ... per partition) on the
// same folder, and compacted on MinIO from an identical copy of the lake:
//
//   - lakectl's own files: LAKECTL_BENCH_FILES files (default 200; the
//     issue's size is 2000) of LAKECTL_BENCH_FILE_ROWS rows (default 2000) of
//     the mixed 10-column schema across 10 partitions;
//   - another tool's files: LAKECTL_BENCH_DUCK_FILES files (default 200;
//     the size is 2000) written by DuckDB, LAKECTL_BENCH_DUCK_ROWS
//     rows each (default 1000) in four row groups, a column added halfway,
//     across 5 day partitions;
//   - lakectl's files of one large row group each (at least half an
//     output row group): LAKECTL_BENCH_LARGE_FILES files (default 10) of
//     LAKECTL_BENCH_LARGE_ROWS rows (default 800,000, 17.5 MiB), in one
//     partition, compacted locally with their column chunks copied and,
//     on an identical lake, decoded and re-encoded, next to DuckDB.
//
// Each S3 figure is printed as a ratio to the local one of the same run,
// with peak RSS, CPU time (getrusage: steadier than wall time on a shared
// machine) and the S3 requests by type next to the minimum the work needs.
// Run:
//
//	go test ./lake/compact/ -run '^$' -bench CompactMatrix -benchtime 1x
func BenchmarkCompactMatrix(b *testing.B) {
	own := benchSize{files: envInt(b, "LAKECTL_BENCH_FILES", 200), rows: envInt(b, "LAKECTL_BENCH_FILE_ROWS", 2000)}
	duck := benchSize{files: envInt(b, "LAKECTL_BENCH_DUCK_FILES", 200), rows: envInt(b, "LAKECTL_BENCH_DUCK_ROWS", 1000)}
	large := benchSize{files: envInt(b, "LAKECTL_BENCH_LARGE_FILES", 10), rows: envInt(b, "LAKECTL_BENCH_LARGE_ROWS", 800_000)}
	for range b.N {
		b.Run("lakectl-files", func(b *testing.B) { matrixRow(b, "lakectl's files", own, seedOwn) })
		b.Run("duckdb-files", func(b *testing.B) { matrixRow(b, "DuckDB's files", duck, seedDuck) })
		b.Run("large-row-groups", func(b *testing.B) { copyRow(b, large) })
	}
}

// copyRow compacts lakectl's files of one large row group each on a local
// lake with their column chunks copied (the default), then, on an
// identical lake, decoded and re-encoded (noCopy), next to DuckDB's
// rewrite of the same files.
func copyRow(b *testing.B, size benchSize) {
	ctx := context.Background()
	dirs := [2]string{b.TempDir(), b.TempDir()}
	var stores [2]lake.Store
	for i, d := range dirs {
		s, err := lake.NewFileStore(d)
		if err != nil {
			b.Fatal(err)
		}
		stores[i] = s
	}
	tbl := openTable(b, stores[0], "bench")
	var batches [][]schema.Row
	for f := range size.files {
		batches = append(batches, mixedRows(f*size.rows, size.rows))
	}
	writeFilesWith(ctx, b, tbl, mixedSchema, "region_part=r00", batches, parquetfile.Options{RowGroupBytes: 1 << 30})
	if err := benchmeter.CopyLake(ctx, stores[0], stores[1]); err != nil {
		b.Fatal(err)
	}
	_, inBytes, rows := liveFiles(ctx, b, stores[0])
	keys, _, _ := liveFiles(ctx, b, duckCopy(ctx, b, stores[0]))
	var res *Result
	cp := timed(b, func() (err error) { res, err = Compact(ctx, stores[0], Options{Table: "bench"}); return err })
	noCopy = true
	defer func() { noCopy = false }()
	dec := timed(b, func() (err error) { _, err = Compact(ctx, stores[1], Options{Table: "bench"}); return err })
	duck := timed(b, func() error { return duckRewrite(ctx, b.TempDir(), []string{"region_part=r00"}, keys) })
	fmt.Printf("compaction, lakectl's files of one large row group each: %d files, %d rows, %.1f MiB in, %d outputs\n",
		size.files, rows, float64(inBytes)/(1<<20), res.Files)
	fmt.Printf("  %-14s %8s %8s %10s %12s\n", "", "wall", "cpu", "peak RSS", "rows/s")
	line := func(name string, m benchmeter.Measure, note string) {
		fmt.Printf("  %-14s %7.2fs %7.2fs %6.0f MiB %12.0f  %s\n", name, m.Wall.Seconds(), m.CPU.Seconds(), m.RSSMiB(), float64(rows)/m.Wall.Seconds(), note)
	}
	line("local copy", cp, fmt.Sprintf("lakectl %.2fx DuckDB's speed (cpu %.2fx)", ratio(duck.Wall, cp.Wall), ratio(duck.CPU, cp.CPU)))
	line("local decode", dec, fmt.Sprintf("copying %.2fx faster (cpu %.2fx)", ratio(dec.Wall, cp.Wall), ratio(dec.CPU, cp.CPU)))
	line("local duckdb", duck, "")
	b.ReportMetric(ratio(duck.Wall, cp.Wall), "x-duckdb")
	b.ReportMetric(ratio(dec.Wall, cp.Wall), "copy-speedup")
}

type benchSize struct{ files, rows int }

func envInt(b *testing.B, name string, def int) int {
	n, err := benchmeter.EnvInt(name, def)
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// timed measures fn (benchmeter.Run), failing the benchmark on its error.
func timed(b *testing.B, fn func() error) benchmeter.Measure {
	m, err := benchmeter.Run(fn)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// seeder fills the table "bench" of a local lake in dir and returns its
// partitions.
type seeder func(ctx context.Context, b testing.TB, dir string, store lake.Store, size benchSize) []string

func matrixRow(b *testing.B, kind string, size benchSize, seed seeder) {
	ctx := context.Background()
	dir := b.TempDir()
	local, err := lake.NewFileStore(dir)
	if err != nil {
		b.Fatal(err)
	}
	parts := seed(ctx, b, dir, local, size)
	_, inBytes, rows := liveFiles(ctx, b, local)
	keys, _, _ := liveFiles(ctx, b, duckCopy(ctx, b, local))
	s3 := s3Store(b)
	if err := benchmeter.CopyLake(ctx, local, s3); err != nil {
		b.Fatal(err)
	}
	objects := countObjects(ctx, b, s3)
	before := lake.Requests(s3)

	// lakectl runs first: DuckDB's C++ heap stays resident after its
	// run, and the next run's peak RSS would start from it.
	var res *Result
	loc := timed(b, func() (err error) { res, err = Compact(ctx, local, Options{Table: "bench"}); return err })
	var sres *Result
	rem := timed(b, func() (err error) { sres, err = Compact(ctx, s3, Options{Table: "bench"}); return err })
	duck := timed(b, func() error { return duckRewrite(ctx, b.TempDir(), parts, keys) })
	for _, r := range []*Result{res, sres} {
		if r.Rows != rows || r.InputFiles != int64(size.files) {
			b.Fatalf("compacted %d rows of %d files, want %d rows of %d", r.Rows, r.InputFiles, rows, size.files)
		}
	}
	mb := float64(inBytes) / (1 << 20)
	fmt.Printf("compaction, %s: %d files, %d rows, %.1f MiB in, %d partitions, %d outputs (GOMAXPROCS %d)\n",
		kind, size.files, rows, mb, len(parts), res.Files, runtime.GOMAXPROCS(0))
	fmt.Printf("  %-14s %8s %8s %10s %12s\n", "", "wall", "cpu", "peak RSS", "rows/s")
	line := func(name string, m benchmeter.Measure, note string) {
		fmt.Printf("  %-14s %7.2fs %7.2fs %6.0f MiB %12.0f  %s\n", name, m.Wall.Seconds(), m.CPU.Seconds(), m.RSSMiB(), float64(rows)/m.Wall.Seconds(), note)
	}
	line("local lakectl", loc, "")
	line("local duckdb", duck, fmt.Sprintf("lakectl %.2fx DuckDB's speed (cpu %.2fx)", ratio(duck.Wall, loc.Wall), ratio(duck.CPU, loc.CPU)))
	line("minio lakectl", rem, benchmeter.Versus(rem, loc))
	fmt.Printf("  minio requests: %s\n", benchmeter.Requests(before, lake.Requests(s3), minRequests(objects, sres)))
	b.ReportMetric(loc.Wall.Seconds(), "local-s")
	b.ReportMetric(ratio(duck.Wall, loc.Wall), "x-duckdb")
	b.ReportMetric(ratio(rem.Wall, loc.Wall), "s3/local")
	b.ReportMetric(float64(max(loc.RSS, rem.RSS))/(1<<20), "peakRSS-MiB")
}

// duckCopy is a copy of a local lake for DuckDB to read after lakectl
// compacted the original.
func duckCopy(ctx context.Context, b *testing.B, src lake.Store) lake.Store {
	dst, err := lake.NewFileStore(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	if err := benchmeter.CopyLake(ctx, src, dst); err != nil {
		b.Fatal(err)
	}
	return dst
}

func ratio(a, b time.Duration) float64 { return a.Seconds() / b.Seconds() }

// minRequests is what a compaction cannot do without: listing the lake's
// keys (1,000 a page), one GET per input, one PUT per output and per
// partition's commit record, one DELETE per 1,000 inputs of a partition
// (S3's DeleteObjects).
func minRequests(objects int, r *Result) map[string]int64 {
	var deletes int64
	for _, p := range r.Partitions {
		deletes += (p.InputFiles + 999) / 1000
	}
	return map[string]int64{
		lake.ReqList:   int64(max(1, (objects+999)/1000)),
		lake.ReqGet:    r.InputFiles,
		lake.ReqPut:    r.Files + int64(len(r.Partitions)),
		lake.ReqDelete: deletes,
	}
}

// liveFiles returns the table's file URLs by partition, their bytes and
// rows (from the footers).
func liveFiles(ctx context.Context, b *testing.B, store lake.Store) (map[string][]string, int64, int64) {
	tbl := openTable(b, store, "bench")
	keys := map[string][]string{}
	var n int64
	err := tbl.Files(ctx, func(f table.File) error {
		keys[f.Partition] = append(keys[f.Partition], store.URL(f.Key))
		n += f.Size
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	sums, err := tbl.Partitions(ctx, 0)
	if err != nil {
		b.Fatal(err)
	}
	var rows int64
	for _, s := range sums {
		rows += s.Rows
	}
	return keys, n, rows
}

func countObjects(ctx context.Context, b *testing.B, s lake.Store) int {
	n := 0
	if err := s.List(ctx, "", func(lake.ObjectInfo) error { n++; return nil }); err != nil {
		b.Fatal(err)
	}
	return n
}

// seedOwn writes lakectl's files: 10 partitions, one append per partition.
func seedOwn(ctx context.Context, b testing.TB, _ string, store lake.Store, size benchSize) []string {
	tbl := openTable(b, store, "bench")
	parts := make([]string, 10)
	for i := range parts {
		parts[i] = fmt.Sprintf("region_part=r%02d", i)
	}
	seedPartitions(ctx, b, tbl, parts, size.files/len(parts), size.rows)
	return parts
}

// seedDuck writes another tool's files with DuckDB straight into the
// table's folders: 5 day partitions, four row groups per file, a column
// (note) added from the second half of the files on.
func seedDuck(ctx context.Context, b testing.TB, dir string, _ lake.Store, size benchSize) []string {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	parts := make([]string, 5)
	for i := range parts {
		parts[i] = fmt.Sprintf("day=2026-03-%02d", i+1)
		if err := os.MkdirAll(filepath.Join(dir, "tables", "bench", parts[i]), 0o755); err != nil {
			b.Fatal(err)
		}
	}
	for f := range size.files {
		note := ""
		if f >= size.files/2 {
			note = ", 'note ' || (i % 97) AS note"
		}
		out := filepath.Join(dir, "tables", "bench", parts[f%len(parts)], fmt.Sprintf("duck-%05d.parquet", f))
		q := fmt.Sprintf(`COPY (SELECT %d * %d + i AS id, TIMESTAMP '2026-03-01' + to_seconds(i) AS created_at,
			'customer-' || (i %% 997) AS customer, CAST(i * 1.01 AS DECIMAL(12,2)) AS amount, CAST(i %% 1000 AS INTEGER) AS qty,
			CASE WHEN i %% 7 = 0 THEN NULL ELSE i * 1.25 END AS price, i %% 2 = 0 AS active%s
			FROM range(%d) t(i)) TO '%s' (FORMAT parquet, ROW_GROUP_SIZE %d)`,
			f, size.rows, note, size.rows, out, max(size.rows/4, 1))
		if _, err := db.ExecContext(ctx, q); err != nil {
			b.Fatalf("duckdb write: %v", err)
		}
	}
	return parts
}

// duckRewrite rewrites each partition's files into one file with DuckDB,
// the reference.
func duckRewrite(ctx context.Context, outDir string, parts []string, keys map[string][]string) error {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	for i, p := range parts {
		quoted := make([]string, len(keys[p]))
		for j, k := range keys[p] {
			quoted[j] = "'" + strings.ReplaceAll(k, "'", "''") + "'"
		}
		q := fmt.Sprintf("COPY (SELECT * FROM read_parquet([%s], union_by_name = true)) TO '%s/out-%d.parquet' (FORMAT parquet)", strings.Join(quoted, ","), outDir, i)
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("duckdb rewrite: %w", err)
		}
	}
	return nil
}
