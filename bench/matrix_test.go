package bench_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/catalog"
	"github.com/lakectl/lakectl/internal/benchmeter"
	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
	"github.com/lakectl/lakectl/warehouse"
)

// BenchmarkLakeMatrix runs catalog crawl and warehouse load (PostgreSQL,
// DuckDB) over one table with the lake on a local folder and on MinIO (an
// identical copy), and prints each MinIO figure as a ratio to the local
// one, with CPU time (getrusage: steadier than wall time on a shared
// machine), peak RSS and the S3 requests by type next to the minimum.
// A third copy is reached through a proxy that holds each request for
// 20 ms (benchmeter.LatencyProxy): how the path fares with AWS S3's
// round trips, which a MinIO on the same machine does not have.
// Size: LAKECTL_BENCH_MATRIX_FILES files (default 100; 2000 is the
// issue's kind of lake) of LAKECTL_BENCH_MATRIX_ROWS rows (default 1000)
// across 10 day partitions. Run:
//
//	go test ./bench/ -run '^$' -bench LakeMatrix -benchtime 1x
func BenchmarkLakeMatrix(b *testing.B) {
	files := envInt(b, "LAKECTL_BENCH_MATRIX_FILES", 100)
	rows := envInt(b, "LAKECTL_BENCH_MATRIX_ROWS", 1000)
	ctx := context.Background()
	for range b.N {
		local, err := lake.NewFileStore(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		seed(ctx, b, local, files, rows)
		env := testenv.S3(b)
		env.SetAWSEnv(b)
		s3, err := lake.Open(ctx, env.URL("lake"), lake.Options{S3Endpoint: env.Endpoint, S3PathStyle: true, Region: env.Region})
		if err != nil {
			b.Fatal(err)
		}
		if err := benchmeter.CopyLake(ctx, local, s3); err != nil {
			b.Fatal(err)
		}
		slow := slowLake(ctx, b, env, local)
		fmt.Printf("lake matrix: %d files, %d rows, 10 partitions (GOMAXPROCS %d)\n", files, files*rows, runtime.GOMAXPROCS(0))
		header()
		lists := int64(max(1, (files+999)/1000))
		// Before the crawl a load reads every footer itself.
		for _, wh := range []string{"postgres", "duckdb"} {
			row(b, "load "+wh+" (no crawl)", local, s3, slow, func(s lake.Store) (map[string]int64, error) {
				return map[string]int64{lake.ReqList: lists, lake.ReqGet: int64(files)}, load(ctx, b, wh, s, int64(files*rows))
			})
		}
		// The crawl learns lakectl's files from their commit records: one
		// GET per commit (seed writes files/10), none per file.
		commits := int64(max(files/10, 1))
		row(b, "catalog crawl", local, s3, slow, func(s lake.Store) (map[string]int64, error) {
			_, err := catalog.Crawl(ctx, s, nil, catalog.CrawlOptions{})
			return map[string]int64{lake.ReqList: lists, lake.ReqGet: commits, lake.ReqPut: 1}, err
		})
		for _, wh := range []string{"postgres", "duckdb"} {
			row(b, "load "+wh, local, s3, slow, func(s lake.Store) (map[string]int64, error) {
				return map[string]int64{lake.ReqList: lists, lake.ReqGet: int64(files)}, load(ctx, b, wh, s, int64(files*rows))
			})
		}
	}
}

func header() {
	fmt.Printf("  %-18s %8s %8s %10s   %s\n", "", "wall", "cpu", "peak RSS", "minio vs local")
}

// row measures fn on the local lake, then on MinIO, and prints both, with
// the S3 requests next to the minimum that fn's MinIO run returned; with
// slow (a copy of the lake reached through a latency proxy), also fn's
// run there.
func row(b *testing.B, name string, local, s3, slow lake.Store, fn func(lake.Store) (map[string]int64, error)) {
	loc := timed(b, func() error { _, err := fn(local); return err })
	before := lake.Requests(s3)
	var least map[string]int64
	rem := timed(b, func() (err error) { least, err = fn(s3); return err })
	after := lake.Requests(s3)
	fmt.Printf("  %-18s %7.2fs %7.2fs %6.0f MiB\n", name+", local", loc.Wall.Seconds(), loc.CPU.Seconds(), loc.RSSMiB())
	fmt.Printf("  %-18s %7.2fs %7.2fs %6.0f MiB   %s\n", name+", minio", rem.Wall.Seconds(), rem.CPU.Seconds(), rem.RSSMiB(), benchmeter.Versus(rem, loc))
	if slow != nil {
		m := timed(b, func() error { _, err := fn(slow); return err })
		fmt.Printf("  %-18s %7.2fs %7.2fs %6.0f MiB   %.2fx the local time (each request held %s, as AWS S3's round trip)\n",
			name+", minio+"+latency.String(), m.Wall.Seconds(), m.CPU.Seconds(), m.RSSMiB(), m.Wall.Seconds()/loc.Wall.Seconds(), latency)
	}
	fmt.Printf("  %-18s requests: %s\n", "", benchmeter.Requests(before, after, least))
}

// latency is what the slow lake adds to each request: the order of AWS
// S3's first-byte latency for small objects, which a local MinIO lacks.
const latency = 20 * time.Millisecond

// slowLake copies the local lake to a MinIO prefix of its own, reached
// through a proxy that holds each request for latency.
func slowLake(ctx context.Context, b *testing.B, env testenv.S3Env, local lake.Store) lake.Store {
	px, err := benchmeter.NewLatencyProxy(strings.TrimPrefix(env.Endpoint, "http://"), latency)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = px.Close() })
	slow, err := lake.Open(ctx, env.URL("slow"), lake.Options{S3Endpoint: "http://" + px.Addr, S3PathStyle: true, Region: env.Region})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = slow.Close() })
	if err := benchmeter.CopyLake(ctx, local, slow); err != nil {
		b.Fatal(err)
	}
	return slow
}

// load loads the table into a fresh warehouse and checks the row count.
func load(ctx context.Context, b *testing.B, kind string, s lake.Store, rows int64) error {
	url := "duckdb://" + filepath.Join(b.TempDir(), "wh.duckdb")
	if kind == "postgres" {
		url = testenv.Postgres(b)
	}
	wh, err := warehouse.Open(ctx, url, warehouse.Options{})
	if err != nil {
		return err
	}
	defer wh.Close()
	res, err := warehouse.Load(ctx, s, wh, warehouse.LoadOptions{Table: "orders"})
	if err != nil {
		return err
	}
	if res.Rows != rows {
		return fmt.Errorf("%s loaded %d rows, want %d", kind, res.Rows, rows)
	}
	return nil
}

var ordersSchema = schema.Schema{Columns: []schema.Column{
	{Name: "id", Type: schema.TInt64},
	{Name: "ts", Type: schema.TTimestamp},
	{Name: "customer", Type: schema.TString},
	{Name: "amount", Type: schema.TFloat64, Nullable: true},
	{Name: "qty", Type: schema.TInt32},
}}

// seed appends files/10 transactions of 10 files each (one per day
// partition) of rows rows each.
func seed(ctx context.Context, b *testing.B, store lake.Store, files, rows int) {
	tbl, err := table.Open(store, "orders")
	if err != nil {
		b.Fatal(err)
	}
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	r := rand.New(rand.NewPCG(1, 2))
	id := int64(0)
	for range max(files/10, 1) {
		tx, err := tbl.Begin(ctx, table.TxOptions{Op: table.OpAppend})
		if err != nil {
			b.Fatal(err)
		}
		w, err := tx.NewWriter(ordersSchema, table.WriterOptions{Partition: table.PartitionRule{Column: "ts", Unit: table.UnitDay}})
		if err != nil {
			b.Fatal(err)
		}
		batch := make([]schema.Row, 0, rows*10)
		for day := range 10 {
			for range rows {
				id++
				batch = append(batch, schema.Row{schema.Int64Value(id), schema.TimestampValue(base.Add(time.Duration(day)*24*time.Hour + time.Duration(id)*time.Millisecond)),
					schema.StringValue("customer-" + strconv.Itoa(int(id%997))), schema.Float64Value(r.Float64() * 1000), schema.Int32Value(int32(id % 100))})
			}
		}
		if err := w.Write(ctx, batch); err != nil {
			b.Fatal(err)
		}
		if err := w.Close(ctx); err != nil {
			b.Fatal(err)
		}
		if _, err := tx.Commit(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// timed measures fn (benchmeter.Run), failing the benchmark on its error.
func timed(b *testing.B, fn func() error) benchmeter.Measure {
	m, err := benchmeter.Run(fn)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

func envInt(b *testing.B, name string, def int) int {
	n, err := benchmeter.EnvInt(name, def)
	if err != nil {
		b.Fatal(err)
	}
	return n
}
