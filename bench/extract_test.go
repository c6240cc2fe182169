package bench_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/extract/api"
	"github.com/lakectl/lakectl/extract/mysql"
	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
)

// BenchmarkExtractMatrix runs extract mysql and the API extract with the
// lake on a fresh local folder and on a fresh MinIO prefix, and prints
// each MinIO figure as a ratio to the local one, with CPU time, peak RSS
// and the S3 requests by type next to the minimum (one PUT per Parquet
// part, one per commit record, and for the API one per window day of raw
// responses kept for replay). Sizes:
//
//   - LAKECTL_BENCH_MATRIX_MYSQL_ROWS rows of a mixed-type MariaDB table
//     (default 20,000; `make bench` runs the 2,000,000), generated
//     once in the database lakectl_bench and kept;
//   - LAKECTL_BENCH_MATRIX_API_PAGES pages of 100 records from a local
//     HTTP server answering each in 20 ms, 32 at a time (default 200;
//     `make bench` runs 2,000), next to the ideal (pages x 20 ms / 32).
//
// Run:
//
//	go test ./bench/ -run '^$' -bench ExtractMatrix -benchtime 1x
func BenchmarkExtractMatrix(b *testing.B) {
	rows := envInt(b, "LAKECTL_BENCH_MATRIX_MYSQL_ROWS", 20_000)
	pages := envInt(b, "LAKECTL_BENCH_MATRIX_API_PAGES", 200)
	ctx := context.Background()
	for range b.N {
		env := testenv.S3(b)
		env.SetAWSEnv(b)
		dsn, tbl := mysqlTable(b, rows)
		fmt.Printf("extract matrix: mysql %d rows, api %d pages x 100 records\n", rows, pages)
		header()
		pair(ctx, b, env, "extract mysql", func(s lake.Store) (map[string]int64, error) {
			res, err := mysql.Extract(ctx, s, mysql.Options{DSN: dsn, Table: tbl, As: "mixed"})
			if err != nil {
				return nil, err
			}
			if res.Rows != int64(rows) {
				return nil, fmt.Errorf("extracted %d rows, want %d", res.Rows, rows)
			}
			return map[string]int64{lake.ReqPut: putsFor(res.Files, res.Bytes) + 1}, nil
		})
		srv := newPartner(b)
		start, now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(pages)*time.Hour)
		spec := apiSpec(b, srv.URL, start)
		var took time.Duration
		pair(ctx, b, env, "extract api", func(s lake.Store) (map[string]int64, error) {
			t0 := time.Now()
			res, err := api.Extract(ctx, s, api.Options{Sources: []string{spec}, Concurrency: apiConcurrency, Now: func() time.Time { return now }})
			took = time.Since(t0)
			if err != nil {
				return nil, err
			}
			if res.Requests != int64(pages) || res.Records != int64(pages*100) {
				return nil, fmt.Errorf("%d requests, %d records, want %d and %d", res.Requests, res.Records, pages, pages*100)
			}
			// Each page is kept as sent (raw/, for replay), in bundles of
			// one window day: one PUT per day of hourly windows.
			days := int64(pages+23) / 24
			return map[string]int64{lake.ReqPut: days + putsFor(res.Files, res.Bytes) + 1}, nil
		})
		ideal := time.Duration(pages) * apiLatency / apiConcurrency
		fmt.Printf("  %-18s minio run %.2fx the ideal %s (pages x %s / %d)\n", "", took.Seconds()/ideal.Seconds(), ideal, apiLatency, apiConcurrency)
	}
}

// putsFor is the fewest PUT-class requests that write files of bytes in
// all: one each up to a part, a multipart upload's create, parts and
// completion above it.
func putsFor(files, bytes int64) int64 {
	if files == 0 {
		return 0
	}
	per := bytes / files
	if per <= lake.DefaultPartSize {
		return files
	}
	return files * ((per+lake.DefaultPartSize-1)/lake.DefaultPartSize + 2)
}

// pair measures fn on a fresh local lake, then on a fresh MinIO prefix,
// and prints both with the S3 requests next to the minimum fn returns.
func pair(ctx context.Context, b *testing.B, env testenv.S3Env, name string, fn func(lake.Store) (map[string]int64, error)) {
	local, err := lake.NewFileStore(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	s3, err := lake.Open(ctx, env.URL(strings.ReplaceAll(name, " ", "-")), lake.Options{S3Endpoint: env.Endpoint, S3PathStyle: true, Region: env.Region})
	if err != nil {
		b.Fatal(err)
	}
	defer s3.Close()
	row(b, name, local, s3, nil, fn)
}

// mysqlTable creates (once) lakectl_bench.matrix_<n>, a mixed-type table
// of n rows, and returns the server DSN and the table's name.
func mysqlTable(b *testing.B, n int) (string, string) {
	my := testenv.MySQL(b) // a fresh database; only its server is used
	base := my.DriverDSN[:strings.Index(my.DriverDSN, ")/")+2]
	db, err := sql.Open("mysql", base)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	name := "lakectl_bench.matrix_" + strconv.Itoa(n)
	var have int
	if db.QueryRow("SELECT COUNT(*) FROM "+name).Scan(&have) == nil && have == n {
		return base, name
	}
	for _, q := range []string{
		"CREATE DATABASE IF NOT EXISTS lakectl_bench CHARACTER SET utf8mb4",
		"DROP TABLE IF EXISTS " + name,
		"CREATE TABLE " + name + ` (id BIGINT UNSIGNED NOT NULL PRIMARY KEY, a INT NOT NULL, b BIGINT,
			amount DECIMAL(12,2), name VARCHAR(64) NULL, body TEXT, created DATETIME(6), flag TINYINT NOT NULL)`,
		"INSERT INTO " + name + ` SELECT seq, CAST(seq * 7 % 100000 AS SIGNED) - 50000, seq * 1000003, (seq % 1000000) / 100,
			IF(seq % 10 = 0, NULL, CONCAT('name-', seq)), REPEAT(CONCAT('t', seq % 97), 8),
			TIMESTAMP'2024-01-01 00:00:00' + INTERVAL seq * 1000003 MICROSECOND, seq % 2 FROM lakectl_bench.seq_1_to_` + strconv.Itoa(n),
	} {
		if _, err := db.Exec(q); err != nil {
			b.Fatalf("generate %s: %v", name, err)
		}
	}
	return base, name
}

const (
	apiLatency     = 20 * time.Millisecond
	apiConcurrency = 32
)

// newPartner is a local API answering GET /tx?start=&end= (one hour) after
// apiLatency with the hour's 100 records.
func newPartner(b *testing.B) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(apiLatency)
		start, err := time.Parse(time.RFC3339, r.URL.Query().Get("start"))
		if err != nil {
			http.Error(w, "bad window", http.StatusBadRequest)
			return
		}
		type rec struct {
			ID        string  `json:"id"`
			Amount    float64 `json:"amount"`
			Status    string  `json:"status"`
			UpdatedAt string  `json:"updated_at"`
		}
		recs := make([]rec, 100)
		for i := range recs {
			recs[i] = rec{ID: fmt.Sprintf("%s-%02d", start.Format("2006010215"), i), Amount: float64(i) + 0.25,
				Status: "pending", UpdatedAt: start.Add(time.Duration(i) * time.Second).Format(time.RFC3339)}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"data": recs})
	}))
	b.Cleanup(srv.Close)
	return srv
}

// apiSpec writes the partner's source spec: hourly windows from start,
// one request each.
func apiSpec(b *testing.B, baseURL string, start time.Time) string {
	spec := map[string]any{
		"name": "bench", "base_url": baseURL, "auth": map[string]any{"type": "none"},
		"accounts": []map[string]any{{"id": "a1"}},
		"retry":    map[string]any{"attempts": 4, "backoff_base": "5ms", "backoff_max": "50ms"},
		"timeout":  "5s",
		"endpoints": []any{map[string]any{
			"name": "tx", "path": "/tx", "query": map[string]string{"start": "{{.Start}}", "end": "{{.End}}"},
			"window":     map[string]any{"granularity": "hour", "max_span": "1h", "start": start.Format(time.RFC3339)},
			"pagination": map[string]any{"type": "none"}, "records_path": "/data", "key": []string{"id"}, "cursor": "updated_at",
		}},
	}
	data, err := json.Marshal(spec)
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "bench.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}
