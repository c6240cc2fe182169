package api

import (
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
)

const (
	benchRequests    = 2000
	benchLatency     = 20 * time.Millisecond
	benchConcurrency = 32
)

// BenchmarkExtract2000Requests is the figure: 2,000 requests to a
// local API answering each in 20 ms with 100 records, at concurrency 32,
// printed next to the ideal (requests x 20 ms / concurrency); again with
// the partner's answers rendered before the run (a real partner's JSON
// encoding is not on our CPU); then with a rate limit, the achieved rate
// next to the limit. The lake is a file store in the temporary folder
// (TMPDIR=/dev/shm puts it on tmpfs, to see the cost of its fsyncs).
//
//	go test -run XXX -bench Extract2000 -benchtime 1x ./extract/api/
func BenchmarkExtract2000Requests(b *testing.B) {
	cases := []struct {
		name      string
		limit     float64
		prerender bool
	}{{"unlimited", 0, false}, {"unlimited_prerendered", 0, true}, {"limit_200_per_s", 200, false}}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			benchExtract(b, c.limit, c.prerender, func() lake.Store {
				store, _ := newLake(&testing.T{})
				return store
			})
		})
	}
}

// BenchmarkExtract2000RequestsMinIO is the same run with the lake in
// MinIO (internal/testenv.S3; skipped locally when MinIO is not running).
func BenchmarkExtract2000RequestsMinIO(b *testing.B) {
	env := testenv.S3(b)
	env.SetAWSEnv(b)
	for _, prerender := range []bool{false, true} {
		name := "unlimited"
		if prerender {
			name += "_prerendered"
		}
		b.Run(name, func(b *testing.B) {
			run := 0
			benchExtract(b, 0, prerender, func() lake.Store {
				run++
				store, err := lake.Open(context.Background(), env.URL(fmt.Sprintf("lake-%s-%d", name, run)),
					lake.Options{S3Endpoint: env.Endpoint, S3PathStyle: true})
				if err != nil {
					b.Fatal(err)
				}
				return store
			})
		})
	}
}

func benchExtract(b *testing.B, limit float64, prerender bool, newStore func() lake.Store) {
	b.Setenv("TEST_TOKEN_a1", testToken)
	n := benchRequests
	if limit > 0 {
		n = 600 // 3 s at the limit is enough to measure the rate
	}
	for b.Loop() {
		b.StopTimer()
		p := newPartner(&testing.T{}, testToken)
		defer p.srv.Close()
		p.perHour, p.pageSize, p.delay = 100, 100, benchLatency
		start := runStart.Add(-time.Duration(n) * time.Hour)
		if prerender {
			p.prerender("a1", start, n)
		}
		store := newStore()
		defer store.Close()
		extra := map[string]any{
			"accounts":        []map[string]any{{"id": "a1"}},
			"endpoint.window": map[string]any{"granularity": "hour", "start": start.Format(time.RFC3339)},
		}
		if limit > 0 {
			extra["rate_limit"] = map[string]any{"requests_per_second": limit, "burst": 1}
		}
		spec := specFor(&testing.T{}, p, "bench", "none", extra)
		b.StartTimer()
		cpu0 := processCPU()
		t0 := time.Now()
		res, err := Extract(context.Background(), store, Options{Sources: []string{spec}, Concurrency: benchConcurrency,
			Now: func() time.Time { return runStart }})
		el := time.Since(t0)
		cpu := processCPU() - cpu0
		if err != nil {
			b.Fatal(err)
		}
		if prerender && p.hits.Load() != res.Requests {
			b.Fatalf("%d of %d answers were prerendered", p.hits.Load(), res.Requests)
		}
		ideal := time.Duration(res.Requests) * benchLatency / benchConcurrency
		b.ReportMetric(float64(res.Requests)/el.Seconds(), "req/s")
		b.ReportMetric(float64(res.Records)/el.Seconds(), "records/s")
		b.ReportMetric(el.Seconds()/ideal.Seconds(), "x_ideal")
		b.ReportMetric(cpu.Seconds(), "cpu_s")
		if limit > 0 {
			fmt.Printf("%s: rate limit %g req/s: %d requests in %s = %.1f req/s achieved (%.3fx the limit's time); process CPU %s\n",
				b.Name(), limit, res.Requests, el.Round(time.Millisecond), float64(res.Requests)/el.Seconds(),
				el.Seconds()/(float64(res.Requests-1)/limit), cpu.Round(time.Millisecond))
			continue
		}
		fmt.Printf("%s: %d requests x %s at concurrency %d: wall %s, %.0f req/s, %.0f records/s; ideal %s (%.2fx ideal); process CPU %s, %.0f µs/request (the test partner's included); load average %s\n",
			b.Name(), res.Requests, benchLatency, benchConcurrency, el.Round(time.Millisecond), float64(res.Requests)/el.Seconds(),
			float64(res.Records)/el.Seconds(), ideal, el.Seconds()/ideal.Seconds(), cpu.Round(time.Millisecond),
			cpu.Seconds()/float64(res.Requests)*1e6, loadAverage())
		if reqs := lake.Requests(store); reqs != nil {
			fmt.Printf("%s: lake requests:", b.Name())
			for _, t := range lake.RequestTypes {
				fmt.Printf(" %s %d", t, reqs[t])
			}
			fmt.Printf(" (%.2f per request to the partner)\n", float64(total(reqs))/float64(res.Requests))
		}
		fmt.Printf("%s: references (issue 11): 1.59x ideal on a local lake and 2.36x on MinIO before; targets 1.3x and 1.5x\n", b.Name())
	}
}

// total is the sum of request counts.
func total(reqs map[string]int64) (n int64) {
	for _, v := range reqs {
		n += v
	}
	return n
}

// loadAverage is the machine's one-minute load average (how shared it
// was: the wall time of a run on a busy machine says little).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "unknown"
}

// processCPU is the user plus system CPU time this process has used: on a
// shared machine it shows what a run costs when the wall time is noisy.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
