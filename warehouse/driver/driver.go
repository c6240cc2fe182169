// Package driver is the contract between the warehouse load logic and the
// drivers (duckdb, postgres, redshift): a small, context-first connection,
// a transaction that can stage lake files, and each dialect's SQL rendered
// from the driver's embedded templates.
//
// The load logic lives in package warehouse and is the same for every
// driver; a driver only knows how to run SQL and how to move a file's rows
// into a table fast.
package driver

import (
	"context"
	"log/slog"

	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
)

// Dialect names, as catalog.DDL takes them.
const (
	DuckDB   = "duckdb"
	Postgres = "postgres"
	Redshift = "redshift"
)

// Warehouse is an open warehouse. Connecting may be lazy: Open checks the
// URL, the first Begin or Query connects. Safe for one load at a time.
type Warehouse interface {
	// Dialect is DuckDB, Postgres or Redshift.
	Dialect() string
	// String is the warehouse URL with its password masked.
	String() string
	// DefaultSchema is the schema of a target named without one.
	DefaultSchema() string
	// SQL renders the named statement template of the dialect with data
	// (a *Statement). Pure: it needs no connection, so dry runs work offline.
	SQL(name string, data *Statement) (string, error)
	// Begin starts a transaction. Errors say whether the warehouse was
	// unreachable (ErrUnreachable) or refused the login.
	Begin(ctx context.Context) (Tx, error)
	// Query runs a read-only statement outside any transaction.
	Query(ctx context.Context, sql string, args []any, fn func(scan func(dest ...any) error) error) error
	// PlanStage returns what Stage would run for job, for a dry run: the
	// statements (or a description of a streamed COPY) and, for Redshift,
	// the manifest.
	PlanStage(job *StageJob) (statements []string, manifest []byte, err error)
	// Close releases connections.
	Close() error
}

// Tx is one warehouse transaction. Everything a load changes (data,
// ledger) goes through one Tx and becomes visible at Commit.
type Tx interface {
	// Exec runs one statement and returns the rows it affected.
	Exec(ctx context.Context, sql string, args ...any) (int64, error)
	// Query runs a statement and calls fn once per row with a scanner.
	Query(ctx context.Context, sql string, args []any, fn func(scan func(dest ...any) error) error) error
	// Stage copies the rows of job.Files into job.Table and returns the
	// number of rows copied. It fails (and the caller rolls back) when a
	// file is missing or a value does not fit.
	Stage(ctx context.Context, job *StageJob) (int64, error)
	// Commit makes the transaction's changes visible.
	Commit(ctx context.Context) error
	// Rollback undoes them; safe after Commit (then a no-op).
	Rollback(ctx context.Context) error
}

// RowRange is a half-open range [Start, End) of row numbers of a file.
type RowRange struct {
	Start int64 `json:"start"`
	End   int64 `json:"end"`
}

// StageFile is one lake file to copy.
type StageFile struct {
	Key  string `json:"key"`
	Size int64  `json:"size"`
	// Rows is the file's row count (from its footer).
	Rows int64 `json:"rows"`
	// Schema is the file's own schema, in the file's column order.
	Schema schema.Schema `json:"-"`
	// Ranges, when set, are the only rows to copy (the rest were loaded
	// before, as other files that a compaction merged into this one).
	Ranges []RowRange `json:"ranges,omitempty"`
	// Ordinal is the file's position in the load (0, 1, ...); with the row
	// number it orders rows for upsert dedupe when there is no cursor.
	Ordinal int `json:"-"`
	// Folder are the values of folder columns (keys of Hive folders that
	// other tools wrote, not in the file) that every row of the file gets.
	Folder []FolderValue `json:"folder,omitempty"`
}

// SelectedRows is the number of rows the file contributes.
func (f StageFile) SelectedRows() int64 {
	if f.Ranges == nil {
		return f.Rows
	}
	var n int64
	for _, r := range f.Ranges {
		n += r.End - r.Start
	}
	return n
}

// StageJob copies lake files into one table (a staging table or the
// target itself).
type StageJob struct {
	Store lake.Store
	// Table is the quoted, schema-qualified destination table.
	Table string
	// Columns of the destination that the files fill, by name; a file
	// fills the ones it has (older files may lack newer columns).
	Columns []schema.Column
	// SeqColumn, when set, is a BIGINT column of Table to fill with
	// Ordinal<<32 | row number, so "latest row wins" has an order.
	SeqColumn string
	Files     []StageFile
	// Cache, if set, holds files that planning read whole.
	Cache FileCache
	// LoadID names the load (manifest file name for Redshift).
	LoadID   string
	Parallel int
	Logger   *slog.Logger
	Progress progress.Reporter
}

// ColumnRuns splits files into runs of consecutive files with the same
// column list and folder values, in file order: a statement that loads
// Parquet by column position (COPY) names one column list, and adds one
// set of folder values, so it loads one run.
func ColumnRuns(files []StageFile) [][]StageFile {
	var runs [][]StageFile
	var last string
	for i, f := range files {
		key := runKey(f)
		if i == 0 || key != last {
			runs = append(runs, nil)
			last = key
		}
		runs[len(runs)-1] = append(runs[len(runs)-1], f)
	}
	return runs
}

// Statement is the data every SQL template receives. Names are already
// quoted identifiers; values meant as literals are rendered with the
// template function lit.
type Statement struct {
	Target       string   // quoted target table
	TargetSchema string   // unquoted schema of the target
	TargetName   string   // unquoted table name of the target
	TargetKey    string   // target as recorded in the ledger: schema.table
	Stage        string   // quoted staging table
	Columns      []string // quoted column names, target order
	Key          []string // quoted key columns (upsert)
	Cursor       string   // quoted cursor column (upsert), may be empty
	SeqColumn    string   // quoted sequence column of the stage, may be empty
	// StageColumns are "name TYPE" definitions of the lake schema's
	// columns, for a dialect that creates the stage column by column.
	StageColumns []string
	Partitions   []PartitionFilter
	// PartitionPaths are the lake partitions ("dt=2024-01-01") whose
	// ledger rows a replace deletes.
	PartitionPaths []string
	Rows           [][]string // pre-rendered literal tuples (ledger inserts)
	LockID         int64      // advisory lock id of the target
	Ledger         string     // quoted ledger table (lakectl_loads)
	Targets        string     // quoted table of target schemas (lakectl_targets)
	Modes          string     // quoted table of target load modes (lakectl_target_modes)
	Limit          int        // row limit (status)
	// OpColumn is the quoted _op column of a change-data-capture table
	// (upsert): a key whose latest version is a delete ('d') is deleted.
	OpColumn string
}

// PartitionFilter is one partition to delete in replace mode: rows for
// which every condition holds (portable SQL built by package warehouse).
type PartitionFilter struct {
	Conditions []string
}
