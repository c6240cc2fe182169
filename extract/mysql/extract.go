// Package mysql extracts MySQL/MariaDB tables into the lake: one
// consistent snapshot read in key order as keyset chunks (optionally split
// across connections whose snapshots are taken together), or the rows past
// a per-job watermark, converted once per column from information_schema
// types into the lake's schema and handed to lake/table writers.
// docs/mysql.md is the user's contract (type mapping, incremental
// semantics, result fields).
package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/lakectl/lakectl/extract/internal/jobrun"
	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/internal/netx"
	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/table"
)

// Defaults of Options.
const (
	DefaultChunkRows = 100_000
	MaxParallel      = 64
)

// Options describe one extract run (what the user gives the MySQL extract).
type Options struct {
	DSN   string   // mysql://user:pw@host:port/db?params, or user:pw@tcp(host:port)/db?params
	Table string   // DB.TABLE, or TABLE when the DSN names a database
	As    string   // lake table name; default: the table part, lowercased
	Key   []string // chunking key; default: the primary key (or a NOT NULL unique key)

	Incremental bool          // read only rows past the job's watermark
	Cursor      string        // cursor column (integer, DATE, DATETIME or TIMESTAMP)
	Lookback    time.Duration // re-read this far below the watermark (temporal cursors)

	PartitionBy    string // "col" or "col:day|hour|month"
	ChunkRows      int    // rows per keyset chunk (default DefaultChunkRows)
	Parallel       int    // connections for a full snapshot (default 1)
	Where          string // extra SQL filter, ANDed to every read
	TinyInt1AsBool bool   // TINYINT(1) as bool (default: integer)
	Spatial        string // spatial columns: SpatialWKB (default) or SpatialWKT

	TargetFileBytes int64  // Parquet file size target (default: the lake writer's)
	Codec           string // Parquet codec (default: the lake writer's)
	LockStaleAfter  time.Duration

	Logger   *slog.Logger      // nil: discard
	Progress progress.Reporter // nil: none
	// Timeouts bound connecting and each read or write unless the DSN
	// sets timeout=, readTimeout=, writeTimeout= (zero: netx's defaults).
	Timeouts netx.Timeouts
}

// Result is the run summary; docs/mysql.md documents every field. It shares
// names, not a type, with extract/postgres's Result: each keeps its
// documented JSON order, which an embedded common part would break.
type Result struct {
	Table           string   `json:"table"`
	Source          string   `json:"source"`
	Job             string   `json:"job"`
	Mode            string   `json:"mode"`
	Op              string   `json:"op"`
	Rows            int64    `json:"rows"`
	Files           int64    `json:"files"`
	Bytes           int64    `json:"bytes"`
	DurationS       float64  `json:"duration_s"`
	SourceRows      int64    `json:"source_rows"`
	SourceBytes     int64    `json:"source_bytes"`
	SkippedRows     int64    `json:"skipped_rows"`
	RemovedFiles    int64    `json:"removed_files"`
	Key             []string `json:"key"`
	Cursor          string   `json:"cursor,omitempty"`
	WatermarkBefore string   `json:"watermark_before"`
	WatermarkAfter  string   `json:"watermark_after"`
	WindowFrom      string   `json:"window_from,omitempty"`
	ZeroDatesNulled int64    `json:"zero_dates_nulled"`
	NullCursorRows  int64    `json:"null_cursor_rows"`
	Parallel        int      `json:"parallel"`
	TxID            string   `json:"txid"`
}

// Extract runs one extract: lock, recover, read, write, commit. Bad input
// and failures change nothing in the lake (no file, no watermark). Its
// frame looks like extract/postgres's; the shared steps are jobrun's, the
// rest differs by run type.
func Extract(ctx context.Context, store lake.Store, opts Options) (*Result, error) {
	start := time.Now()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	rep := progress.OrNop(opts.Progress)
	defer rep.Done()
	r, err := newRun(ctx, store, opts)
	if err != nil {
		return nil, err
	}
	err = jobrun.Locked(ctx, store, r.res.Job, "extract mysql "+r.res.Table, opts.LockStaleAfter, opts.Logger,
		func(ctx context.Context) error { return lostErr(r.run(ctx, rep), r.cfg) })
	if err != nil {
		return nil, err
	}
	r.res.DurationS = time.Since(start).Seconds()
	return r.res, nil
}

// run is one extract's working set.
type run struct {
	opts    Options
	store   lake.Store
	log     *slog.Logger
	cfg     *mysql.Config
	db, tbl string // source database and table
	rule    table.PartitionRule
	res     *Result
}

func newRun(ctx context.Context, store lake.Store, opts Options) (*run, error) {
	r := &run{opts: opts, store: store, log: opts.Logger}
	var err error
	if r.cfg, err = parseDSN(ctx, opts.DSN, opts.Logger); err != nil {
		return nil, err
	}
	applyTimeouts(r.cfg, opts.Timeouts)
	if r.db, r.tbl, err = splitTable(r.cfg, opts.Table); err != nil {
		return nil, err
	}
	name := opts.As
	if name == "" {
		name = strings.ToLower(r.tbl)
	}
	if err := table.ValidateName(name); err != nil {
		return nil, err
	}
	if r.rule, err = table.ParsePartitionRule(opts.PartitionBy); err != nil {
		return nil, err
	}
	switch {
	case opts.Incremental && opts.Cursor == "":
		return nil, input.Errorf("%s needs %s COL (an integer, DATE, DATETIME or TIMESTAMP column)", input.Option("incremental"), input.Option("cursor"))
	case opts.Parallel < 0 || opts.Parallel > MaxParallel:
		return nil, input.Errorf("%s %d: want 1 to %d", input.Option("parallel"), opts.Parallel, MaxParallel)
	case opts.ChunkRows < 0:
		return nil, input.Errorf("%s %d: must be positive", input.Option("chunk-rows"), opts.ChunkRows)
	case opts.Lookback < 0:
		return nil, input.Errorf("%s %s: must not be negative", optLookback, opts.Lookback)
	case opts.Spatial != "" && opts.Spatial != SpatialWKB && opts.Spatial != SpatialWKT:
		return nil, input.Errorf("%s %q: want %s or %s", input.Option("spatial"), opts.Spatial, SpatialWKB, SpatialWKT)
	}
	if r.opts.Parallel == 0 {
		r.opts.Parallel = 1
	}
	if r.opts.ChunkRows == 0 {
		r.opts.ChunkRows = DefaultChunkRows
	}
	r.res = &Result{Table: name, Source: r.db + "." + r.tbl, Job: "extract-mysql-" + name, Cursor: opts.Cursor}
	return r, nil
}

func (r *run) run(ctx context.Context, rep progress.Reporter) error {
	tbl, err := table.Open(r.store, r.res.Table)
	if err != nil {
		return err
	}
	if _, err := tbl.Recover(ctx); err != nil {
		return err // Recover names the table
	}
	var st jobState
	hasState := true
	if err := tbl.LoadState(ctx, r.res.Job, &st); errors.Is(err, lake.ErrNotExist) {
		hasState = false
	} else if err != nil {
		return fmt.Errorf("load state of job %s: %w", r.res.Job, err)
	}

	connector, err := mysql.NewConnector(r.cfg)
	if err != nil {
		return input.Errorf("%s: %v", optDSN, err)
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	db.SetMaxOpenConns(r.opts.Parallel + 2)
	if err := ping(ctx, db, r.cfg); err != nil {
		var me *mysql.MySQLError
		if errors.As(err, &me) && me.Number == errUnknownDB {
			return input.Errorf("database %q does not exist on the MySQL server (or the user may not see it): fix the database of %s", r.cfg.DBName, optDSN)
		}
		return fmt.Errorf("connect to MySQL at %s as %q: %w; check the DSN's host, port, user and password", r.cfg.Addr, r.cfg.User, err)
	}
	ti, err := describeTable(ctx, db, r.db, r.tbl, mapOptions{tinyInt1AsBool: r.opts.TinyInt1AsBool, spatialWKT: r.opts.Spatial == SpatialWKT})
	if err != nil {
		return err
	}
	if len(r.opts.Key) > 0 {
		ti.Key, ti.KeySource = nil, "given key"
		for _, k := range r.opts.Key {
			_, c := ti.column(strings.TrimSpace(k))
			if c == nil {
				return input.Errorf("%s column %q is not a column of %s", input.Option("key"), k, r.res.Source)
			}
			ti.Key = append(ti.Key, c.Name)
		}
	}
	if len(ti.Key) == 0 {
		r.log.Warn("table has no primary key: reading it as one stream; name a unique key column as the table's key to chunk and parallelise it",
			"table", r.res.Source)
	}
	r.res.Key = ti.Key
	rep.SetTotal(ti.RowEstimate)
	if err := r.validate(ctx, db, ti); err != nil {
		return err
	}

	var cur *cursorInfo
	if r.opts.Cursor != "" {
		if cur, err = newCursorInfo(ti, r.opts.Cursor, r.opts.Lookback); err != nil {
			return err
		}
	}
	if hasState {
		r.res.WatermarkBefore = st.Watermark
	}
	snapshot := !r.opts.Incremental || !hasState || st.Watermark == ""
	if r.opts.Incremental && hasState && st.Watermark != "" && (!strings.EqualFold(st.Cursor, r.opts.Cursor) || st.CursorType != string(cur.typ)) {
		r.log.Warn("the cursor changed since the last run: taking a full snapshot", "was", st.Cursor, "now", r.opts.Cursor)
		snapshot = true
	}
	if snapshot {
		return r.snapshot(ctx, db, tbl, ti, cur, rep)
	}
	if st.Source != "" && !strings.EqualFold(st.Source, r.res.Source) {
		return &SourceChangedError{Job: r.res.Job, Table: r.res.Table, Have: st.Source, Want: r.res.Source}
	}
	if err := tbl.CheckAppend(ctx, ti.Schema(), r.rule); err != nil {
		return err
	}
	return r.incremental(ctx, db, tbl, ti, cur, &st, rep)
}

// MySQL error numbers that mean bad input rather than a failure.
const (
	errUnknownDB     = 1049 // ER_BAD_DB_ERROR
	errUnknownColumn = 1054 // ER_BAD_FIELD_ERROR
	errParse         = 1064 // ER_PARSE_ERROR
)

// validate refuses bad input that only the table can reveal (a partition
// column it lacks, a WHERE filter it cannot run) before any transaction opens,
// so bad input leaves no trace in the lake.
func (r *run) validate(ctx context.Context, db *sql.DB, ti *tableInfo) error {
	if err := r.rule.Check(ti.Schema()); err != nil {
		return input.Errorf("%s %s: %v", input.Option("partition-by"), r.rule, err)
	}
	where := r.userWhere()
	if len(where) == 0 {
		return nil
	}
	q := fmt.Sprintf("SELECT 1 FROM %s WHERE %s LIMIT 0", quoteTable(ti.DB, ti.Name), where[0])
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		var me *mysql.MySQLError
		if errors.As(err, &me) && (me.Number == errUnknownColumn || me.Number == errParse || string(me.SQLState[:2]) == "42") {
			return input.Errorf("%s %q does not run on %s: %s", input.Option("where"), r.opts.Where, r.res.Source, me.Message)
		}
		return fmt.Errorf("check the WHERE filter on %s: %w", r.res.Source, err)
	}
	return rows.Close()
}
