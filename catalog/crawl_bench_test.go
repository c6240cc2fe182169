package catalog

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/parquetfile"
	"github.com/lakectl/lakectl/lake/schema"
)

// benchFiles is the number of files the crawl benchmark writes
// (LAKECTL_BENCH_CRAWL_FILES, default 10,000; CI runs it small).
func benchFiles(b *testing.B) int {
	if v := os.Getenv("LAKECTL_BENCH_CRAWL_FILES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("LAKECTL_BENCH_CRAWL_FILES=%q: want a positive integer", v)
		}
		return n
	}
	return 10000
}

// BenchmarkCrawlMinIO crawls a table of many small Parquet files on MinIO
// and prints, from the same run, the I/O floor (listing plus one ranged
// GET of each file's last 64 KiB at the crawl's concurrency) and the bare
// listing time next to the first and the second (unchanged) crawl.
//
//	LAKECTL_BENCH_CRAWL_FILES=10000 go test ./catalog -run '^$' -bench CrawlMinIO -benchtime 1x
func BenchmarkCrawlMinIO(b *testing.B) {
	ctx := context.Background()
	env := testenv.S3(b)
	env.SetAWSEnv(b)
	store, err := lake.Open(ctx, env.URL("lake"), lake.Options{S3Endpoint: env.Endpoint, S3PathStyle: true, Region: env.Region})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	n := benchFiles(b)
	uploadBenchFiles(b, store, n)
	const conc = DefaultConcurrency

	for b.Loop() {
		if err := store.List(ctx, catalogPrefix("bench"), func(o lake.ObjectInfo) error { return store.Delete(ctx, o.Key) }); err != nil {
			b.Fatal(err)
		}
		listDur, floorDur := ioFloor(b, store, conc)
		t0 := time.Now()
		res, err := Crawl(ctx, store, []string{"bench"}, CrawlOptions{Concurrency: conc})
		if err != nil {
			b.Fatal(err)
		}
		first := time.Since(t0)
		if res.FootersRead != n || res.Recorded != 1 {
			b.Fatalf("first crawl read %d footers and recorded %d versions, want %d and 1", res.FootersRead, res.Recorded, n)
		}
		listDur2, _ := ioFloorListOnly(b, store)
		t0 = time.Now()
		res, err = Crawl(ctx, store, []string{"bench"}, CrawlOptions{Concurrency: conc})
		if err != nil {
			b.Fatal(err)
		}
		second := time.Since(t0)
		if res.FootersRead != 0 || res.Recorded != 0 {
			b.Fatalf("second crawl read %d footers and recorded %d versions, want none", res.FootersRead, res.Recorded)
		}
		list := min(listDur, listDur2)
		fps := float64(n) / first.Seconds()
		floorFPS := float64(n) / floorDur.Seconds()
		b.ReportMetric(fps, "files/s")
		b.ReportMetric(floorFPS, "floor_files/s")
		b.ReportMetric(first.Seconds()/floorDur.Seconds(), "x_floor")
		b.ReportMetric(second.Seconds()/list.Seconds(), "x_list_2nd")
		fmt.Printf("crawl of %d files on MinIO (concurrency %d): first %.0f files/s (%v) vs I/O floor %.0f files/s (%v) = %.2fx (goal <= 1.5x); second crawl %v vs bare listing %v = %.2fx (goal <= 2x)\n",
			n, conc, fps, first.Round(time.Millisecond), floorFPS, floorDur.Round(time.Millisecond), first.Seconds()/floorDur.Seconds(),
			second.Round(time.Millisecond), list.Round(time.Millisecond), second.Seconds()/list.Seconds())
	}
}

func ioFloorListOnly(b *testing.B, store lake.Store) (time.Duration, int) {
	t0 := time.Now()
	count := 0
	if err := store.List(context.Background(), tablePrefix("bench"), func(lake.ObjectInfo) error { count++; return nil }); err != nil {
		b.Fatal(err)
	}
	return time.Since(t0), count
}

// ioFloor times the bare listing, and the listing plus one ranged GET of
// each file's last 64 KiB with conc requests in flight.
func ioFloor(b *testing.B, store lake.Store, conc int) (list, floor time.Duration) {
	ctx := context.Background()
	list, _ = ioFloorListOnly(b, store)
	t0 := time.Now()
	jobs := make(chan lake.ObjectInfo, conc)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for o := range jobs {
				off := max(o.Size-64<<10, 0)
				r, err := store.GetRange(ctx, o.Key, off, o.Size-off)
				if err == nil {
					_, err = io.Copy(io.Discard, r)
					r.Close()
				}
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
				}
			}
		}()
	}
	err := store.List(ctx, tablePrefix("bench"), func(o lake.ObjectInfo) error { jobs <- o; return nil })
	close(jobs)
	wg.Wait()
	if err != nil || firstErr != nil {
		b.Fatal(err, firstErr)
	}
	return list, time.Since(t0)
}

// uploadBenchFiles writes n small Parquet files under tables/bench/, in
// 30 day partitions.
func uploadBenchFiles(b *testing.B, store lake.Store, n int) {
	ctx := context.Background()
	s := schema.Schema{Columns: []schema.Column{
		{Name: "id", Type: schema.TInt64}, {Name: "name", Type: schema.TString, Nullable: true}, {Name: "amount", Type: schema.DecimalOf(12, 2), Nullable: true},
	}}
	var buf bytes.Buffer
	w, err := parquetfile.NewWriter(&buf, s, parquetfile.Options{})
	if err != nil {
		b.Fatal(err)
	}
	rows := make([]schema.Row, 100)
	for i := range rows {
		rows[i] = schema.Row{schema.Int64Value(int64(i)), schema.StringValue("name-" + strconv.Itoa(i)), schema.Int64Value(int64(i * 100))}
	}
	if _, err := w.Write(rows); err != nil {
		b.Fatal(err)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	jobs := make(chan int)
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				key := fmt.Sprintf("tables/bench/dt=2026-11-%02d/part-%06d.parquet", 1+i%30, i)
				if _, err := store.Put(ctx, key, bytes.NewReader(data), int64(len(data)), lake.PutOptions{}); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		b.Fatal(err)
	default:
	}
}
