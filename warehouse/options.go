package warehouse

import (
	"encoding/json"
	"log/slog"
	"strings"

	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/lake/schema"
)

// Load modes.
const (
	ModeAppend  = "append"
	ModeUpsert  = "upsert"
	ModeReplace = "replace"
)

// LoadOptions say what to load where.
type LoadOptions struct {
	// Table is the lake table (tables/<Table>/).
	Table string
	// Into is the warehouse table, SCHEMA.TABLE or TABLE (default: the lake
	// table's name in the warehouse's default schema, public or main).
	Into string
	// Mode is append (default), upsert or replace.
	Mode string
	// Key is the upsert key.
	Key []string
	// Cursor orders versions of a key in upsert: the latest cursor wins.
	// Without it, the row loaded last wins.
	Cursor string
	// Parallel bounds how many files are read at once (driver-dependent).
	Parallel int
	// TransformFile is SQL run after staging, in the same transaction; see
	// TransformData for the variables it can use.
	TransformFile string
	// DryRun plans and prints, changing nothing.
	DryRun bool
	// LoadID names the load; random and time-ordered when empty.
	LoadID string
	// Only, when set, limits the load to these live lake file keys; the
	// others stay for a later load (rebuild loads file by file with it).
	Only []string
	// TargetDefined says the target's columns were made by someone else
	// (a rebuild's migration): the load only adds lake columns it lacks,
	// never compares or records the lake schema for it.
	TargetDefined bool
	Logger        *slog.Logger
	Progress      progress.Reporter
	// PartitionTypes are the declared types of the folder keys that other
	// tools wrote (dt: date); other folder keys load as strings.
	PartitionTypes map[string]schema.Type
}

// ReprocessOptions: empty the target and reload every live file. Its
// fields repeat LoadOptions' on purpose: a reprocess takes no mode, Only
// or TargetDefined.
type ReprocessOptions struct {
	Table         string
	Into          string
	Key           []string
	Cursor        string
	Parallel      int
	TransformFile string
	DryRun        bool
	LoadID        string
	Logger        *slog.Logger
	Progress      progress.Reporter
	// PartitionTypes: as LoadOptions.PartitionTypes.
	PartitionTypes map[string]schema.Type
}

// StatusOptions select the load history to show.
type StatusOptions struct {
	// Into limits the history to one target (SCHEMA.TABLE); empty: all.
	Into string
	// Limit is the number of loads shown (default 20).
	Limit int
}

// PlannedFile is one file of a load plan (dry run).
type PlannedFile struct {
	Key       string     `json:"key"`
	Bytes     int64      `json:"bytes"`
	Rows      int64      `json:"rows"`
	Partition string     `json:"partition,omitempty"`
	Ranges    [][2]int64 `json:"row_ranges,omitempty"`
}

// LoadResult reports a load, a reprocess or their dry run.
type LoadResult struct {
	Table        string  `json:"table"`
	Into         string  `json:"into"`
	Mode         string  `json:"mode"`
	LoadID       string  `json:"load_id"`
	Rows         int64   `json:"rows"`
	Files        int     `json:"files"`
	Bytes        int64   `json:"bytes"`
	SkippedFiles int     `json:"skipped_files"`
	DurationS    float64 `json:"duration_s"`
	// Created says the target table was created; Altered lists ALTERs run.
	Created bool     `json:"created,omitempty"`
	Altered []string `json:"altered,omitempty"`
	DryRun  bool     `json:"dry_run,omitempty"`
	// Unreachable, on a dry run, says why the warehouse could not be
	// asked what it has loaded: the plan assumes nothing was.
	Unreachable string          `json:"warehouse_unreachable,omitempty"`
	Plan        []PlannedFile   `json:"plan,omitempty"`
	Statements  []string        `json:"statements,omitempty"`
	Manifest    json.RawMessage `json:"manifest,omitempty"`
	// Notes are what the load assumed and the user should know (files
	// without VARCHAR sizing metadata).
	Notes []string `json:"notes,omitempty"`
}

// normalize checks the options and fills defaults; errors are usage errors.
func (o *LoadOptions) normalize(defaultSchema string) (schemaName, table string, err error) {
	if o.Table == "" {
		return "", "", input.Errorf("warehouse load: no lake table given")
	}
	if o.Mode == "" {
		o.Mode = ModeAppend
	}
	o.Mode = strings.ToLower(o.Mode)
	switch o.Mode {
	case ModeAppend, ModeReplace:
	case ModeUpsert:
		if len(o.Key) == 0 {
			return "", "", input.Errorf("warehouse load %s upsert needs %s COLS", input.Option("mode"), input.Option("key"))
		}
	default:
		return "", "", input.Errorf("warehouse load: unknown %s %q (use append, upsert or replace)", input.Option("mode"), o.Mode)
	}
	if o.Parallel <= 0 {
		o.Parallel = 2
	}
	into := o.Into
	if into == "" {
		into = o.Table
	}
	schemaName, table, found := strings.Cut(into, ".")
	if !found {
		schemaName, table = defaultSchema, into
	}
	if schemaName == "" || table == "" || strings.Contains(table, ".") {
		return "", "", input.Errorf("warehouse load %s %q: want SCHEMA.TABLE or TABLE", input.Option("into"), o.Into)
	}
	return strings.ToLower(schemaName), strings.ToLower(table), nil
}
