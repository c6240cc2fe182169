// Package postgres extracts PostgreSQL tables into the lake: one
// consistent snapshot read in primary-key chunks (REPEATABLE READ; with
// several connections one exported snapshot shared by all), or, with CDC,
// the changes of a logical replication slot (pgoutput) as row versions
// carrying _op and _lsn. Values are read in PostgreSQL's text form, the
// same form pgoutput sends, so the snapshot and the change stream convert
// identically. docs/postgres.md is the user's contract.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/lakectl/lakectl/extract/internal/jobrun"
	"github.com/lakectl/lakectl/extract/internal/watermark"
	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/table"
)

// Defaults of Options.
const (
	DefaultChunkRows       = 100_000
	MaxParallel            = 64
	DefaultConnectTimeout  = 30 * time.Second
	DefaultIdleTimeout     = 5 * time.Minute
	DefaultMaxSlotRetained = 10 << 30 // bytes of WAL a slot may hold back before it is reported
)

// badInput is an error of the options or of the source's setup (not a
// failure along the way): bad input, which the caller can fix.
func badInput(format string, args ...any) error { return input.Errorf(format, args...) }

// Options describe one extract run (what the user gives the PostgreSQL extract).
type Options struct {
	DSN   string   // postgres://user:pw@host:port/db?params (or key=value form)
	Table string   // SCHEMA.TABLE, or TABLE in schema public
	As    string   // lake table name; default: the table part, lowercased
	Key   []string // chunking key; default: the primary key

	Incremental bool          // read only rows past the job's watermark
	Cursor      string        // cursor column (integer, date, timestamp or timestamptz)
	Lookback    time.Duration // re-read this far below the watermark (date and timestamp cursors)

	// CDC reads the changes of a logical replication slot; the first run
	// takes the snapshot at the slot's consistent point.
	CDC         bool
	Slot        string // default lakectl_<lake table>
	Publication string // default lakectl_<lake table>
	Resnapshot  bool   // CDC: drop the slot's position and take a new snapshot
	// MaxSlotRetained reports a slot holding back more WAL than this.
	MaxSlotRetained int64

	PartitionBy string // "col" or "col:day|hour|month"
	ChunkRows   int    // rows per keyset chunk (default DefaultChunkRows)
	Parallel    int    // connections for a full snapshot (default 1)

	ConnectTimeout time.Duration // default DefaultConnectTimeout
	IdleTimeout    time.Duration // a read without progress for this long fails (default DefaultIdleTimeout)

	TargetFileBytes int64
	Codec           string
	LockStaleAfter  time.Duration

	Logger   *slog.Logger
	Progress progress.Reporter

	// beforeAdvance, in tests, runs between the lake commit and the slot
	// advance; an error stands for a crash there.
	beforeAdvance func() error
	// afterChange, in tests, runs after each change read from the slot.
	afterChange func()
}

// Result is the run summary; docs/postgres.md documents every field.
type Result struct {
	Table          string   `json:"table"`
	Source         string   `json:"source"`
	Job            string   `json:"job"`
	Mode           string   `json:"mode"` // full, cdc-snapshot, cdc
	Op             string   `json:"op"`   // replace, append, none
	Rows           int64    `json:"rows"`
	Files          int64    `json:"files"`
	Bytes          int64    `json:"bytes"`
	DurationS      float64  `json:"duration_s"`
	SourceRows     int64    `json:"source_rows"`
	SourceBytes    int64    `json:"source_bytes"`
	RemovedFiles   int64    `json:"removed_files"`
	Key            []string `json:"key"`
	Parallel       int      `json:"parallel"`
	SpecialsNulled int64    `json:"specials_nulled"`

	Cursor          string `json:"cursor,omitempty"`
	WatermarkBefore string `json:"watermark_before,omitempty"`
	WatermarkAfter  string `json:"watermark_after,omitempty"`
	WindowFrom      string `json:"window_from,omitempty"`
	SkippedRows     int64  `json:"skipped_rows"`     // re-read rows already in the lake
	NullCursorRows  int64  `json:"null_cursor_rows"` // rows an incremental run cannot see
	TxID            string `json:"txid"`

	Slot              string `json:"slot,omitempty"`
	Publication       string `json:"publication,omitempty"`
	LSNBefore         string `json:"lsn_before,omitempty"`
	LSNAfter          string `json:"lsn_after,omitempty"`
	Changes           int64  `json:"changes"`
	Inserts           int64  `json:"inserts"`
	Updates           int64  `json:"updates"`
	Deletes           int64  `json:"deletes"`
	Transactions      int64  `json:"transactions"`
	SkippedChanges    int64  `json:"skipped_changes"`     // re-read changes already in the lake
	UnchangedToast    int64  `json:"unchanged_toast"`     // values an update did not send, written as NULL
	Truncates         int64  `json:"truncates"`           // TRUNCATEs seen (not representable as row versions)
	SlotRetainedBytes int64  `json:"slot_retained_bytes"` // WAL the slot holds back
	SlotOverLimit     bool   `json:"slot_over_limit"`
}

// jobState is stored in each run's commit record (tx.SetState).
type jobState struct {
	watermark.State        // source, mode and, for incremental jobs, the watermark
	Slot            string `json:"slot,omitempty"`
	Publication     string `json:"publication,omitempty"`
	// LSN is the end of the last transaction whose changes are in the
	// lake (or the snapshot's consistent point): changes of transactions
	// committed before it are skipped when the slot sends them again.
	LSN string `json:"lsn,omitempty"`
}

// Extract runs one extract: lock, recover, read, write, commit. Bad input
// and failures change nothing in the lake.
func Extract(ctx context.Context, store lake.Store, opts Options) (*Result, error) {
	start := time.Now()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	rep := progress.OrNop(opts.Progress)
	defer rep.Done()
	r, err := newRun(opts)
	if err != nil {
		return nil, err
	}
	r.store, r.rep = store, rep
	err = jobrun.Locked(ctx, store, r.res.Job, "extract postgres "+r.res.Table, opts.LockStaleAfter, opts.Logger, r.run)
	if err != nil {
		return nil, err
	}
	r.res.DurationS = time.Since(start).Seconds()
	return r.res, nil
}

// run is one extract's working set.
type run struct {
	opts          Options
	store         lake.Store
	rep           progress.Reporter
	log           *slog.Logger
	schema, table string
	rule          table.PartitionRule
	res           *Result
}

func newRun(opts Options) (*run, error) {
	r := &run{opts: opts, log: opts.Logger}
	sch, name, ok := strings.Cut(opts.Table, ".")
	if !ok {
		sch, name = "public", opts.Table
	}
	if sch == "" || name == "" || strings.Contains(name, ".") {
		return nil, badInput("table %q: want SCHEMA.TABLE", opts.Table)
	}
	r.schema, r.table = sch, name
	lakeName := opts.As
	if lakeName == "" {
		lakeName = strings.ToLower(name)
	}
	if err := table.ValidateName(lakeName); err != nil {
		return nil, badInput("%v", err)
	}
	var err error
	if r.rule, err = table.ParsePartitionRule(opts.PartitionBy); err != nil {
		return nil, badInput("%v", err)
	}
	switch {
	case opts.Parallel < 0 || opts.Parallel > MaxParallel:
		return nil, badInput("parallel %d: want 1 to %d", opts.Parallel, MaxParallel)
	case opts.ChunkRows < 0:
		return nil, badInput("chunk rows %d: must be positive", opts.ChunkRows)
	}
	r.opts.Parallel = max(r.opts.Parallel, 1)
	if r.opts.ChunkRows == 0 {
		r.opts.ChunkRows = DefaultChunkRows
	}
	if r.opts.ConnectTimeout <= 0 {
		r.opts.ConnectTimeout = DefaultConnectTimeout
	}
	if r.opts.IdleTimeout <= 0 {
		r.opts.IdleTimeout = DefaultIdleTimeout
	}
	if r.opts.MaxSlotRetained <= 0 {
		r.opts.MaxSlotRetained = DefaultMaxSlotRetained
	}
	r.res = &Result{Table: lakeName, Source: sch + "." + name, Job: "extract-postgres-" + lakeName, Cursor: opts.Cursor}
	if opts.Incremental && (opts.CDC || opts.Cursor == "") {
		return nil, badInput("an incremental extract needs a cursor column, and excludes CDC")
	}
	if opts.CDC {
		def := "lakectl_" + strings.ReplaceAll(lakeName, "-", "_")
		r.opts.Slot = firstNonEmpty(opts.Slot, def)
		r.opts.Publication = firstNonEmpty(opts.Publication, def)
		for _, n := range []string{r.opts.Slot, r.opts.Publication} {
			if !validSlotName(n) {
				return nil, badInput("slot or publication name %q: use 1 to 63 of a-z, 0-9 and _", n)
			}
		}
		r.res.Slot, r.res.Publication = r.opts.Slot, r.opts.Publication
	}
	return r, nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// validSlotName follows PostgreSQL's rule for replication slot names, which
// lakectl applies to publications too so both can be written unquoted.
func validSlotName(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

func (r *run) run(ctx context.Context) error {
	tbl, err := table.Open(r.store, r.res.Table)
	if err != nil {
		return err
	}
	if _, err := tbl.Recover(ctx); err != nil {
		return fmt.Errorf("recover table %s: %w", r.res.Table, err)
	}
	var st jobState
	hasState := true
	if err := tbl.LoadState(ctx, r.res.Job, &st); errors.Is(err, lake.ErrNotExist) {
		hasState = false
	} else if err != nil {
		return fmt.Errorf("load state of job %s: %w", r.res.Job, err)
	}
	src, err := r.connect(ctx)
	if err != nil {
		return err
	}
	defer src.Close(context.WithoutCancel(ctx))
	ti, err := describeTable(ctx, src, r.schema, r.table)
	if err != nil {
		if errors.Is(err, ErrNoTable) || errors.Is(err, ErrUnsupportedType) {
			return badInput("%w", err)
		}
		return err
	}
	if err := r.applyKey(ti); err != nil {
		return err
	}
	r.rep.SetTotal(ti.RowEstimate)
	if hasState && st.Slot != "" && (!r.opts.CDC || st.Slot != r.opts.Slot) {
		r.log.Warn("this job read changes from a replication slot it no longer uses: the slot holds WAL back until it is dropped",
			"slot", st.Slot, "drop_with", "SELECT pg_drop_replication_slot('"+st.Slot+"')")
	}
	if r.opts.Incremental {
		return r.incrementalOrFirst(ctx, tbl, ti, st, hasState)
	}
	if !r.opts.CDC {
		return r.full(ctx, tbl, ti, nil, nil)
	}
	if hasState && st.Mode == "cdc" && st.Slot == r.opts.Slot && !r.opts.Resnapshot {
		return r.changes(ctx, src, tbl, ti, st)
	}
	return r.cdcSnapshot(ctx, src, tbl, ti)
}

// applyKey puts the given key columns in place of the primary key.
func (r *run) applyKey(ti *tableInfo) error {
	if len(r.opts.Key) > 0 {
		ti.Key = nil
		for _, k := range r.opts.Key {
			k = strings.TrimSpace(k)
			if ti.index(k) < 0 {
				return badInput("key column %q is not a column of %s", k, r.res.Source)
			}
			ti.Key = append(ti.Key, k)
		}
	}
	r.res.Key = ti.Key
	if len(ti.Key) == 0 && !r.opts.CDC {
		r.log.Warn("table has no primary key: reading it as one stream; name a unique key to chunk and parallelise it",
			"table", r.res.Source)
	}
	return nil
}

// commit sets the job's state and commits, then fills the result (like
// extract/mysql's commit, for a Result with other fields).
func (r *run) commit(ctx context.Context, tx *table.Tx, state jobState, st pumpStats) error {
	t, err := jobrun.Commit(ctx, tx, r.res.Job, state, r.log)
	if err != nil {
		return err
	}
	r.res.TxID, r.res.Files, r.res.Rows, r.res.Bytes, r.res.RemovedFiles = t.TxID, t.Files, t.Rows, t.Bytes, t.RemovedFiles
	r.res.SourceRows, r.res.SourceBytes = st.rows, st.bytes
	r.res.SpecialsNulled = st.specials
	return nil
}
