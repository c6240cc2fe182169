package files

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/table"
)

// OpenSource opens the store of landed objects: an S3 prefix in any
// bucket, or a local folder, which must exist (lake.Open would create it).
func OpenSource(ctx context.Context, rawURL string, opts lake.Options) (lake.Store, error) {
	loc, err := lake.ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if loc.Scheme != "s3" {
		if fi, err := os.Stat(loc.Path); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("%s: %w", loc.Path, ErrNoSource)
		}
	}
	return lake.Open(ctx, rawURL, opts)
}

// DefaultJob is the job name for a source URL: its bucket and prefix,
// with every character a job name cannot hold as '_'.
func DefaultJob(from string) string {
	s := strings.TrimPrefix(strings.TrimPrefix(from, "s3://"), "file://")
	b := []byte(strings.Trim(s, "/"))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			b[i] = '_'
		}
	}
	if len(b) > 100 {
		b = b[len(b)-100:]
	}
	if len(b) == 0 {
		return "files"
	}
	return string(b)
}

// stateJob is the name of the job's state and lock.
func stateJob(job string) string { return "extract-files." + job }

// Extract ingests the new objects of src into the lake's tables. It
// returns the result with an error wrapping ErrBadObjects when objects
// were left un-ingested for bad records (the good ones are committed), a
// *lake.LockedError when another run of the job holds its lock, or the
// first error that stopped the run (what was committed stays committed).
func Extract(ctx context.Context, store, src lake.Store, opts Options) (*Result, error) {
	start := time.Now()
	opts = opts.withDefaults()
	if len(opts.Routes) == 0 {
		return nil, errors.New("no routes: name at least one REGEX=TABLE")
	}
	job := stateJob(opts.Job)
	lock, err := table.AcquireLock(ctx, store, job, table.LockOptions{Command: "extract files " + opts.Job, Logger: opts.Logger})
	if err != nil {
		return nil, err
	}
	defer lock.Release(context.WithoutCancel(ctx))
	st, err := loadState(ctx, store, job)
	if err != nil {
		return nil, err
	}
	if st.Source != "" && st.Source != opts.From && opts.From != "" {
		return nil, fmt.Errorf("%w: job %s reads %s, not %s", ErrOtherSource, opts.Job, st.Source, opts.From)
	}
	st.Source = opts.From
	r := &run{opts: opts, store: store, src: src, job: job, lock: lock, committed: st,
		res:     &Result{Job: opts.Job, Source: opts.From, IngestedAt: opts.Now().UTC().Truncate(time.Microsecond)},
		batches: map[string]*batch{}}
	if err := r.recoverTables(ctx); err != nil {
		return nil, err
	}
	err = r.ingest(ctx)
	r.res.DurationS = time.Since(start).Seconds()
	r.res.normalize()
	if err != nil {
		return r.res, err
	}
	if len(r.res.Failed) > 0 {
		return r.res, fmt.Errorf("%w: %d objects, first %s", ErrBadObjects, len(r.res.Failed), r.res.Failed[0])
	}
	return r.res, nil
}

// withDefaults fills unset options. Kept apart from lake's alike-shaped
// withDefaults (a duplicates pair): each sets its own package's options.
func (o Options) withDefaults() Options {
	if o.Job == "" {
		o.Job = DefaultJob(o.From)
	}
	if o.Format == "" {
		o.Format = FormatAuto
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.BatchObjects <= 0 {
		o.BatchObjects = DefaultBatchObjects
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// normalize makes the lists of the JSON result arrays, never null.
func (r *Result) normalize() {
	for _, l := range []*[]string{&r.UnmatchedKeys, &r.Changed, &r.Empty} {
		if *l == nil {
			*l = []string{}
		}
	}
	for _, l := range []*[]ObjectIssue{&r.Problems, &r.Failed} {
		if *l == nil {
			*l = []ObjectIssue{}
		}
	}
	if r.Tables == nil {
		r.Tables = []TableResult{}
	}
}

// recoverTables finishes or rolls back what a killed run of the job left
// in the tables it writes, before anything is read or written.
func (r *run) recoverTables(ctx context.Context) error {
	for name := range r.committed.Tables {
		tbl, err := table.Open(r.store, name)
		if err != nil {
			return err
		}
		if _, err := tbl.Recover(ctx); err != nil {
			return fmt.Errorf("recover table %s: %w", name, err)
		}
	}
	return nil
}
