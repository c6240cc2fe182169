package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/redact"
	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
)

// The benchmark of issue 3: lakectl's full extract of a mixed-type table
// next to the floor, a bare go-sql-driver program scanning the same table
// into sql.RawBytes, measured in the same run.
//
//	go test ./extract/mysql -run '^$' -bench BenchmarkFullExtract -benchtime 1x
//
// LAKECTL_BENCH_MYSQL_ROWS sets the table size (default 2,000,000); the
// table is generated once in the database lakectl_bench and kept.
// The floor and lakectl run LAKECTL_BENCH_ROUNDS times each, interleaved;
// each one's best wall time and least client CPU time are printed, next
// to issue 11's figures before its work and its targets.
const (
	envBenchRows = "LAKECTL_BENCH_MYSQL_ROWS"
	benchDB      = "lakectl_bench"
)

func benchRows(b *testing.B) int {
	n := 2_000_000
	if s := os.Getenv(envBenchRows); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			b.Fatalf("%s=%q: want a positive integer", envBenchRows, s)
		}
		n = v
	}
	return n
}

// benchTable creates (once) lakectl_bench.mixed_<n> and returns the
// server DSN (go-sql-driver form) and the table name.
func benchTable(b *testing.B, n int) (string, string) {
	b.Helper()
	// testenv.MySQL gives a fresh database; only its server DSN is used.
	my := testenv.MySQL(b)
	base := strings.TrimSuffix(my.DriverDSN[:strings.Index(my.DriverDSN, ")/")+2], "/") + "/"
	db, err := sql.Open("mysql", base)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	name := fmt.Sprintf("mixed_%d", n)
	var have int64
	err = db.QueryRow("SELECT COUNT(*) FROM " + benchDB + "." + name).Scan(&have)
	if err == nil && have == int64(n) {
		return base, name
	}
	start := time.Now()
	for _, q := range []string{
		"CREATE DATABASE IF NOT EXISTS " + benchDB + " CHARACTER SET utf8mb4",
		"DROP TABLE IF EXISTS " + benchDB + "." + name,
		"CREATE TABLE " + benchDB + "." + name + ` (
			id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
			a INT NOT NULL, b BIGINT, u INT UNSIGNED, amount DECIMAL(12,2),
			name VARCHAR(64) NULL, body TEXT, doc JSON,
			created DATETIME(6), updated TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, flag TINYINT NOT NULL)`,
		"INSERT INTO " + benchDB + "." + name + ` SELECT seq, CAST(seq * 7 % 100000 AS SIGNED) - 50000, seq * 1000003, seq % 4000000000,
			(seq % 1000000) / 100, IF(seq % 10 = 0, NULL, CONCAT('name-', seq)), REPEAT(CONCAT('t', seq % 97), 8),
			CONCAT('{"k":', seq, ',"s":"x"}'), TIMESTAMP'2024-01-01 00:00:00' + INTERVAL seq * 1000003 MICROSECOND,
			TIMESTAMP'2024-01-01 00:00:00' + INTERVAL seq SECOND, seq % 2 FROM ` + benchDB + `.seq_1_to_` + strconv.Itoa(n),
	} {
		if _, err := db.Exec(q); err != nil {
			b.Fatalf("generate bench table: %v", err)
		}
	}
	b.Logf("generated %s.%s (%d rows) in %s", benchDB, name, n, time.Since(start).Round(time.Millisecond))
	return base, name
}

// resetPeakRSS returns freed memory to the OS, then makes VmHWM start
// again from the current RSS (Linux), so each run's peak is its own.
func resetPeakRSS() {
	// Twice: sync.Pool buffers (parquet-go keeps page buffers in pools)
	// survive one collection.
	debug.FreeOSMemory()
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// peakRSSMiB reads VmHWM.
func peakRSSMiB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}

// floorScan is the bare program: one query, every column into RawBytes.
func floorScan(b *testing.B, dsn, table string) (rows, bytes int64, d time.Duration) {
	b.Helper()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	r, err := db.Query("SELECT * FROM " + benchDB + "." + table)
	if err != nil {
		b.Fatal(err)
	}
	cols, _ := r.Columns()
	raw := make([]sql.RawBytes, len(cols))
	dest := make([]any, len(cols))
	for i := range raw {
		dest[i] = &raw[i]
	}
	for r.Next() {
		if err := r.Scan(dest...); err != nil {
			b.Fatal(err)
		}
		rows++
		for _, v := range raw {
			bytes += int64(len(v))
		}
	}
	if err := r.Err(); err != nil {
		b.Fatal(err)
	}
	r.Close()
	return rows, bytes, time.Since(start)
}

// cpuTime is the process's user+system CPU time: on a shared machine it
// compares work done better than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchRounds is how many times each contender runs, interleaved; the
// best run of each counts (LAKECTL_BENCH_ROUNDS, default 2), so that a
// burst of load from other processes does not decide the ratio.
func benchRounds(b *testing.B) int {
	n := 2
	if s := os.Getenv("LAKECTL_BENCH_ROUNDS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			b.Fatalf("LAKECTL_BENCH_ROUNDS=%q: want a positive integer", s)
		}
		n = v
	}
	return n
}

// contender is the best run of one contender.
type contender struct {
	name      string
	rows      int64
	srcBytes  int64
	outBytes  int64
	files     int64
	wall, cpu time.Duration
	peakMiB   float64
}

// record keeps the best wall time and, separately, the least CPU time:
// on a shared machine the work a run does is its least CPU time (other
// processes' load only adds cache misses and preemptions).
func (c *contender) record(wall, cpu time.Duration, peak float64) {
	if c.wall == 0 || wall < c.wall {
		c.wall = wall
	}
	if c.cpu == 0 || cpu < c.cpu {
		c.cpu = cpu
	}
	c.peakMiB = max(c.peakMiB, peak)
}

func (c *contender) cpuPerRow() float64 { return c.cpu.Seconds() * 1e6 / float64(c.rows) }

func (c *contender) rate() float64 { return float64(c.rows) / c.wall.Seconds() }

// wasXFloor is issue 11's wall-time ratio to the floor before its
// performance work, by --parallel (1, 2).
var wasXFloor = [2]float64{0.75, 0.80}

func BenchmarkFullExtract(b *testing.B) {
	n := benchRows(b)
	dsn, name := benchTable(b, n)
	mb := func(bytes int64, d time.Duration) float64 { return float64(bytes) / (1 << 20) / d.Seconds() }
	floor := &contender{name: "floor"}
	lakectl := []*contender{{name: "p1"}, {name: "p2"}}
	for range benchRounds(b) {
		resetPeakRSS()
		cpu0, start := cpuTime(), time.Now()
		fRows, fBytes, _ := floorScan(b, dsn, name)
		floor.rows, floor.srcBytes = fRows, fBytes
		floor.record(time.Since(start), cpuTime()-cpu0, peakRSSMiB())

		for i, c := range lakectl {
			parallel := i + 1
			dir := b.TempDir()
			store, err := lake.NewFileStore(dir)
			if err != nil {
				b.Fatal(err)
			}
			ctx := redact.WithSecrets(context.Background(), &redact.Secrets{})
			resetPeakRSS()
			cpu0, start := cpuTime(), time.Now()
			res, err := Extract(ctx, store, Options{DSN: dsn, Table: benchDB + "." + name, As: "mixed", Parallel: parallel})
			if err != nil {
				b.Fatal(err)
			}
			c.record(time.Since(start), cpuTime()-cpu0, peakRSSMiB())
			if res.Rows != fRows {
				b.Fatalf("lakectl wrote %d rows, the table has %d", res.Rows, fRows)
			}
			c.rows, c.srcBytes, c.outBytes, c.files = res.Rows, res.SourceBytes, res.Bytes, res.Files
			if err := os.RemoveAll(dir); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Logf("floor   (go-sql-driver, RawBytes): %d rows in %s: %.0f rows/s, %.1f MB/s, client CPU %.2fs (%.2f µs/row), peak RSS %.0f MiB",
		floor.rows, floor.wall.Round(time.Millisecond), floor.rate(), mb(floor.srcBytes, floor.wall),
		floor.cpu.Seconds(), floor.cpuPerRow(), floor.peakMiB)
	b.ReportMetric(floor.rate(), "floor-rows/s")
	b.ReportMetric(floor.cpuPerRow(), "floor-cpu-µs/row")
	for i, c := range lakectl {
		parallel := i + 1
		b.Logf("lakectl --parallel %d: %d rows in %s: %.0f rows/s (%.2fx floor; issue 11: was %.2fx, target >= 0.85x), %.1f MB/s source, %.1f MiB Parquet in %d files, client CPU %.2fs (%.2f µs/row, %.2fx floor; issue 11: was 1.73, target <= 1.2), peak RSS %.0f MiB",
			parallel, c.rows, c.wall.Round(time.Millisecond), c.rate(), c.rate()/floor.rate(), wasXFloor[i], mb(c.srcBytes, c.wall),
			float64(c.outBytes)/(1<<20), c.files, c.cpu.Seconds(), c.cpuPerRow(), c.cpuPerRow()/floor.cpuPerRow(), c.peakMiB)
		b.ReportMetric(c.rate(), fmt.Sprintf("p%d-rows/s", parallel))
		b.ReportMetric(c.rate()/floor.rate(), fmt.Sprintf("p%d-x-floor", parallel))
		b.ReportMetric(c.cpuPerRow(), fmt.Sprintf("p%d-cpu-µs/row", parallel))
		b.ReportMetric(c.peakMiB, fmt.Sprintf("p%d-peak-MiB", parallel))
	}
	b.Logf("references (issue 11, 2M rows, before): client CPU 1.73 µs/row, --parallel 1 at 0.75x and --parallel 2 at 0.80x of the floor; targets 1.2 µs/row and 0.85x where the server is the bound. Wall times share the machine's cores with the server: on a loaded machine compare the CPU figures")
}
