package cmd

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"

	"github.com/lakectl/lakectl/internal/iostreams"
	"github.com/lakectl/lakectl/internal/testenv"
)

// Sizes of BenchmarkFreshness, from the environment.
const (
	envFreshSeconds = "LAKECTL_FILES_FRESH_SECONDS" // how long the writer lands objects, default 60
	envFreshRate    = "LAKECTL_FILES_FRESH_RATE"    // records per second, default 2000
)

func envPositive(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkFreshness: a writer lands one gzip'd JSON-lines object a
// second on MinIO (2,000 records/s in total) while `run --every 5s`
// extracts it and loads it into PostgreSQL; it prints the p50 and p95
// delay from an object landing to its rows being queryable there.
//
//	LAKECTL_FILES_FRESH_SECONDS=15 go test -run '^$' -bench Freshness -benchtime 1x ./cmd/
func BenchmarkFreshness(b *testing.B) {
	env := testenv.S3(b)
	env.SetAWSEnv(b)
	pg := testenv.Postgres(b)
	seconds, rate := envPositive(envFreshSeconds, 60), envPositive(envFreshRate, 2000)
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		cfg := filepath.Join(dir, "lakectl.yaml")
		conf := fmt.Sprintf("lake: %s\nwarehouse: %s\ns3_path_style: true\njobs:\n"+
			"  - {name: feed, type: extract-files, from: %q, routes: ['^open/=push_open']}\n"+
			"  - {name: feed-load, type: load, tables: [push_open]}\n", filepath.Join(dir, "lake"), pg, env.URL("feed/"))
		if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		io, _, _, errOut := iostreams.Test()
		done := make(chan int, 1)
		go func() { done <- Run(ctx, io, []string{"--config", cfg, "-q", "run", "--every", "5s"}) }()
		lw := &landings{at: map[string]time.Time{}}
		polled := make(chan []time.Duration, 1)
		go func() { polled <- pollQueryable(b, pg, lw, seconds, time.Duration(seconds)*time.Second+90*time.Second) }()
		landEverySecond(b, env, lw, seconds, rate)
		delays := <-polled
		cancel()
		if code := <-done; code != 0 {
			b.Fatalf("run --every exited %d: %s", code, errOut)
		}
		if len(delays) < seconds {
			b.Fatalf("%d of %d objects queryable", len(delays), seconds)
		}
		slices.Sort(delays)
		p50, p95 := delays[len(delays)/2], delays[(len(delays)*95+99)/100-1]
		b.Logf("%d objects, %d records/s, run --every 5s into PostgreSQL: landing to queryable p50 %.1fs, p95 %.1fs (goal: p95 under 15s)",
			len(delays), rate, p50.Seconds(), p95.Seconds())
		b.ReportMetric(p50.Seconds(), "p50_s")
		b.ReportMetric(p95.Seconds(), "p95_s")
	}
}

// landings are the landed keys and when each landed.
type landings struct {
	mu sync.Mutex
	at map[string]time.Time
}

// landEverySecond puts one object a second of rate records.
func landEverySecond(b *testing.B, env testenv.S3Env, lw *landings, seconds, rate int) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	n := 0
	for s := range seconds {
		var raw bytes.Buffer
		for range rate {
			n++
			fmt.Fprintf(&raw, `{"message_id":"m-%d","event":"open","device":"d-%d","n":%d}`+"\n", n, n%97, n)
		}
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(raw.Bytes())
		zw.Close()
		now := time.Now().UTC()
		key := fmt.Sprintf("open/%s/feed-open-%06d.gz", now.Format("2006/01/02/15"), s)
		if _, err := env.Client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(env.Bucket),
			Key: aws.String("feed/" + key), Body: bytes.NewReader(z.Bytes())}); err != nil {
			b.Fatal(err)
		}
		lw.mu.Lock()
		lw.at[key] = time.Now()
		lw.mu.Unlock()
		<-tick.C
	}
}

// pollQueryable polls PostgreSQL, while objects land, until the rows of
// all `want` objects are there, and returns each one's delay from landing.
func pollQueryable(b *testing.B, pg string, lw *landings, want int, limit time.Duration) []time.Duration {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pg)
	if err != nil {
		b.Error(err)
		return nil
	}
	defer conn.Close(ctx)
	seen := map[string]time.Duration{}
	deadline := time.Now().Add(limit)
	for len(seen) < want && time.Now().Before(deadline) {
		rows, err := conn.Query(ctx, "SELECT DISTINCT _source_key FROM push_open")
		if err == nil {
			now := time.Now()
			for rows.Next() {
				var k string
				if rows.Scan(&k) != nil {
					continue
				}
				lw.mu.Lock()
				at, ok := lw.at[k]
				lw.mu.Unlock()
				if _, done := seen[k]; ok && !done {
					seen[k] = now.Sub(at)
				}
			}
			rows.Close()
		}
		time.Sleep(100 * time.Millisecond)
	}
	out := make([]time.Duration, 0, len(seen))
	for _, d := range seen {
		out = append(out, d)
	}
	return out
}
