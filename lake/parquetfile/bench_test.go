package parquetfile_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lakectl/lakectl/lake/parquetfile"
	"github.com/lakectl/lakectl/lake/schema"
)

const benchRows = 1_000_000

// mixed is the benchmark's 10-column schema.
var mixed = schema.Schema{Columns: []schema.Column{
	{Name: "id", Type: schema.TInt64},
	{Name: "uid", Type: schema.TUint64},
	{Name: "amount", Type: schema.DecimalOf(18, 4)},
	{Name: "name", Type: schema.TString, Nullable: true},
	{Name: "note", Type: schema.TString},
	{Name: "created", Type: schema.TTimestamp},
	{Name: "day", Type: schema.TDate},
	{Name: "active", Type: schema.TBool},
	{Name: "score", Type: schema.TFloat64},
	{Name: "attrs", Type: schema.TJSON},
}}

// duckMixed makes the same rows in DuckDB (uid is DuckDB's hash of i where
// ours is splitmix64: equally random).
const duckMixed = `SELECT i AS id, hash(i) AS uid,
	CAST((i * 137 %% 100000000) / 10000 AS DECIMAL(18,4)) AS amount,
	CASE WHEN i %% 10 = 0 THEN NULL ELSE 'name-' || i END AS name,
	'note for row ' || i || ' lorem ipsum dolor sit amet' AS note,
	to_timestamp(1704067200 + i) AS created,
	CAST(DATE '2024-01-01' + CAST(i %% 365 AS INTEGER) AS DATE) AS day,
	i %% 3 = 0 AS active, CAST(i AS DOUBLE) * 0.001 AS score,
	CAST('{"k":' || i || ',"tag":"t' || (i %% 100) || '"}' AS JSON) AS attrs
FROM range(%d) t(i)`

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// fillMixed fills rows with rows start.. of the benchmark data; text goes
// into one fresh arena per batch (the Writer copies it before returning).
func fillMixed(rows []schema.Row, start int) {
	arena := make([]byte, 0, len(rows)*96)
	epoch := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	base := schema.DaysSinceEpoch(epoch)
	text := func(parts ...any) []byte {
		s := len(arena)
		for _, p := range parts {
			switch p := p.(type) {
			case string:
				arena = append(arena, p...)
			case int:
				arena = strconv.AppendInt(arena, int64(p), 10)
			}
		}
		return arena[s:len(arena):len(arena)]
	}
	for k := range rows {
		i := start + k
		row := rows[k][:0]
		row = append(row, schema.Int64Value(int64(i)), schema.Uint64Value(splitmix(uint64(i))),
			schema.Int64Value(int64(i*137%100000000)))
		if i%10 == 0 {
			row = append(row, schema.NullValue())
		} else {
			row = append(row, schema.BytesValue(text("name-", i)))
		}
		row = append(row,
			schema.BytesValue(text("note for row ", i, " lorem ipsum dolor sit amet")),
			schema.Int64Value((epoch.Unix()+int64(i))*1_000_000),
			schema.Int32Value(int32(base+int64(i%365))),
			schema.BoolValue(i%3 == 0),
			schema.Float64Value(float64(i)*0.001),
			schema.BytesValue(text(`{"k":`, i, `,"tag":"t`, i%100, `"}`)))
		rows[k] = row
	}
}

// cpuTime is the process's user+system CPU time: under a shared, loaded
// machine it compares work done better than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func vmHWM() string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return "?"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

// BenchmarkWriteMixed1M writes 1M rows of the mixed schema with our Writer,
// then has DuckDB write the same rows, and prints both rates. Run with
//
//	go test -run '^$' -bench WriteMixed1M -benchtime 1x ./lake/parquetfile/
//
// Peak RSS (VmHWM) is read right after our write, before DuckDB runs.
func BenchmarkWriteMixed1M(b *testing.B) {
	dir := b.TempDir()
	ours := filepath.Join(dir, "ours.parquet")
	var oursDur time.Duration
	var oursSize int64
	var oursCPU time.Duration
	for range b.N {
		cpu0 := cpuTime()
		f, err := os.Create(ours)
		if err != nil {
			b.Fatal(err)
		}
		bw := bufio.NewWriterSize(f, 1<<20)
		start := time.Now()
		w, err := parquetfile.NewWriter(bw, mixed, parquetfile.Options{})
		if err != nil {
			b.Fatal(err)
		}
		batch := make([]schema.Row, 4096)
		for i := 0; i < benchRows; i += len(batch) {
			n := min(len(batch), benchRows-i)
			fillMixed(batch[:n], i)
			if _, err := w.Write(batch[:n]); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		if err := bw.Flush(); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
		oursDur = time.Since(start)
		oursCPU = cpuTime() - cpu0
		oursSize = w.BytesWritten()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	hwm := vmHWM()
	b.StopTimer()

	db := openDuckDB(b)
	if _, err := db.Exec("SET threads = 2"); err != nil {
		b.Fatal(err)
	}
	theirs := filepath.Join(dir, "duckdb.parquet")
	start, cpu0 := time.Now(), cpuTime()
	if _, err := db.Exec(fmt.Sprintf("COPY ("+duckMixed+") TO '%s' (FORMAT parquet, COMPRESSION snappy)", benchRows, theirs)); err != nil {
		b.Fatal(err)
	}
	duckDur, duckCPU := time.Since(start), cpuTime()-cpu0
	st, err := os.Stat(theirs)
	if err != nil {
		b.Fatal(err)
	}

	// Both files must hold the same rows, or the comparison means nothing.
	var n1, n2 int64
	var s1, s2 string
	q := `SELECT count(*), concat_ws(' ', sum(id), sum(amount), count(name), sum(length(note)),
		sum(CAST(epoch(created) AS BIGINT)), sum(day - DATE '2024-01-01'), sum(CAST(active AS INT)),
		CAST(round(sum(score)) AS BIGINT), sum(length(CAST(attrs AS VARCHAR)))) FROM read_parquet('%s')`
	if err := db.QueryRow(fmt.Sprintf(q, ours)).Scan(&n1, &s1); err != nil {
		b.Fatal(err)
	}
	if err := db.QueryRow(fmt.Sprintf(q, theirs)).Scan(&n2, &s2); err != nil {
		b.Fatal(err)
	}
	if n1 != benchRows || n1 != n2 || s1 != s2 {
		b.Fatalf("files differ: ours %d rows checksum %s, duckdb %d rows checksum %s", n1, s1, n2, s2)
	}

	rate := func(d time.Duration) float64 { return benchRows / d.Seconds() }
	b.ReportMetric(rate(oursDur), "rows/s")
	b.ReportMetric(float64(oursSize)/oursDur.Seconds()/1e6, "MB/s")
	b.ReportMetric(rate(duckDur), "duckdb-rows/s")
	fmt.Printf("parquet write (%d rows, %d cores): lakectl %.2fM rows/s %.1f MB/s (%.1f MB, %.2f s CPU) | duckdb %.2fM rows/s %.1f MB/s (%.1f MB, %.2f s CPU) | lakectl peak RSS %s, heap sys %d MiB\n",
		benchRows, runtime.GOMAXPROCS(0),
		rate(oursDur)/1e6, float64(oursSize)/oursDur.Seconds()/1e6, float64(oursSize)/1e6, oursCPU.Seconds(),
		rate(duckDur)/1e6, float64(st.Size())/duckDur.Seconds()/1e6, float64(st.Size())/1e6, duckCPU.Seconds(),
		hwm, ms.HeapSys>>20)
}
