package files

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
)

// Sizes of BenchmarkThroughput, from the environment (the figure
// is 10,000 objects of 200 records).
const (
	envBenchObjects = "LAKECTL_FILES_BENCH_OBJECTS"    // default 10000
	envBenchRecords = "LAKECTL_FILES_BENCH_RECORDS"    // per object, default 200
	envBenchChild   = "LAKECTL_FILES_BENCH_CHILD"      // "ingest" or "bare": the measured process
	envBenchProfile = "LAKECTL_FILES_BENCH_CPUPROFILE" // a folder: each child writes MODE.pprof and MODE.heap.pprof there
)

var benchRoutes = []string{`^open/=push_open`, `^click/=push_click`, `^delivery/=push_delivery`, `^bounce/=push_bounce`, `^unsubscribe/=push_unsubscribe`}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkThroughput lands gzip'd JSON-lines objects on MinIO under 5
// streams and measures, each in its own process (so peak RSS is its own):
// extract files into a lake folder with 5 routes, and a bare program that
// only downloads the same objects and decodes them with encoding/json into
// map[string]any. It prints records/s and peak RSS of both.
//
//	LAKECTL_FILES_BENCH_OBJECTS=200 go test -run '^$' -bench Throughput -benchtime 1x ./extract/files/
func BenchmarkThroughput(b *testing.B) {
	env := testenv.S3(b)
	env.SetAWSEnv(b)
	objects, perObject := envInt(envBenchObjects, 10000), envInt(envBenchRecords, 200)
	url := env.URL("landing")
	src, err := OpenSource(context.Background(), url, lake.Options{S3Endpoint: env.Endpoint, S3PathStyle: true})
	if err != nil {
		b.Fatal(err)
	}
	landBench(b, src, objects, perObject)
	for i := 0; i < b.N; i++ {
		// The reference runs before and after (their mean is the
		// figure): the first reads of freshly landed objects and the
		// load of the shared machine fall on both sides alike.
		before := benchChild(b, "bare", url, env.Endpoint)
		ing := benchChild(b, "ingest", url, env.Endpoint)
		after := benchChild(b, "bare", url, env.Endpoint)
		bare := benchRun{secs: (before.secs + after.secs) / 2, cpu: (before.cpu + after.cpu) / 2, rssKiB: max(before.rssKiB, after.rssKiB)}
		total := float64(objects * perObject)
		b.Logf("%d objects x %d records: extract files %.0f records/s (%.2f s CPU, %.2f µs/record), peak RSS %d MiB; bare download+encoding/json %.0f records/s (%.2f s CPU, %.2f µs/record; runs of %.2f s and %.2f s), peak RSS %d MiB; ratio %.2fx wall, %.2fx CPU (goal: at least 1.0x, issue 14)",
			objects, perObject, total/ing.secs, ing.cpu, ing.cpu/total*1e6, ing.rssKiB>>10, total/bare.secs, bare.cpu, bare.cpu/total*1e6,
			before.secs, after.secs, bare.rssKiB>>10, bare.secs/ing.secs, bare.cpu/ing.cpu)
		b.ReportMetric(total/ing.secs, "records/s")
		b.ReportMetric(total/bare.secs, "bare_records/s")
		b.ReportMetric(ing.cpu, "cpu_s")
		b.ReportMetric(bare.cpu, "bare_cpu_s")
		b.ReportMetric(float64(ing.rssKiB>>10), "peak_rss_MiB")
		b.ReportMetric(float64(bare.rssKiB>>10), "bare_peak_rss_MiB")
	}
}

// landBench puts the objects, 16 at a time.
func landBench(b *testing.B, src lake.Store, objects, perObject int) {
	streams := []string{"open", "click", "delivery", "bounce", "unsubscribe"}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	var failed atomic.Value
	for i := range objects {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			s := streams[i%len(streams)]
			body := gz(jsonLines(events(s, i*perObject, perObject), false))
			key := fmt.Sprintf("%s/2026/11/30/%02d/feed-%s-%06d.gz", s, i*24/objects, s, i)
			if _, err := src.Put(context.Background(), key, bytes.NewReader(body), int64(len(body)), lake.PutOptions{}); err != nil {
				failed.Store(err)
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
}

type benchRun struct {
	secs, cpu float64 // wall and CPU (user+system) seconds
	rssKiB    int64
}

// benchChild runs the test binary as the measured process.
func benchChild(b *testing.B, mode, url, endpoint string) benchRun {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), envBenchChild+"="+mode+"|"+url+"|"+endpoint+"|"+b.TempDir())
	cmd.Stderr = os.Stderr
	start := time.Now()
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("%s: %v %s", mode, err, out)
	}
	secs := time.Since(start).Seconds()
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	r := benchRun{secs: secs}
	if ru != nil {
		r.rssKiB = ru.Maxrss
		r.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	}
	return r
}

// runBenchChild is the measured process: mode|url|endpoint|lake folder.
func runBenchChild(spec string) int {
	var mode, url, endpoint, dir string
	parts := bytes.Split([]byte(spec), []byte("|"))
	if len(parts) != 4 {
		return 2
	}
	mode, url, endpoint, dir = string(parts[0]), string(parts[1]), string(parts[2]), string(parts[3])
	if d := os.Getenv(envBenchProfile); d != "" {
		if f, err := os.Create(filepath.Join(d, mode+".pprof")); err == nil {
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
		defer func() { // the heap at the end, with every allocation made
			if f, err := os.Create(filepath.Join(d, mode+".heap.pprof")); err == nil {
				pprof.Lookup("heap").WriteTo(f, 0)
				f.Close()
			}
		}()
	}
	ctx := context.Background()
	src, err := OpenSource(ctx, url, lake.Options{S3Endpoint: endpoint, S3PathStyle: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if mode == "bare" {
		n, err := bareDecode(ctx, src, DefaultConcurrency)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Println(n)
		return 0
	}
	lk, err := lake.NewFileStore(dir)
	if err != nil {
		return 1
	}
	o := Options{From: url, Job: "bench"}
	for _, s := range benchRoutes {
		r, _ := ParseRoute(s)
		o.Routes = append(o.Routes, r)
	}
	res, err := Extract(ctx, lk, src, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(res.Records)
	return 0
}

// bareDecode is the reference: list, download, gunzip and decode every
// object with encoding/json into map[string]any, nothing else.
func bareDecode(ctx context.Context, src lake.Store, concurrency int) (int64, error) {
	var n atomic.Int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, concurrency)
	var first atomic.Value
	err := src.List(ctx, "", func(o lake.ObjectInfo) error {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := bareObject(ctx, src, o.Key, &n); err != nil {
				first.Store(err)
			}
		})
		return nil
	})
	wg.Wait()
	if e, _ := first.Load().(error); e != nil {
		return 0, e
	}
	return n.Load(), err
}

func bareObject(ctx context.Context, src lake.Store, key string, n *atomic.Int64) error {
	rc, err := src.Get(ctx, key)
	if err != nil {
		return err
	}
	defer rc.Close()
	zr, err := gzip.NewReader(bufio.NewReader(rc))
	if err != nil {
		return err
	}
	dec := json.NewDecoder(zr)
	for {
		var m map[string]any
		if err := dec.Decode(&m); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		n.Add(1)
	}
}
