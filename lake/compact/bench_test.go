package compact

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/lakectl/lakectl/lake/table"
)

// BenchmarkCompactVsDuckDB is the figure: LAKECTL_BENCH_FILES small
// files (default 2,000) of 2,000 rows of the mixed 10-column schema across
// 10 partitions, compacted by lakectl and rewritten by DuckDB
// (COPY (SELECT * FROM read_parquet([...])) TO ... (FORMAT parquet), one per
// partition) in the same run, on a local lake and on MinIO. Run:
//
//	go test ./lake/compact/ -run '^$' -bench CompactVsDuckDB -benchtime 1x
func BenchmarkCompactVsDuckDB(b *testing.B) {
	files := 2000
	if v := os.Getenv("LAKECTL_BENCH_FILES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 20 {
			b.Fatalf("LAKECTL_BENCH_FILES=%q: want a number >= 20", v)
		}
		files = n
	}
	for _, sf := range stores() {
		b.Run(sf.name, func(b *testing.B) {
			for range b.N {
				benchOnce(b, sf, files)
			}
		})
	}
}

func benchOnce(b *testing.B, sf storeFactory, files int) {
	b.StopTimer()
	ctx := context.Background()
	store := sf.open(b)
	tbl := openTable(b, store, "bench")
	parts := make([]string, 10)
	for i := range parts {
		parts[i] = fmt.Sprintf("region_part=r%02d", i)
	}
	seedPartitions(ctx, b, tbl, parts, files/len(parts), 2000)
	var keys = map[string][]string{}
	var inBytes int64
	_ = tbl.Files(ctx, func(f table.File) error {
		keys[f.Partition] = append(keys[f.Partition], store.URL(f.Key))
		inBytes += f.Size
		return nil
	})
	rows := int64(files/len(parts)*len(parts)) * 2000

	duck, duckErr := duckRewrite(ctx, b, sf.name, parts, keys)

	runtime.GC()
	resetPeakRSS()
	b.StartTimer()
	start := time.Now()
	res, err := Compact(ctx, store, Options{Table: "bench"})
	elapsed := time.Since(start)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	rss := peakRSS()
	if res.Rows != rows || res.Files != int64(len(parts)) {
		b.Fatalf("compacted %d rows into %d files, want %d rows into %d", res.Rows, res.Files, rows, len(parts))
	}
	mb := float64(inBytes) / (1 << 20)
	b.ReportMetric(float64(rows)/elapsed.Seconds(), "rows/s")
	b.ReportMetric(mb/elapsed.Seconds(), "MB/s")
	b.ReportMetric(float64(rss)/(1<<20), "peakRSS-MiB")
	fmt.Printf("compact %s: %d files, %d rows, %.1f MiB in\n", sf.name, files, rows, mb)
	fmt.Printf("  lakectl: %8.2fs %12.0f rows/s %8.1f MB/s  peak RSS %6.0f MiB\n", elapsed.Seconds(), float64(rows)/elapsed.Seconds(), mb/elapsed.Seconds(), float64(rss)/(1<<20))
	if duckErr != nil {
		fmt.Printf("  duckdb:  not measured: %v\n", duckErr)
		return
	}
	fmt.Printf("  duckdb:  %8.2fs %12.0f rows/s %8.1f MB/s  peak RSS %6.0f MiB  (lakectl %.2fx DuckDB's speed)\n",
		duck.elapsed.Seconds(), float64(rows)/duck.elapsed.Seconds(), mb/duck.elapsed.Seconds(), float64(duck.rss)/(1<<20), duck.elapsed.Seconds()/elapsed.Seconds())
}

type duckResult struct {
	elapsed time.Duration
	rss     int64
}

// duckRewrite rewrites each partition's files into one file with DuckDB,
// as the reference. On S3 it needs DuckDB's httpfs extension, which may be
// unavailable offline; the error says so.
func duckRewrite(ctx context.Context, b *testing.B, storeName string, parts []string, keys map[string][]string) (duckResult, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return duckResult{}, err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return duckResult{}, err
	}
	defer conn.Close()
	outDir := b.TempDir()
	if storeName != "file" {
		if _, err := conn.ExecContext(ctx, "LOAD httpfs"); err != nil {
			return duckResult{}, fmt.Errorf("DuckDB cannot read S3 here (httpfs extension not installed): %v", err)
		}
		return duckResult{}, fmt.Errorf("S3 credentials for DuckDB not configured by this benchmark")
	}
	runtime.GC()
	resetPeakRSS()
	start := time.Now()
	for i, p := range parts {
		quoted := make([]string, len(keys[p]))
		for j, k := range keys[p] {
			quoted[j] = "'" + strings.ReplaceAll(k, "'", "''") + "'"
		}
		q := fmt.Sprintf("COPY (SELECT * FROM read_parquet([%s])) TO '%s/out-%d.parquet' (FORMAT parquet)", strings.Join(quoted, ","), outDir, i)
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return duckResult{}, fmt.Errorf("duckdb rewrite: %w", err)
		}
	}
	return duckResult{elapsed: time.Since(start), rss: peakRSS()}, nil
}

// resetPeakRSS resets the kernel's peak-RSS mark (VmHWM) of this process.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS reads VmHWM, in bytes.
func peakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
