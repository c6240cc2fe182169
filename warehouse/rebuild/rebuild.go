// Package rebuild is the schema-change runbook of a warehouse table: the
// user's migration creates <table>__rebuild, every lake file is loaded
// into it (exactly once per file, through the new table's own ledger
// rows), row counts are verified, the tables are swapped in one
// transaction and the old one dropped, optionally with the Redshift
// compute resized around it. Every step and every loaded batch of files is
// checkpointed in the lake (_lakectl/rebuild/<run>.json, conditional puts)
// so that Resume continues a crashed or interrupted run where it stopped.
package rebuild

import (
	"log/slog"
	"time"

	"github.com/lakectl/lakectl/catalog"
	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/warehouse/scale"
)

// Step names, in runbook order.
const (
	StepScaleUp = "scale_up"
	StepCreate  = "create"
	StepLoad    = "load"
	StepVerify  = "verify"
	StepSwap    = "swap"
	StepDropOld = "drop_old"
	StepRestore = "restore"
)

// Step states.
const (
	Pending = "pending"
	Running = "running"
	Done    = "done"
	Skipped = "skipped"
	Failed  = "failed"
)

// Why steps are skipped by an option (Step.Skip).
const (
	// SkipNoResize: no resize asked (ScaleTo 0), so no scale up or restore.
	SkipNoResize = "no_resize"
	// SkipKeepOld: KeepOld keeps the old table (Detail names it).
	SkipKeepOld = "keep_old"
)

// Run states.
const (
	RunPlanned     = "planned"
	RunRunning     = "running"
	RunDone        = "done"
	RunAbandoned   = "abandoned"
	RunFailed      = "failed"
	RunInterrupted = "interrupted"
)

// Suffixes of the new and the old table.
const (
	NewSuffix = "__rebuild"
	OldSuffix = "__old"
)

// Options of Plan and Apply.
type Options struct {
	// Table is the lake table; Into the warehouse table (SCHEMA.TABLE or
	// TABLE, default the lake table's name).
	Table string
	Into  string
	// MigrationFile is the SQL template that creates {{.NewTable}}; see
	// MigrationData. Migration, when set, is its text.
	MigrationFile string
	Migration     string
	// ScaleTo resizes the compute (Scaler) for the rebuild; 0: no resize.
	ScaleTo int
	Scaler  *scale.Scaler
	// KeepOld keeps <table>__old after the swap.
	KeepOld bool
	// PartitionTypes are the declared types of folder keys that other
	// tools wrote (column: type, as a table's partition_types), for the
	// loads into the new table as for warehouse.LoadOptions.
	PartitionTypes map[string]string
	// BatchFiles is the number of lake files per load transaction and
	// checkpoint (default 1; 16 on Redshift, where each load is a COPY).
	BatchFiles int
	Parallel   int
	// RunID names the run (default: time-ordered and random).
	RunID    string
	Logger   *slog.Logger
	Progress progress.Reporter
}

// ResumeOptions of Resume.
type ResumeOptions struct {
	// RunID is the run to resume; empty: the only unfinished one.
	RunID string
	// MigrationFile, when set, is a corrected migration that replaces the
	// stored one; allowed only while no statement of the migration has
	// committed. Migration, when set, is its text.
	MigrationFile string
	Migration     string
	// Scaler is needed when the run resizes the compute.
	Scaler   *scale.Scaler
	Parallel int
	Logger   *slog.Logger
	Progress progress.Reporter
}

// Step is one step of the runbook.
type Step struct {
	N      int    `json:"n"`
	Name   string `json:"name"`
	Title  string `json:"title"`
	Status string `json:"status"`
	Files  int    `json:"files,omitempty"`
	Bytes  int64  `json:"bytes,omitempty"`
	Rows   int64  `json:"rows,omitempty"`
	// EstimateS is a rough duration from bytes and an assumed throughput.
	EstimateS  float64  `json:"estimate_s"`
	Statements []string `json:"statements,omitempty"`
	Detail     string   `json:"detail,omitempty"`
	// Skip is why the step is skipped when an option asked for it
	// (SkipNoResize, SkipKeepOld); the command layer words it.
	Skip     string     `json:"skip,omitempty"`
	Started  *time.Time `json:"started,omitempty"`
	Finished *time.Time `json:"finished,omitempty"`
	Error    string     `json:"error,omitempty"`
	// Done counts the step's statements that committed (the checkpoint of
	// statements run outside a transaction).
	Done int `json:"statements_done,omitempty"`
}

// Run is one rebuild: its plan, its progress and, as a result, what it
// loaded. It is stored as _lakectl/rebuild/<run>.json.
type Run struct {
	Run           string `json:"run"`
	Table         string `json:"table"`
	Target        string `json:"target"`
	NewTable      string `json:"new_table"`
	OldTable      string `json:"old_table"`
	Dialect       string `json:"dialect"`
	Warehouse     string `json:"warehouse"`
	MigrationFile string `json:"migration_file,omitempty"`
	Migration     string `json:"migration"`
	ScaleTo       int    `json:"scale_to,omitempty"`
	Compute       string `json:"compute,omitempty"`
	KeepOld       bool   `json:"keep_old,omitempty"`
	BatchFiles    int    `json:"batch_files"`
	// PartitionTypes are Options.PartitionTypes, kept so that a resumed
	// run loads the folder keys as the run began to.
	PartitionTypes map[string]string `json:"partition_types,omitempty"`
	// InPlace says the migration only alters the table in place: no new
	// table, no load, no swap.
	InPlace bool `json:"in_place,omitempty"`
	// InPlaceStatements are the ALTERs derived from a CREATE TABLE
	// migration that only changes what ALTER changes in place.
	InPlaceStatements []string `json:"in_place_statements,omitempty"`
	// Views are views bound to the target that a swap would break (the
	// run refuses to start while there are any).
	Views []string `json:"dependent_views,omitempty"`
	// Mode, Key and Cursor are how the target was first loaded (recorded
	// in the warehouse): the new table is loaded the same way.
	Mode    string    `json:"mode,omitempty"`
	Key     []string  `json:"key,omitempty"`
	Cursor  string    `json:"cursor,omitempty"`
	State   string    `json:"state"`
	Error   string    `json:"error,omitempty"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
	Steps   []Step    `json:"steps"`
	// LoadedFiles are the lake files checkpointed as loaded into the new
	// table (the new table's ledger rows are the authority).
	LoadedFiles []string `json:"loaded_files,omitempty"`
	LakeRows    int64    `json:"lake_rows,omitempty"`
	TableRows   int64    `json:"table_rows,omitempty"`
	Rows        int64    `json:"rows"`
	Files       int      `json:"files"`
	Bytes       int64    `json:"bytes"`
	DurationS   float64  `json:"duration_s"`
	EstimateS   float64  `json:"estimate_s"`
	DryRun      bool     `json:"dry_run,omitempty"`
	// MigrationReplaced names the corrected migration file a resume took
	// in place of the stored one (the failed step had not committed).
	MigrationReplaced string `json:"migration_replaced,omitempty"`
	// Unreachable, on a plan, says why the warehouse could not be asked.
	Unreachable string `json:"warehouse_unreachable,omitempty"`

	etag string
}

// step returns the named step.
func (r *Run) step(name string) *Step {
	for i := range r.Steps {
		if r.Steps[i].Name == name {
			return &r.Steps[i]
		}
	}
	return nil
}

// skip skips the step for a reason of the run itself, which replaces
// any reason an option gave.
func (st *Step) skip(detail string) {
	st.Status, st.Skip, st.Detail = Skipped, "", detail
}

// Finished says the run needs no resume.
func (r *Run) Finished() bool { return r.State == RunDone || r.State == RunAbandoned }

// StatusResult lists rebuild runs, newest first.
type StatusResult struct {
	Runs []Run `json:"runs"`
}

// partitionTypes are the run's declared folder-key types, parsed (newRun
// checked them, so only a hand-edited record fails here).
func (r *Run) partitionTypes() (map[string]schema.Type, error) {
	types, err := catalog.ParsePartitionTypes(r.PartitionTypes)
	if err != nil {
		return nil, input.Errorf("rebuild run %s: partition types: %w", r.Run, err)
	}
	return types, nil
}
