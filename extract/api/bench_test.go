package api

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkExtract2000Requests is the figure: 2,000 requests to a
// local API answering each in 20 ms with 100 records, at concurrency 32,
// printed next to the ideal (requests x 20 ms / concurrency); then with a
// rate limit, the achieved rate next to the limit.
//
//	go test -run XXX -bench Extract2000 -benchtime 1x ./extract/api/
func BenchmarkExtract2000Requests(b *testing.B) {
	const (
		requests    = 2000
		latency     = 20 * time.Millisecond
		concurrency = 32
	)
	for _, limit := range []float64{0, 200} {
		name := "unlimited"
		if limit > 0 {
			name = fmt.Sprintf("limit_%g_per_s", limit)
		}
		b.Run(name, func(b *testing.B) {
			b.Setenv("TEST_TOKEN_a1", testToken)
			n := requests
			if limit > 0 {
				n = 600 // 3 s at the limit is enough to measure the rate
			}
			for b.Loop() {
				b.StopTimer()
				p := newPartner(&testing.T{}, testToken)
				defer p.srv.Close()
				p.perHour, p.pageSize, p.delay = 100, 100, latency
				store, _ := newLake(&testing.T{})
				extra := map[string]any{
					"accounts":        []map[string]any{{"id": "a1"}},
					"endpoint.window": map[string]any{"granularity": "hour", "start": runStart.Add(-time.Duration(n) * time.Hour).Format(time.RFC3339)},
				}
				if limit > 0 {
					extra["rate_limit"] = map[string]any{"requests_per_second": limit, "burst": 1}
				}
				spec := specFor(&testing.T{}, p, "bench", "none", extra)
				b.StartTimer()
				t0 := time.Now()
				res, err := Extract(context.Background(), store, Options{Sources: []string{spec}, Concurrency: concurrency,
					Now: func() time.Time { return runStart }})
				el := time.Since(t0)
				if err != nil {
					b.Fatal(err)
				}
				ideal := time.Duration(res.Requests) * latency / concurrency
				b.ReportMetric(float64(res.Requests)/el.Seconds(), "req/s")
				b.ReportMetric(float64(res.Records)/el.Seconds(), "records/s")
				b.ReportMetric(el.Seconds()/ideal.Seconds(), "x_ideal")
				if limit > 0 {
					fmt.Printf("rate limit %g req/s: %d requests in %s = %.1f req/s achieved\n", limit, res.Requests, el.Round(time.Millisecond), float64(res.Requests)/el.Seconds())
				} else {
					fmt.Printf("%d requests x %s at concurrency %d: wall %s, %.0f req/s, %.0f records/s; ideal %s (%.2fx ideal)\n",
						res.Requests, latency, concurrency, el.Round(time.Millisecond), float64(res.Requests)/el.Seconds(),
						float64(res.Records)/el.Seconds(), ideal, el.Seconds()/ideal.Seconds())
				}
			}
		})
	}
}
