// Package duckdb is the embedded DuckDB warehouse driver: the default
// warehouse. Files load with INSERT ... SELECT FROM read_parquet, on the
// lake's own files for a local lake and on downloaded copies for S3 (no
// httpfs extension is needed).
package duckdb

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"sync"

	_ "github.com/duckdb/duckdb-go/v2" // the database/sql driver "duckdb"

	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/warehouse/driver"
)

// Each driver embeds and parses its own templates (go:embed reads only
// its package's files), so these lines repeat in every driver.
//
//go:embed sql/*.sql
var sqlFiles embed.FS

// Templates are the dialect's SQL statements (sql/*.sql).
func Templates() *driver.Templates {
	return driver.MustParseTemplates(sqlFiles, "sql")
}

// Warehouse is one DuckDB database file. DuckDB allows one writing
// process per file (another process gets a lock error, reported as
// "another run holds the lock") and the driver runs one load transaction
// at a time in this process.
type Warehouse struct {
	path string
	db   *sql.DB
	tmpl *driver.Templates
	mu   sync.Mutex // held from Begin to Commit/Rollback
}

// Open opens (creating if needed) the database file at path; ":memory:"
// is an in-memory database.
func Open(_ context.Context, path string) (*Warehouse, error) {
	if path == "" {
		return nil, input.Errorf("warehouse URL duckdb://: no database file")
	}
	dsn := path
	if path == ":memory:" {
		dsn = ""
	}
	// DuckDB caches what it read of external files by path, trusting a
	// file whose modification time did not change; a load from S3
	// rewrites its temporary files in place (driver.Prefetcher), possibly
	// within one tick of that time, and reads each file once anyway.
	db, err := sql.Open("duckdb", dsn+"?enable_external_file_cache=false")
	if err != nil {
		return nil, fmt.Errorf("open duckdb %s: %w", path, err)
	}
	return &Warehouse{path: path, db: db, tmpl: Templates()}, nil
}

// DB is the database handle, for callers that inspect the warehouse.
func (w *Warehouse) DB() *sql.DB { return w.db }

// Dialect is driver.DuckDB.
func (w *Warehouse) Dialect() string { return driver.DuckDB }

// String is the warehouse URL.
func (w *Warehouse) String() string { return "duckdb://" + w.path }

// DefaultSchema is main.
func (w *Warehouse) DefaultSchema() string { return "main" }

// SQL renders one of the dialect's statements.
func (w *Warehouse) SQL(name string, data *driver.Statement) (string, error) {
	return w.tmpl.Render(name, data)
}

// Query runs a read-only statement.
func (w *Warehouse) Query(ctx context.Context, q string, args []any, fn func(scan func(...any) error) error) error {
	rows, err := w.db.QueryContext(ctx, q, args...)
	if err != nil {
		return w.openErr(err)
	}
	return scanRows(rows, fn)
}

func scanRows(rows *sql.Rows, fn func(scan func(...any) error) error) error {
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// openErr turns DuckDB's file lock conflict into the typed "held" error.
func (w *Warehouse) openErr(err error) error {
	if err != nil && strings.Contains(err.Error(), "Could not set lock on file") {
		return &lake.LockedError{Lock: "duckdb " + w.path, Owner: "another process (DuckDB allows one writer per file)"}
	}
	return err
}

// Begin starts a load transaction.
func (w *Warehouse) Begin(ctx context.Context) (driver.Tx, error) {
	w.mu.Lock()
	conn, err := w.db.Conn(ctx)
	if err != nil {
		w.mu.Unlock()
		return nil, w.openErr(err)
	}
	t, err := conn.BeginTx(ctx, nil)
	if err != nil {
		_ = conn.Close()
		w.mu.Unlock()
		return nil, w.openErr(err)
	}
	return &tx{w: w, conn: conn, tx: t}, nil
}

// PlanStage returns the INSERT ... read_parquet statements Stage runs
// (for an S3 lake, on downloaded copies of the files).
func (w *Warehouse) PlanStage(job *driver.StageJob) ([]string, []byte, error) {
	var out []string
	_, local := lake.As[driver.LocalFiles](job.Store)
	for _, c := range copies(job, local) {
		for i, f := range c.files {
			c.Paths[i] = job.Store.URL(f.Key)
		}
		s, err := w.tmpl.Render("copy_parquet", c)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, s)
	}
	return out, nil, nil
}

// ReadsLakeFiles says that Stage fetches the files (driver.FileReader).
func (w *Warehouse) ReadsLakeFiles() {}

// Close closes the database.
func (w *Warehouse) Close() error { return w.db.Close() }

type tx struct {
	w    *Warehouse
	conn *sql.Conn
	tx   *sql.Tx
	done bool
}

func (t *tx) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := t.tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, conflict(err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

func (t *tx) Query(ctx context.Context, q string, args []any, fn func(scan func(...any) error) error) error {
	rows, err := t.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return conflict(err)
	}
	return conflict(scanRows(rows, fn))
}

func (t *tx) finish(f func() error) error {
	if t.done {
		return nil
	}
	t.done = true
	err := f()
	_ = t.conn.Close()
	t.w.mu.Unlock()
	return err
}

func (t *tx) Commit(context.Context) error {
	return conflict(t.finish(t.tx.Commit))
}

// conflict marks DuckDB's write-write conflicts between two transactions
// of this process (another Warehouse on the same file) as retryable.
func conflict(err error) error {
	if err != nil && (strings.Contains(err.Error(), "write-write conflict") || strings.Contains(err.Error(), "Conflict on")) {
		return fmt.Errorf("%w: %w", driver.ErrConflict, err)
	}
	return err
}
func (t *tx) Rollback(context.Context) error { return t.finish(t.tx.Rollback) }

// Stage inserts the files' rows with read_parquet. For an S3 lake the
// files are downloaded ahead (driver.Prefetcher) while DuckDB inserts the
// ones before them.
func (t *tx) Stage(ctx context.Context, job *driver.StageJob) (int64, error) {
	tmp, err := os.MkdirTemp("", "lakectl-duckdb-")
	if err != nil {
		return 0, fmt.Errorf("stage: %w", err)
	}
	defer os.RemoveAll(tmp)
	// The statements take job.Files in order, as the prefetcher fetches
	// them, at most two statements' files ahead: the temporary files of
	// one are rewritten for the one after next.
	_, local := lake.As[driver.LocalFiles](job.Store)
	opts := driver.PrefetchOptions{Dir: tmp, Budget: downloadBudget, Cache: job.Cache}
	if !local {
		opts.MaxFiles = 2 * maxDownloadsPerInsert
	}
	pf := driver.NewPrefetcher(ctx, job.Store, job.Files, opts)
	defer pf.Close()
	next := 0
	var rows int64
	for _, c := range copies(job, local) {
		fetched := make([]*driver.Fetched, 0, len(c.files))
		release := func() {
			for _, f := range fetched {
				f.Release()
			}
		}
		for i := range c.files {
			fd, err := pf.Get(next)
			next++
			if err != nil {
				release()
				return rows, err
			}
			fetched = append(fetched, fd)
			c.Paths[i] = fd.Path
		}
		n, err := t.insert(ctx, job, c)
		release()
		rows += n
		if err != nil {
			return rows, err
		}
	}
	return rows, nil
}

// insert runs one statement over its files, all on this machine.
func (t *tx) insert(ctx context.Context, job *driver.StageJob, c *copyStmt) (int64, error) {
	q, err := t.w.tmpl.Render("copy_parquet", c)
	if err != nil {
		return 0, err
	}
	n, err := t.Exec(ctx, q)
	if err != nil {
		// DuckDB's "no files found" carries no type: say which file a
		// concurrent commit removed, so the load lists again.
		for _, f := range c.files {
			if _, serr := job.Store.Stat(ctx, f.Key); errors.Is(serr, lake.ErrNotExist) {
				return n, fmt.Errorf("copy %s: %w", c.describe(), serr)
			}
		}
		return n, fmt.Errorf("copy %s: %w", c.describe(), err)
	}
	job.Progress.Add(n, c.bytes())
	return n, nil
}

// copyStmt is the data of the copy_parquet template: one INSERT over a
// list of files with the same columns (or one file with row ranges or a
// sequence column).
type copyStmt struct {
	Table      string
	Columns    []string // quoted destination columns
	Select     []string // expressions over read_parquet's columns
	Paths      []string
	RowNumbers bool
	Ranges     []driver.RowRange
	files      []driver.StageFile
}

func (c *copyStmt) bytes() (n int64) {
	for _, f := range c.files {
		n += f.Size
	}
	return n
}

func (c *copyStmt) describe() string {
	if len(c.files) == 1 {
		return "lake file " + c.files[0].Key
	}
	return fmt.Sprintf("%d lake files from %s", len(c.files), c.files[0].Key)
}

// maxFilesPerInsert bounds the file list of one statement.
const maxFilesPerInsert = 1000

// For an S3 lake a statement takes fewer files, so that the downloads of
// the next statement's files overlap DuckDB's insert of this one's, and
// at most downloadBudget bytes of temporary files exist at once.
const (
	maxDownloadsPerInsert = 200
	downloadBudget        = 512 << 20
	maxBytesPerInsert     = downloadBudget / 4
)

// copies makes one statement per run of files with the same columns, cut
// at maxFilesPerInsert (for an S3 lake at maxDownloadsPerInsert files or
// maxBytesPerInsert bytes); a file with row ranges, or every file when rows
// get a sequence number, has a statement of its own (file_row_number is
// per file).
func copies(job *driver.StageJob, local bool) []*copyStmt {
	maxFiles, maxBytes := maxFilesPerInsert, int64(math.MaxInt64)
	if !local {
		maxFiles, maxBytes = maxDownloadsPerInsert, maxBytesPerInsert
	}
	var out []*copyStmt
	for _, run := range driver.ColumnRuns(job.Files) {
		var c *copyStmt
		var size int64
		for _, f := range run {
			perFile := job.SeqColumn != "" || f.Ranges != nil
			if c == nil || perFile || c.RowNumbers || len(c.files) >= maxFiles || size+f.Size > maxBytes {
				size = 0
				names := driver.QuoteIdents(f.Schema.Names())
				c = &copyStmt{Table: job.Table, RowNumbers: perFile, Ranges: f.Ranges, Columns: names, Select: slices.Clone(names)}
				// Folder columns: the same value for every row of the run.
				c.Columns = append(c.Columns, driver.FolderNames(f)...)
				c.Select = append(c.Select, driver.FolderExprs(f, driver.Literal)...)
				if job.SeqColumn != "" {
					c.Columns = append(c.Columns, driver.QuoteIdent(job.SeqColumn))
					c.Select = append(c.Select, fmt.Sprintf("(%d::BIGINT << 32) + file_row_number::BIGINT", f.Ordinal))
				}
				out = append(out, c)
			}
			c.files = append(c.files, f)
			c.Paths = append(c.Paths, "")
			size += f.Size
		}
	}
	return out
}
