// Package compact rewrites the small Parquet files of a table's partitions
// into files near a target size, through lake/table's commit protocol: the
// outputs are staged, one commit record per partition names the inputs as
// removed and the outputs with their lineage, then the outputs are published
// and the inputs deleted. A crash at any point is finished or undone by the
// next command's tbl.Recover.
//
// Contract with warehouse load (docs/architecture.md, "Lineage"): an
// output's rows are the inputs' rows concatenated in input key order, and
// its FileEntry.Lineage is the inputs' own lineage segments flattened, in
// that order, so the segments are exact row ranges of the output. With
// Options.SortBy that stops being true; see SortBy.
//
// Concurrency: compaction removes only the files it listed at its start
// and extracts only add files, so appends running meanwhile are neither
// lost nor duplicated; a replace that removed an input first makes the
// partition's commit fail with table.ErrConflict, which leaves everything
// as it was.
package compact

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/table"
)

// DefaultTargetFileBytes is the default output size: Redshift COPY splits
// Parquet files of 128 MB and more across slices, Athena reads them in
// parallel splits.
const DefaultTargetFileBytes = table.DefaultTargetFileBytes

// SmallFileThreshold is the default SmallFileBytes for a target: half of
// it, so that any two small files fit together in one output, and every
// output but the last of a partition ends above half the target (a second
// run then finds at most one small file per partition: nothing to do).
// `lake ls` should pass it to table.Partitions so its small-file count is
// what compaction would rewrite.
func SmallFileThreshold(target int64) int64 {
	if target <= 0 {
		target = DefaultTargetFileBytes
	}
	return target / 2
}

// Options configure Compact. Table is required; the zero value of the rest
// is usable.
type Options struct {
	Table string
	// Partitions limits the run to partitions matching any of these
	// filters: "k=v" or "k=v/k2=v2"; each k=v must be a folder of the
	// partition (values as written or percent-escaped). Empty: all.
	Partitions []string
	// TargetFileBytes is the output size aimed at (default 128 MiB).
	TargetFileBytes int64
	// SmallFileBytes: files below it are rewritten (default
	// SmallFileThreshold(TargetFileBytes)).
	SmallFileBytes int64
	// SortBy sorts the rows within each output file by these columns
	// (ascending, NULLs first). Sorting holds an output's rows in memory,
	// so sorted outputs are cut at SortMemoryBytes of input instead of the
	// target. A sorted output's lineage still lists its leaf files and row
	// counts in input order, so "every segment loaded" stays exact, but
	// its rows are no longer those segments' rows in order: a warehouse
	// that loaded some but not all of the inputs cannot load "the missing
	// row ranges" of it. Such outputs are marked Sorted in the result and
	// logged; use SortBy for tables loaded by whole files, or compact
	// before their first load.
	SortBy []string
	// Codec of the outputs: "snappy", "zstd", "gzip", "none"; empty: the
	// codec of the partition's first input file (the table's codec).
	Codec string
	// DryRun plans and reports and changes nothing.
	DryRun bool
	// LockStaleAfter is the staleness timeout of the compaction lock and
	// of the transactions (default table.DefaultStaleAfter).
	LockStaleAfter time.Duration
	Logger         *slog.Logger      // nil: discard
	Progress       progress.Reporter // rows and bytes rewritten; nil: none

	// hook, in tests, is called at named stages of the run (a crash test
	// kills the process there).
	hook func(stage string)
	// cache keeps small inputs read whole while planning (set by Compact).
	cache *fileCache
	// probe checks delete permission once per run (set by Compact).
	probe *deleteProbe
}

// SortMemoryBytes bounds the input bytes of one sorted output (SortBy):
// its rows are held in memory to be sorted.
const SortMemoryBytes = 64 << 20

// Result is what a run did (or, with DryRun, would do). JSON field names
// are a documented contract (snake_case, only ever added to).
type Result struct {
	Table      string            `json:"table"`
	DryRun     bool              `json:"dry_run"`
	Partitions []PartitionResult `json:"partitions"`
	Rows       int64             `json:"rows"`        // rows rewritten
	Files      int64             `json:"files"`       // output files written (planned, dry run)
	InputFiles int64             `json:"input_files"` // small files rewritten (removed)
	Bytes      int64             `json:"bytes"`       // bytes of the outputs (dry run: estimated)
	InputBytes int64             `json:"input_bytes"` // bytes of the inputs
	// Skipped names partitions with nothing to gain (fewer than two small
	// files): a second run over a compacted table skips them all.
	Skipped []string `json:"skipped"`
	// Problems names files left in place: corrupt, unreadable, or written
	// under a schema that does not unify with the partition's other files.
	Problems  []string `json:"problems"`
	DurationS float64  `json:"duration_s"`
}

// PartitionResult is one compacted (or planned) partition.
type PartitionResult struct {
	Partition  string   `json:"partition"` // "" when unpartitioned
	InputFiles int64    `json:"input_files"`
	InputBytes int64    `json:"input_bytes"`
	Rows       int64    `json:"rows"`
	Files      int64    `json:"files"` // outputs
	Bytes      int64    `json:"bytes"`
	Inputs     []string `json:"inputs"`            // keys of the rewritten files, in output order
	Outputs    []string `json:"outputs,omitempty"` // keys of the files written
	TxID       string   `json:"txid,omitempty"`    // the partition's commit
	Sorted     bool     `json:"sorted,omitempty"`  // rows sorted by SortBy within each output
}

// LockName is the lock a compaction of tbl holds: one compaction per
// table at a time.
func LockName(tbl string) string { return "compact." + tbl }

// Compact rewrites the small files of the table's partitions. It takes the
// table's compaction lock (a *lake.LockedError, exit 75, when another run
// holds it), recovers crashed transactions, then compacts each partition in
// its own transaction. An unknown table or partition is a usage error.
// Files that cannot be read or merged are left in place and named in
// Result.Problems; the rest is compacted.
func Compact(ctx context.Context, store lake.Store, opts Options) (*Result, error) {
	start := time.Now()
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	opts.cache = newFileCache()
	opts.probe = &deleteProbe{}
	tbl, err := table.Open(store, opts.Table)
	if err != nil {
		return nil, err
	}
	res := &Result{Table: opts.Table, DryRun: opts.DryRun, Partitions: []PartitionResult{}, Skipped: []string{}, Problems: []string{}}
	if !opts.DryRun {
		lock, err := table.AcquireLock(ctx, store, LockName(opts.Table), table.LockOptions{
			StaleAfter: opts.LockStaleAfter, Command: "lake compact " + opts.Table, Logger: opts.Logger})
		if err != nil {
			return nil, err
		}
		defer func() { _ = lock.Release(context.WithoutCancel(ctx)) }()
		var cancel context.CancelCauseFunc
		ctx, cancel = context.WithCancelCause(ctx)
		defer cancel(nil)
		go func() {
			select {
			case <-lock.Lost():
				cancel(fmt.Errorf("compaction lock %s of table %s was lost", LockName(opts.Table), opts.Table))
			case <-ctx.Done():
			}
		}()
		if _, err := tbl.Recover(ctx); err != nil {
			return nil, err
		}
	}
	opts.stage("locked")
	parts, err := listSmallFiles(ctx, tbl, opts)
	if err != nil {
		return nil, err
	}
	opts.Progress.SetTotal(0)
	done, err := compactPartitions(ctx, tbl, parts, opts)
	for _, d := range done {
		res.Problems = append(res.Problems, d.problems...)
		switch {
		case d.skipped:
			res.Skipped = append(res.Skipped, d.name)
		case d.pr != nil:
			pr := d.pr
			res.Partitions = append(res.Partitions, *pr)
			res.Rows += pr.Rows
			res.Files += pr.Files
			res.Bytes += pr.Bytes
			res.InputFiles += pr.InputFiles
			res.InputBytes += pr.InputBytes
		}
	}
	if err != nil {
		return res, err
	}
	opts.Progress.Done()
	res.DurationS = time.Since(start).Seconds()
	opts.Logger.Info("compaction finished", "table", opts.Table, "dry_run", opts.DryRun, "partitions", len(res.Partitions),
		"skipped", len(res.Skipped), "problems", len(res.Problems), "input_files", res.InputFiles, "files", res.Files, "rows", res.Rows)
	return res, nil
}

func (o Options) withDefaults() Options {
	if o.TargetFileBytes <= 0 {
		o.TargetFileBytes = DefaultTargetFileBytes
	}
	if o.SmallFileBytes <= 0 {
		o.SmallFileBytes = SmallFileThreshold(o.TargetFileBytes)
	}
	if o.LockStaleAfter <= 0 {
		o.LockStaleAfter = table.DefaultStaleAfter
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.Progress = progress.OrNop(o.Progress)
	return o
}

func (o Options) validate() error {
	if o.Table == "" {
		return input.Errorf("compaction needs a table name")
	}
	if o.SmallFileBytes > o.TargetFileBytes {
		return input.Errorf("the small-file threshold (%d bytes) exceeds the %s (%d bytes)", o.SmallFileBytes, input.Option("target-size"), o.TargetFileBytes)
	}
	if _, err := codecOf(o.Codec); err != nil {
		return input.Wrap(err)
	}
	for _, p := range o.Partitions {
		if _, err := parseFilter(p); err != nil {
			return err
		}
	}
	return nil
}

func (o Options) stage(name string) {
	if o.hook != nil {
		o.hook(name)
	}
}

// ErrUnknownTable marks a table with no files and no commits (the
// command layer adds where to find the lake's tables).
var ErrUnknownTable = errors.New("unknown table")

// NoPartitionError is a partition filter (Options.Partitions) that matches
// none of the table's partitions.
type NoPartitionError struct {
	Table     string
	Partition string   // the filter as given
	Examples  []string // a few of the table's partitions
}

func (e *NoPartitionError) Error() string { return e.Explained("") }

// Explained is the message with a remedy added within its parentheses
// (none when remedy is empty).
func (e *NoPartitionError) Explained(remedy string) string {
	if remedy != "" {
		remedy = "; " + remedy
	}
	return fmt.Sprintf("table %s has no partition %q (partitions look like: %s%s)", e.Table, e.Partition, strings.Join(e.Examples, ", "), remedy)
}
