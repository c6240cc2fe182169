package lake_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/lakectl/lakectl/internal/benchmeter"
	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
)

// BenchmarkS3SmallObjects measures what one small-object request costs the
// client (and MinIO) in CPU: N PUTs of a 20 KB object, then N ranged GETs
// of its last 8 KB (a footer read) and N whole GETs, 16 at a time, through
// lake.Open on MinIO:
//
//	go test ./lake/ -run '^$' -bench S3SmallObjects -benchtime 1x
//
// LAKECTL_BENCH_SMALL_N sets N (default 1000); add -cpuprofile for where
// the client's time goes.
func BenchmarkS3SmallObjects(b *testing.B) {
	env := testenv.S3(b)
	env.SetAWSEnv(b)
	ctx := context.Background()
	store, err := lake.Open(ctx, env.URL("small"), lake.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	n := envInt("LAKECTL_BENCH_SMALL_N", 1000)
	const size, footer = 20 << 10, 8 << 10
	body := make([]byte, size)
	_, _ = rand.Read(body)
	key := func(i int) string { return fmt.Sprintf("t/p=%d/f%05d.parquet", i%10, i) }
	phases := []struct {
		name string
		op   func(i int) error
	}{
		{"put", func(i int) error {
			_, err := store.Put(ctx, key(i), bytes.NewReader(body), size, lake.PutOptions{})
			return err
		}},
		{"get-range", func(i int) error { return readCheck(ctx, store, key(i), size-footer, footer, body[size-footer:]) }},
		{"get", func(i int) error { return readCheck(ctx, store, key(i), 0, -1, body) }},
	}
	for range b.N {
		for _, ph := range phases {
			var ms0, ms1 runtime.MemStats
			m, err := benchmeter.Run(func() error {
				runtime.ReadMemStats(&ms0)
				defer runtime.ReadMemStats(&ms1)
				g := errgroup.Group{}
				g.SetLimit(16)
				for i := range n {
					g.Go(func() error { return ph.op(i) })
				}
				return g.Wait()
			})
			if err != nil {
				b.Fatal(err)
			}
			us := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(n) }
			b.ReportMetric(us(m.CPU), ph.name+"-cpu-µs/req")
			allocs := float64(ms1.Mallocs-ms0.Mallocs) / float64(n)
			kb := float64(ms1.TotalAlloc-ms0.TotalAlloc) / 1024 / float64(n)
			fmt.Printf("%-9s %d x %d B: client CPU %4.0f µs/request (%3.0f allocations, %3.0f KB), MinIO CPU %4.0f µs/request, wall %v\n",
				ph.name, n, size, us(m.CPU), allocs, kb, us(m.MinIO), m.Wall.Round(time.Millisecond))
		}
	}
}

// readCheck reads [off, off+length) of key and compares it with want.
func readCheck(ctx context.Context, s lake.Store, key string, off, length int64, want []byte) error {
	rc, err := s.GetRange(ctx, key, off, length)
	if err != nil {
		return err
	}
	defer rc.Close()
	// Sized like the store's own readers (footers, compaction inputs).
	got := make([]byte, len(want))
	if _, err := io.ReadFull(rc, got); err != nil {
		return err
	}
	if n, _ := rc.Read(make([]byte, 1)); n > 0 || !bytes.Equal(got, want) {
		return fmt.Errorf("get %s: %d bytes differ from the %d written", key, len(got), len(want))
	}
	return nil
}

// BenchmarkS3RequestOverhead is the client's side of one small request
// alone: the store against an in-process server that answers GETs and
// PUTs at once without storing anything (its own cost is the same for
// every client change), one request at a time:
//
//	go test ./lake/ -run '^$' -bench S3RequestOverhead -benchmem -count 5
func BenchmarkS3RequestOverhead(b *testing.B) {
	const size = 20 << 10
	body := make([]byte, size)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("ETag", `"0123456789abcdef0123456789abcdef"`)
		h.Set("Last-Modified", "Tue, 01 Dec 2026 07:00:00 GMT")
		h.Set("X-Amz-Request-Id", "1877E0D1E6A4B2C3")
		if r.Method == http.MethodPut {
			_, _ = io.Copy(io.Discard, r.Body)
			return
		}
		var from, to int64
		if _, err := fmt.Sscanf(r.Header.Get("Range"), "bytes=%d-%d", &from, &to); err != nil {
			from, to = 0, size-1
		}
		to = min(to, size-1)
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", from, to, size))
		h.Set("Content-Length", strconv.FormatInt(to-from+1, 10))
		w.WriteHeader(http.StatusPartialContent)
		_, _ = w.Write(body[from : to+1])
	}))
	defer srv.Close()
	b.Setenv("AWS_ACCESS_KEY_ID", "bench")
	b.Setenv("AWS_SECRET_ACCESS_KEY", "bench-secret")
	b.Setenv("AWS_REGION", "us-east-1")
	b.Setenv("AWS_ENDPOINT_URL_S3", srv.URL)
	b.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	ctx := context.Background()
	store, err := lake.Open(ctx, "s3://bench/lake", lake.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	cpu := func(b *testing.B, fn func() error) {
		b.ReportAllocs()
		c0 := benchmeter.CPUTime()
		for b.Loop() {
			if err := fn(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64((benchmeter.CPUTime()-c0).Microseconds())/float64(b.N), "cpu-µs/op")
	}
	b.Run("put", func(b *testing.B) {
		cpu(b, func() error {
			_, err := store.Put(ctx, "t/f.parquet", bytes.NewReader(body), size, lake.PutOptions{})
			return err
		})
	})
	b.Run("get-range", func(b *testing.B) {
		cpu(b, func() error { return readCheck(ctx, store, "t/f.parquet", size-8<<10, 8<<10, body[size-8<<10:]) })
	})
	b.Run("get", func(b *testing.B) { cpu(b, func() error { return readCheck(ctx, store, "t/f.parquet", 0, -1, body) }) })
}
