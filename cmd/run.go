package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/catalog"
	"github.com/lakectl/lakectl/internal/clierr"
	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/internal/iostreams"
)

// Job types of `lakectl run`.
const (
	jobExtractMySQL = "extract-mysql"
	jobExtractAPI   = "extract-api"
	jobCompact      = "compact"
	jobCatalog      = "catalog"
	jobLoad         = "load"
	jobExtractFiles = "extract-files"
	jobExtractPG    = "extract-postgres"
)

// JobResult is one job of a run.
type JobResult struct {
	Name      string  `json:"name"`
	Type      string  `json:"type"`
	Status    string  `json:"status"` // ok, failed, locked, planned
	Rows      int64   `json:"rows"`
	Files     int64   `json:"files"`
	Bytes     int64   `json:"bytes"`
	DurationS float64 `json:"duration_s"`
	Error     string  `json:"error,omitempty"`
	Result    any     `json:"result,omitempty"` // the job's own result
}

// RunResult is the report of `lakectl run`.
type RunResult struct {
	Jobs      []JobResult `json:"jobs"`
	Rows      int64       `json:"rows"`
	Files     int64       `json:"files"`
	Bytes     int64       `json:"bytes"`
	Failed    int         `json:"failed"`
	Locked    int         `json:"locked"`
	DryRun    bool        `json:"dry_run,omitempty"`
	DurationS float64     `json:"duration_s"`

	// QualityFailed counts check jobs whose error rules failed (exit 4).
	QualityFailed int `json:"quality_failed"`
}

func newRunCmd(f *Factory) *cobra.Command {
	var dryRun, force bool
	var every time.Duration
	c := &cobra.Command{
		Use:   "run [JOB ...]",
		Short: "Run the configured jobs (extract, compact, catalog, load): the entry point for cron",
		Long: `Run the jobs of the config file's jobs: list, in order (or only the named ones).
A failing job does not stop the next ones. Exit 1 when a job failed, 75 when
the only trouble was a job whose lock another run holds, else 0.
A check job whose error rule fails holds back the later loads of its tables
in the same run (--force loads them anyway) and makes the run exit 4.

Job types: extract-mysql (dsn, table, as, key, incremental, cursor, lookback,
partition_by, chunk_rows, parallel, where, tinyint1_as_bool, spatial), extract-postgres
(dsn, table, as, key, cdc, slot, publication, max_slot_retained, partition_by,
chunk_rows, parallel), extract-api
(sources, sources_dir, concurrency), extract-files (from, routes, format,
job, since, key, cursor, partition_by, skip_bad_records, reingest_changed),
compact (tables, target_size), catalog (tables), load (tables, into, mode,
key, transform), check (tables; the rules are tables.<t>.checks), publish
(tables, glue_database, location).
Under --every, a job with every: DUR runs at most that often (compact hourly).`,
		Example: `  # crontab: every five minutes
  */5 * * * * lakectl --config /etc/lakectl.yaml run -q
  lakectl run orders orders-load --dry-run
  lakectl run --every 1m   # a service: SIGTERM finishes the job in hand`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if every > 0 {
				return runEvery(cmd.Context(), f, args, every, dryRun, force)
			}
			if every < 0 {
				return clierr.Usagef("--every %s: want a positive duration such as 5s or 1m", every)
			}
			return runJobs(cmd.Context(), f, args, dryRun, force)
		},
	}
	c.Flags().BoolVar(&dryRun, "dry-run", false, "print the plan of each job; change nothing")
	c.Flags().BoolVar(&force, "force", false, "load tables even when a check job of this run failed on them (exit 4 all the same)")
	c.Flags().DurationVar(&every, "every", 0, "run the jobs again every DUR until SIGINT/SIGTERM, which finish the job in hand")
	return c
}

func runJobs(ctx context.Context, f *Factory, names []string, dryRun, force bool) error {
	jobs, err := selectJobs(f.Config().Jobs, names)
	if err != nil {
		return err
	}
	if err := validateChecks(f.Config(), jobs); err != nil {
		return err
	}
	res := runCycle(ctx, ctx, f, jobs, dryRun, force)
	if rerr := f.IO.Render(res, func(w io.Writer) error { return printRun(w, res) }); rerr != nil {
		return rerr
	}
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case res.Failed > 0:
		return fmt.Errorf("%d of %d jobs failed; see the report above", res.Failed, len(res.Jobs))
	case res.QualityFailed > 0:
		return &clierr.QualityError{Err: fmt.Errorf("%d check job(s) found failing rules; see the report above", res.QualityFailed)}
	case res.Locked > 0:
		return &clierr.LockedError{Lock: fmt.Sprintf("of %d jobs", res.Locked), Owner: "another run"}
	}
	return nil
}

// selectJobs returns the named jobs in config order, or all of them.
func selectJobs(all []config.Job, names []string) ([]config.Job, error) {
	if len(all) == 0 {
		return nil, clierr.Usagef("no jobs configured: add a jobs: list to the config file (see 'lakectl run --help')")
	}
	seen := map[string]bool{}
	for _, j := range all {
		if j.Name == "" {
			return nil, clierr.Usagef("a job in the config file has no name")
		}
		if seen[j.Name] {
			return nil, clierr.Usagef("job %q is configured twice", j.Name)
		}
		seen[j.Name] = true
		switch j.Type {
		case jobExtractMySQL, jobExtractPG, jobExtractAPI, jobExtractFiles, jobCompact, jobCatalog, jobLoad, jobCheck, jobPublish:
		default:
			return nil, clierr.Usagef("job %q has type %q; use extract-mysql, extract-postgres, extract-api, extract-files, compact, catalog, check, load or publish", j.Name, j.Type)
		}
	}
	if len(names) == 0 {
		return all, nil
	}
	want := map[string]bool{}
	for _, n := range names {
		if !seen[n] {
			return nil, clierr.Usagef("no job named %q in the config file", n)
		}
		want[n] = true
	}
	var out []config.Job
	for _, j := range all {
		if want[j.Name] {
			out = append(out, j)
		}
	}
	return out, nil
}

// runJob runs one job and never returns an error: the error is the job's
// status, so the next job still runs.
func runJob(ctx context.Context, f *Factory, j config.Job, dryRun bool) JobResult {
	start := time.Now()
	jr := JobResult{Name: j.Name, Type: j.Type, Status: "ok"}
	var err error
	switch j.Type {
	case jobExtractMySQL:
		if dryRun {
			jr.Status, jr.Result = "planned", fmt.Sprintf("extract %s into tables/%s", j.Table, lakeTableName(j.Table, j.As))
			break
		}
		o := &extractMySQLFlags{dsn: j.DSN, table: j.Table, as: j.As, cursor: j.Cursor, lookback: j.Lookback,
			partitionBy: j.PartitionBy, where: j.Where, key: j.Key, incremental: j.Incremental,
			tinyInt1AsBool: j.TinyInt1AsBool, chunkRows: j.ChunkRows, parallel: j.Parallel, spatial: j.Spatial}
		r, e := extractMySQL(ctx, f, o)
		if r != nil {
			jr.Rows, jr.Files, jr.Bytes, jr.Result = r.Rows, r.Files, r.Bytes, r
		}
		err = e
	case jobExtractPG:
		err = runExtractPostgresJob(ctx, f, j, dryRun, &jr)
	case jobExtractAPI:
		if dryRun {
			jr.Status, jr.Result = "planned", fmt.Sprintf("call the APIs of %s", strings.Join(append(append([]string{}, j.Sources...), j.SourcesDir), " "))
			break
		}
		r, e := extractAPI(ctx, f, &extractAPIFlags{sources: j.Sources, sourcesDir: j.SourcesDir, concurrency: j.Concurrency})
		if r != nil {
			jr.Rows, jr.Files, jr.Bytes, jr.Result = r.Rows, r.Files, r.Bytes, r
		}
		err = e
	case jobExtractFiles:
		r, plan, e := extractFilesJob(ctx, f, j, dryRun)
		if r != nil {
			jr.Rows, jr.Files, jr.Bytes, jr.Result = r.Rows, r.Files, r.Bytes, r
		} else if plan != "" {
			jr.Status, jr.Result = "planned", plan
		}
		err = e
	case jobCompact:
		var results []any
		for _, t := range j.Tables {
			r, e := compactTable(ctx, f, t, &compactFlags{targetSize: j.TargetSize, dryRun: dryRun})
			if dryRun && clierr.Code(e) == clierr.ExitUsage {
				// The extract before it has not run: nothing to plan yet.
				results = append(results, fmt.Sprintf("%s: %v", t, e))
				continue
			}
			if r != nil {
				jr.Rows, jr.Files, jr.Bytes = jr.Rows+r.Rows, jr.Files+r.Files, jr.Bytes+r.Bytes
				results = append(results, r)
			}
			err = errors.Join(err, e)
		}
		jr.Result = results
	case jobCatalog:
		store, e := f.Store(ctx)
		if e != nil {
			err = e
			break
		}
		if dryRun {
			jr.Status, jr.Result = "planned", "crawl and check "+strings.Join(j.Tables, " ")
			break
		}
		types, _ := partitionTypes(f.Config())
		r, e := catalog.Crawl(ctx, store, j.Tables, catalog.CrawlOptions{Logger: f.Logger(), PartitionTypes: types})
		if r != nil {
			jr.Rows, jr.Files, jr.Bytes = r.Rows, int64(r.Files), r.Bytes
		}
		err = e
		if err == nil {
			cr, e := catalog.Check(ctx, store, j.Tables, catalog.CheckOptions{PartitionTypes: types})
			jr.Result, err = map[string]any{"crawl": r, "check": cr}, e
		}
	case jobCheck:
		err = runCheckJob(ctx, f, j, dryRun, &jr)
	case jobPublish:
		r, e := runPublishJob(ctx, f, j, dryRun)
		if r != nil {
			jr.Files, jr.Result = int64(r.Files), r
		}
		err = e
	case jobLoad:
		var results []any
		for _, t := range j.Tables {
			r, e := loadTable(ctx, f, t, &loadFlags{into: j.Into, mode: j.Mode, key: j.Key, transform: j.Transform, cursor: j.Cursor, dryRun: dryRun})
			if r != nil {
				jr.Rows, jr.Files, jr.Bytes = jr.Rows+r.Rows, jr.Files+int64(r.Files), jr.Bytes+r.Bytes
				results = append(results, r)
			}
			err = errors.Join(err, e)
		}
		jr.Result = results
	}
	jr.DurationS = time.Since(start).Seconds()
	if err != nil {
		jr.Error = iostreams.OneLine(explain(err).Error())
		var locked *clierr.LockedError
		var bad *clierr.QualityError
		if errors.As(err, &locked) {
			jr.Status = "locked"
		} else if errors.As(err, &bad) {
			jr.Status = statusQualityFailed
		} else {
			jr.Status = "failed"
		}
	} else if dryRun && jr.Status == "ok" {
		jr.Status = "planned"
	}
	return jr
}

func printRun(w io.Writer, res *RunResult) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tTYPE\tSTATUS\tROWS\tFILES\tBYTES\tSECONDS\tERROR")
	for _, j := range res.Jobs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%.1f\t%s\n", j.Name, j.Type, j.Status, j.Rows, j.Files, humanBytes(j.Bytes), j.DurationS, j.Error)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d jobs: %d failed, %d locked; %d rows, %d files, %s in %.1fs\n",
		len(res.Jobs), res.Failed, res.Locked, res.Rows, res.Files, humanBytes(res.Bytes), res.DurationS)
	return err
}
