package lake_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lakectl/lakectl/internal/benchmeter"
	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
)

// patternReader is size bytes of a repeated random block: an io.ReadSeeker
// and io.ReaderAt that costs no memory, so a 512 MiB upload needs no
// 512 MiB buffer.
type patternReader struct {
	block []byte
	size  int64
	off   int64
}

func newPattern(size int64) *patternReader {
	b := make([]byte, 1<<20+7) // odd length: parts do not all look alike
	_, _ = rand.Read(b)
	return &patternReader{block: b, size: size}
}

func (p *patternReader) ReadAt(b []byte, off int64) (int, error) {
	if off >= p.size {
		return 0, io.EOF
	}
	n := 0
	for n < len(b) && off < p.size {
		i := off % int64(len(p.block))
		c := copy(b[n:], p.block[i:min(int64(len(p.block)), i+p.size-off)])
		n += c
		off += int64(c)
	}
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

func (p *patternReader) Read(b []byte) (int, error) {
	n, err := p.ReadAt(b, p.off)
	p.off += int64(n)
	return n, err
}

func (p *patternReader) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		off += p.off
	case io.SeekEnd:
		off += p.size
	}
	p.off = off
	return off, nil
}

// peakHeap samples the heap while fn runs and returns its peak in MiB.
func peakHeap(fn func()) float64 {
	runtime.GC()
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var ms runtime.MemStats
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	fn()
	close(done)
	wg.Wait()
	return float64(peak.Load()) / (1 << 20)
}

// BenchmarkS3Transfer512MiB uploads and downloads one object (512 MiB, or
// LAKECTL_BENCH_MB) through the lake store and, in the same run, with one
// plain SDK PutObject/GetObject stream, and prints both rates:
//
//	go test ./lake/ -run '^$' -bench S3Transfer -benchtime 1x
//
// Two networks: "loopback" talks to MinIO directly (client and server share
// the machine's cores, so this measures CPU more than transfer design);
// "paced" goes through a proxy that limits every connection to
// LAKECTL_BENCH_CONN_MBPS (default 50 MB/s), as S3 limits one stream.
// LAKECTL_BENCH_PART_MB and LAKECTL_BENCH_CONCURRENCY tune the store.
func BenchmarkS3Transfer512MiB(b *testing.B) {
	env := testenv.S3(b)
	env.SetAWSEnv(b)
	b.Run("loopback", func(b *testing.B) { benchTransfer(b, env, env.Endpoint) })
	paced := pacedProxy(b, env.Endpoint, float64(envInt("LAKECTL_BENCH_CONN_MBPS", 50))*1e6)
	b.Run("paced", func(b *testing.B) { benchTransfer(b, env, paced) })
}

func benchTransfer(b *testing.B, env testenv.S3Env, endpoint string) {
	mb := envInt("LAKECTL_BENCH_MB", 512)
	size := int64(mb) << 20
	opts := lake.Options{S3Endpoint: endpoint, PartSize: int64(envInt("LAKECTL_BENCH_PART_MB", 16)) << 20, Concurrency: envInt("LAKECTL_BENCH_CONCURRENCY", 4)}
	ctx := context.Background()
	store, err := lake.Open(ctx, env.URL("bench"), opts)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	client := s3.New(s3.Options{
		Region: env.Region, BaseEndpoint: aws.String(endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(env.AccessKey, env.SecretKey, ""),
	})
	rate := func(d time.Duration) float64 { return float64(size) / 1e6 / d.Seconds() }
	timed := func(fn func() error) time.Duration {
		start := time.Now()
		if err := fn(); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}

	for range b.N {
		// The SDK's one stream.
		sdkPut := timed(func() error {
			_, err := client.PutObject(ctx, &s3.PutObjectInput{
				Bucket: aws.String(env.Bucket), Key: aws.String("bench/sdk.bin"),
				Body: newPattern(size), ContentLength: aws.Int64(size),
			})
			return err
		})
		sdkGet := func(key string) time.Duration {
			return timed(func() error {
				out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(env.Bucket), Key: aws.String(key)})
				if err != nil {
					return err
				}
				defer out.Body.Close()
				n, err := io.Copy(io.Discard, out.Body)
				if err == nil && n != size {
					err = fmt.Errorf("sdk get: %d bytes, want %d", n, size)
				}
				return err
			})
		}

		// The lake store: parallel parts.
		var lakePut, lakeStreamPut time.Duration
		heapPut := peakHeap(func() {
			lakePut = timed(func() error {
				_, err := store.Put(ctx, "lake.bin", newPattern(size), size, lake.PutOptions{})
				return err
			})
		})
		heapStream := peakHeap(func() {
			lakeStreamPut = timed(func() error {
				_, err := store.Put(ctx, "lake-stream.bin", struct{ io.Reader }{newPattern(size)}, -1, lake.PutOptions{})
				return err
			})
		})
		lakeGet := func(key string) (d time.Duration, heap float64) {
			heap = peakHeap(func() {
				d = timed(func() error {
					rc, err := store.Get(ctx, key)
					if err != nil {
						return err
					}
					defer rc.Close()
					n, err := io.Copy(io.Discard, rc)
					if err == nil && n != size {
						err = fmt.Errorf("lake get: %d bytes, want %d", n, size)
					}
					return err
				})
			})
			return d, heap
		}
		// Both readers read both objects: one uploaded in one piece, one in parts.
		sdkGetSingle, sdkGetParts := sdkGet("bench/sdk.bin"), sdkGet("bench/lake.bin")
		lakeGetSingle, heapGet := lakeGet("sdk.bin")
		lakeGetParts, _ := lakeGet("lake.bin")

		b.ReportMetric(rate(sdkPut), "sdk-put-MB/s")
		b.ReportMetric(rate(lakePut), "lake-put-MB/s")
		b.ReportMetric(rate(lakeStreamPut), "lake-stream-put-MB/s")
		b.ReportMetric(rate(sdkGetSingle), "sdk-get-MB/s")
		b.ReportMetric(rate(lakeGetSingle), "lake-get-MB/s")
		fmt.Printf("%s: %d MiB, part %d MiB x %d in flight\n", b.Name(), mb, opts.PartSize>>20, opts.Concurrency)
		fmt.Printf("  upload:   sdk one stream %7.1f MB/s | lake %7.1f MB/s (%.2fx, peak heap %.0f MiB) | lake unknown-size stream %7.1f MB/s (%.2fx, peak heap %.0f MiB)\n",
			rate(sdkPut), rate(lakePut), sdkPut.Seconds()/lakePut.Seconds(), heapPut, rate(lakeStreamPut), sdkPut.Seconds()/lakeStreamPut.Seconds(), heapStream)
		fmt.Printf("  download of the one-piece object:   sdk one stream %7.1f MB/s | lake %7.1f MB/s (%.2fx, peak heap %.0f MiB)\n",
			rate(sdkGetSingle), rate(lakeGetSingle), sdkGetSingle.Seconds()/lakeGetSingle.Seconds(), heapGet)
		fmt.Printf("  download of the multipart object:   sdk one stream %7.1f MB/s | lake %7.1f MB/s (%.2fx)\n",
			rate(sdkGetParts), rate(lakeGetParts), sdkGetParts.Seconds()/lakeGetParts.Seconds())
		fmt.Printf("  process peak RSS %.0f MiB\n", float64(benchmeter.PeakRSS())/(1<<20))
	}
}

// pacedProxy is a reverse proxy to target that limits every request body
// and every response body to bytesPerSec, as one S3 connection is limited.
func pacedProxy(b *testing.B, target string, bytesPerSec float64) string {
	u, err := url.Parse(target)
	if err != nil {
		b.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = struct {
			io.Reader
			io.Closer
		}{&pacer{r: r.Body, rate: bytesPerSec, start: time.Now()}, r.Body}
		proxy.ServeHTTP(&pacedWriter{ResponseWriter: w, p: pacer{rate: bytesPerSec, start: time.Now()}}, r)
	}))
	b.Cleanup(srv.Close)
	return srv.URL
}

// pacer sleeps so that no more than rate bytes per second pass.
type pacer struct {
	r     io.Reader
	rate  float64
	start time.Time
	n     int64
}

func (p *pacer) wait(n int) {
	p.n += int64(n)
	if d := time.Duration(float64(p.n)/p.rate*1e9) - time.Since(p.start); d > 0 {
		time.Sleep(d)
	}
}

func (p *pacer) Read(b []byte) (int, error) {
	n, err := p.r.Read(b[:min(len(b), 64<<10)])
	p.wait(n)
	return n, err
}

type pacedWriter struct {
	http.ResponseWriter
	p pacer
}

func (w *pacedWriter) Write(b []byte) (int, error) {
	written := 0
	for len(b) > 0 {
		c := min(len(b), 64<<10)
		n, err := w.ResponseWriter.Write(b[:c])
		written += n
		w.p.wait(n)
		if err != nil {
			return written, err
		}
		b = b[c:]
	}
	return written, nil
}

func (w *pacedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
