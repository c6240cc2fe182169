package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"strings"
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

// resetPeakRSS makes VmHWM start again from the current RSS (Linux).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

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

func BenchmarkFullExtract(b *testing.B) {
	n := benchRows(b)
	dsn, name := benchTable(b, n)
	mb := func(bytes int64, d time.Duration) float64 { return float64(bytes) / (1 << 20) / d.Seconds() }

	resetPeakRSS()
	fRows, fBytes, fDur := floorScan(b, dsn, name)
	floorRate := float64(fRows) / fDur.Seconds()
	b.Logf("floor   (go-sql-driver, RawBytes): %d rows in %s: %.0f rows/s, %.1f MB/s, peak RSS %.0f MiB",
		fRows, fDur.Round(time.Millisecond), floorRate, mb(fBytes, fDur), peakRSSMiB())
	b.ReportMetric(floorRate, "floor-rows/s")

	for _, parallel := range []int{1, 2} {
		dir := b.TempDir()
		store, err := lake.NewFileStore(dir)
		if err != nil {
			b.Fatal(err)
		}
		ctx := redact.WithSecrets(context.Background(), &redact.Secrets{})
		resetPeakRSS()
		start := time.Now()
		res, err := Extract(ctx, store, Options{DSN: dsn, Table: benchDB + "." + name, As: "mixed", Parallel: parallel})
		if err != nil {
			b.Fatal(err)
		}
		d := time.Since(start)
		rate := float64(res.Rows) / d.Seconds()
		b.Logf("lakectl --parallel %d: %d rows in %s: %.0f rows/s (%.2fx floor), %.1f MB/s source, %.1f MiB Parquet in %d files, peak RSS %.0f MiB",
			parallel, res.Rows, d.Round(time.Millisecond), rate, rate/floorRate, mb(res.SourceBytes, d),
			float64(res.Bytes)/(1<<20), res.Files, peakRSSMiB())
		if res.Rows != fRows {
			b.Fatalf("lakectl wrote %d rows, the table has %d", res.Rows, fRows)
		}
		b.ReportMetric(rate, fmt.Sprintf("p%d-rows/s", parallel))
		b.ReportMetric(rate/floorRate, fmt.Sprintf("p%d-x-floor", parallel))
		b.ReportMetric(peakRSSMiB(), fmt.Sprintf("p%d-peak-MiB", parallel))
	}
}
