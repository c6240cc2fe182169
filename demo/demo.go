// Package demo runs lakectl's whole pipeline on embedded defaults, with
// nothing to install: a sample partner API served on loopback, a local
// lake, a DuckDB warehouse, and a report that checks the warehouse against
// the lake.
package demo

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // the report reads the lake and the warehouse

	"github.com/lakectl/lakectl/catalog"
	"github.com/lakectl/lakectl/extract/api"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/compact"
	"github.com/lakectl/lakectl/warehouse"
)

// Table is the lake table the demo fills.
const Table = "sample_transactions"

// Options configure Run.
type Options struct {
	Dir    string           // holds sources/, lake/ and warehouse.duckdb (default DefaultDir())
	Days   int              // days of history the sample partner has (default 3)
	Now    func() time.Time // the demo's clock (default time.Now)
	Logger *slog.Logger
}

// Step is one stage of the pipeline.
type Step struct {
	Name      string  `json:"name"`
	Rows      int64   `json:"rows"`
	Files     int64   `json:"files"`
	Bytes     int64   `json:"bytes"`
	DurationS float64 `json:"duration_s"`
	Detail    string  `json:"detail"`
}

// StatusLine is one line of the report's breakdown.
type StatusLine struct {
	Status       string `json:"status"`
	Transactions int64  `json:"transactions"`
	Commission   string `json:"commission"`
}

// Report is what the demo did and what the warehouse holds.
type Report struct {
	Dir       string `json:"dir"`
	Lake      string `json:"lake"`
	Warehouse string `json:"warehouse"`
	Steps     []Step `json:"steps"`
	// LakeVersions counts every version of every transaction in the lake;
	// LakeTransactions the distinct ones; WarehouseRows the warehouse's
	// rows after the upsert. Consistent: the warehouse holds exactly the
	// latest version of each transaction in the lake.
	LakeVersions     int64        `json:"lake_versions"`
	LakeTransactions int64        `json:"lake_transactions"`
	WarehouseRows    int64        `json:"warehouse_rows"`
	Consistent       bool         `json:"consistent"`
	ByStatus         []StatusLine `json:"by_status"`
	Rows             int64        `json:"rows"`
	Files            int64        `json:"files"`
	Bytes            int64        `json:"bytes"`
	DurationS        float64      `json:"duration_s"`
}

// DefaultDir is where the demo writes when no folder is given: the user's
// cache directory, so that a demo run from a clone never dirties it.
func DefaultDir() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no folder for the demo: %w; pass one", err)
	}
	return filepath.Join(cache, "lakectl", "demo"), nil
}

// Run runs the pipeline: two hourly-style extracts a day apart (the second
// finds transactions whose status changed), compaction, catalog, an upsert
// load into DuckDB, and the report. Rerunning it in the same folder goes on
// from where the last run left off, as cron would.
func Run(ctx context.Context, opts Options) (*Report, error) {
	start := time.Now()
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	rep := &Report{Dir: dir, Lake: filepath.Join(dir, "lake"), Warehouse: "duckdb://" + filepath.Join(dir, "warehouse.duckdb")}
	if err := os.MkdirAll(filepath.Join(dir, "sources"), 0o755); err != nil {
		return nil, fmt.Errorf("demo folder %s: %w", dir, err)
	}
	store, err := lake.Open(ctx, rep.Lake, lake.Options{Logger: opts.Logger})
	if err != nil {
		return nil, err
	}
	defer store.Close()
	for _, step := range []func(context.Context, lake.Store, Options, *Report) error{extractTwice, compactTable, crawlTable, loadTable} {
		if err := step(ctx, store, opts, rep); err != nil {
			return nil, err
		}
	}
	if err := rep.check(ctx); err != nil {
		return nil, err
	}
	rep.DurationS = time.Since(start).Seconds()
	return rep, nil
}

// withDefaults fills the options left zero.
func (opts Options) withDefaults() (Options, error) {
	if opts.Dir == "" {
		d, err := DefaultDir()
		if err != nil {
			return opts, err
		}
		opts.Dir = d
	}
	if opts.Days <= 0 {
		opts.Days = 3
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return opts, nil
}

// extractTwice runs the sample partner's API and extracts from it twice,
// a day apart.
func extractTwice(ctx context.Context, store lake.Store, opts Options, rep *Report) error {
	// The partner's clock starts a day behind, so that the second extract
	// sees a day of status changes.
	clock := &partnerClock{now: opts.Now().Add(-24 * time.Hour)}
	srv, base, err := serve(samplePartner{now: clock.Now})
	if err != nil {
		return err
	}
	defer srv.Close()
	spec := filepath.Join(rep.Dir, "sources", "sample.json")
	if err := writeSpec(spec, base, opts.Now().UTC().AddDate(0, 0, -opts.Days).Truncate(24*time.Hour)); err != nil {
		return err
	}

	lookup := func(k string) (string, bool) {
		if k == "SAMPLE_PARTNER_TOKEN" {
			return sampleToken, true
		}
		return os.LookupEnv(k)
	}
	for i, label := range []string{"extract api (yesterday)", "extract api (today)"} {
		if i == 1 {
			clock.now = opts.Now()
		}
		t := time.Now()
		res, err := api.Extract(ctx, store, api.Options{Sources: []string{spec}, Now: clock.Now, LookupEnv: lookup, Logger: opts.Logger})
		if err != nil {
			return fmt.Errorf("%s: %w", label, err)
		}
		rep.add(Step{Name: label, Rows: res.Rows, Files: res.Files, Bytes: res.Bytes, DurationS: time.Since(t).Seconds(),
			Detail: fmt.Sprintf("%d requests, %d records, raw responses under raw/", res.Requests, res.Records)})
	}
	return nil
}

func compactTable(ctx context.Context, store lake.Store, opts Options, rep *Report) error {
	t := time.Now()
	cres, err := compact.Compact(ctx, store, compact.Options{Table: Table, Logger: opts.Logger})
	if err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	rep.add(Step{Name: "lake compact", Rows: cres.Rows, Files: cres.Files, Bytes: cres.Bytes, DurationS: time.Since(t).Seconds(),
		Detail: fmt.Sprintf("%d small files into %d", cres.InputFiles, cres.Files)})
	return nil
}

func crawlTable(ctx context.Context, store lake.Store, opts Options, rep *Report) error {
	t := time.Now()
	crawl, err := catalog.Crawl(ctx, store, []string{Table}, catalog.CrawlOptions{Logger: opts.Logger})
	if err != nil {
		return fmt.Errorf("catalog crawl: %w", err)
	}
	if _, err := catalog.Check(ctx, store, []string{Table}); err != nil {
		return fmt.Errorf("catalog check: %w", err)
	}
	version := 0
	if len(crawl.Tables) == 1 {
		version = crawl.Tables[0].Version
	}
	rep.add(Step{Name: "catalog crawl + check", Files: int64(crawl.Files), DurationS: time.Since(t).Seconds(),
		Detail: fmt.Sprintf("schema v%d, no breaking change", version)})
	return nil
}

func loadTable(ctx context.Context, store lake.Store, opts Options, rep *Report) error {
	t := time.Now()
	wh, err := warehouse.Open(ctx, rep.Warehouse, warehouse.Options{})
	if err != nil {
		return err
	}
	lres, err := warehouse.Load(ctx, store, wh, warehouse.LoadOptions{Table: Table, Mode: warehouse.ModeUpsert, Key: []string{"id"}, Cursor: "updated_at", Logger: opts.Logger})
	wh.Close()
	if err != nil {
		return fmt.Errorf("warehouse load: %w", err)
	}
	rep.add(Step{Name: "warehouse load (upsert)", Rows: lres.Rows, Files: int64(lres.Files), Bytes: lres.Bytes, DurationS: time.Since(t).Seconds(),
		Detail: fmt.Sprintf("into %s, %d files already loaded", lres.Into, lres.SkippedFiles)})
	return nil
}

func (r *Report) add(s Step) {
	r.Steps = append(r.Steps, s)
	r.Rows += s.Rows
	r.Files += s.Files
	r.Bytes += s.Bytes
}

// check compares the warehouse with the lake, read independently by
// DuckDB, and breaks the warehouse down by status.
func (r *Report) check(ctx context.Context) error {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	whPath := r.Warehouse[len("duckdb://"):]
	if _, err := db.ExecContext(ctx, fmt.Sprintf("ATTACH '%s' AS wh (READ_ONLY)", whPath)); err != nil {
		return fmt.Errorf("report: open warehouse: %w", err)
	}
	glob := filepath.Join(r.Lake, "tables", Table, "**", "*.parquet")
	latest := fmt.Sprintf(`SELECT * FROM read_parquet('%s', hive_partitioning = true)
		QUALIFY row_number() OVER (PARTITION BY id ORDER BY updated_at DESC, _extracted_at DESC) = 1`, glob)
	var lakeSum, whSum string
	err = db.QueryRowContext(ctx, fmt.Sprintf(`SELECT
		(SELECT count(*) FROM read_parquet('%s', hive_partitioning = true)),
		(SELECT count(*) FROM (%s)),
		(SELECT CAST(sum(commission) AS VARCHAR) FROM (%s)),
		(SELECT count(*) FROM wh.main.%s),
		(SELECT CAST(sum(commission) AS VARCHAR) FROM wh.main.%s)`, glob, latest, latest, Table, Table)).
		Scan(&r.LakeVersions, &r.LakeTransactions, &lakeSum, &r.WarehouseRows, &whSum)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	r.Consistent = r.LakeTransactions == r.WarehouseRows && lakeSum == whSum
	rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT status, count(*), CAST(sum(commission) AS VARCHAR)
		FROM wh.main.%s GROUP BY status ORDER BY status`, Table))
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var l StatusLine
		if err := rows.Scan(&l.Status, &l.Transactions, &l.Commission); err != nil {
			return err
		}
		r.ByStatus = append(r.ByStatus, l)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if !r.Consistent {
		return errors.New("report: the warehouse does not hold the lake's latest versions; this is a bug, please report it")
	}
	return nil
}

type partnerClock struct{ now time.Time }

func (c *partnerClock) Now() time.Time { return c.now }

// serve starts the sample partner on a loopback port.
func serve(h http.Handler) (*http.Server, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", fmt.Errorf("start the sample partner API: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return srv, "http://" + ln.Addr().String(), nil
}

// writeSpec writes the sample partner's source spec, as a user would.
func writeSpec(path, baseURL string, start time.Time) error {
	spec := map[string]any{
		"name":       "sample",
		"base_url":   baseURL,
		"auth":       map[string]any{"type": "bearer", "token_env": "SAMPLE_PARTNER_TOKEN"},
		"accounts":   []map[string]any{{"id": "1001", "name": "EU"}, {"id": "1002", "name": "UK"}},
		"rate_limit": map[string]any{"requests_per_second": 200, "burst": 50},
		"endpoints": []map[string]any{{
			"name":  "transactions",
			"path":  "/v1/accounts/{{.Account.ID}}/transactions",
			"query": map[string]string{"from": "{{.Start}}", "to": "{{.End}}"},
			"window": map[string]any{"granularity": "hour", "max_span": "24h", "start": start.Format(time.RFC3339),
				"lookback": "2d"},
			"pagination":   map[string]any{"type": "page", "page_param": "page", "size_param": "per_page", "size": 200, "stop": "short"},
			"records_path": "data",
			"fields": []map[string]string{
				{"name": "id", "type": "int64"},
				{"name": "advertiser", "type": "string"},
				{"name": "status", "type": "string"},
				{"name": "commission", "type": "decimal(12,2)"},
				{"name": "currency", "type": "string"},
				{"name": "created_at", "type": "timestamp"},
				{"name": "updated_at", "type": "timestamp"},
			},
			"key":          []string{"id"},
			"cursor":       "updated_at",
			"table":        Table,
			"partition_by": "created_at:day",
		}},
	}
	b, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
