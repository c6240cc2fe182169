package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/clierr"
	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/internal/iostreams"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/pipeline"
)

// The report of `lakectl run` is the pipeline's.
type (
	JobResult   = pipeline.JobResult
	RunResult   = pipeline.RunResult
	EveryResult = pipeline.EveryResult
)

// runOptions are the inputs of `lakectl run`.
type runOptions struct {
	f      *Factory
	ctx    context.Context
	Jobs   []string // empty: all of them
	DryRun bool
	Force  bool
	Every  time.Duration // 0: run once
}

func newRunCmd(f *Factory) *cobra.Command { return newCmdRun(f, nil) }

func newCmdRun(f *Factory, runF func(*runOptions) error) *cobra.Command {
	opts := &runOptions{f: f}
	c := &cobra.Command{
		Use:   "run [JOB ...]",
		Short: "Run the configured jobs (extract, compact, catalog, load): the entry point for cron",
		Long: `Run the jobs of the config file's jobs: list, in order (or only the named ones).
Every job's keys are checked first: a bad one (chunk_rows: -1, an unknown
mode) exits 2 naming the job and the key, and no job starts.
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
			opts.ctx, opts.Jobs = cmd.Context(), args
			if opts.Every < 0 {
				return input.Errorf("--every %s: want a positive duration such as 5s or 1m", opts.Every)
			}
			if runF != nil {
				return runF(opts)
			}
			if opts.Every > 0 {
				return runEveryRun(opts)
			}
			return runRun(opts)
		},
	}
	c.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print the plan of each job; change nothing")
	c.Flags().BoolVar(&opts.Force, "force", false, "load tables even when a check job of this run failed on them (exit 4 all the same)")
	c.Flags().DurationVar(&opts.Every, "every", 0, "run the jobs again every DUR until SIGINT/SIGTERM, which finish the job in hand")
	return c
}

// runRun runs the jobs once, renders the report and turns it into the
// exit code: 1 for a failed job, 4 for a failed check, 75 for a held lock.
func runRun(opts *runOptions) error {
	p, jobs, err := planRun(opts)
	if err != nil {
		return err
	}
	ctx := opts.ctx
	res := p.Run(ctx, jobs, opts.pipelineOptions())
	if rerr := opts.f.IO.Render(res, func(w io.Writer) error { return printRun(w, res) }); rerr != nil {
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
		return &lake.LockedError{Lock: fmt.Sprintf("of %d jobs", res.Locked), Owner: "another run"}
	}
	return nil
}

func (o *runOptions) pipelineOptions() pipeline.Options {
	return pipeline.Options{DryRun: o.DryRun, Force: o.Force}
}

// planRun builds the pipeline and picks the jobs to run, refusing a run
// that could not finish before any job starts.
func planRun(opts *runOptions) (*pipeline.Pipeline, []config.Job, error) {
	p := newPipeline(opts.f)
	jobs, err := p.Plan(opts.ctx, opts.f.Config().Jobs, opts.Jobs)
	if errors.Is(err, pipeline.ErrNoJobs) {
		err = input.Errorf("%v (see 'lakectl run --help')", err)
	}
	return p, jobs, err
}

// newPipeline is the job runner with lakectl's job types, its log, the
// remedies of its errors, and notifications and metrics as jobs end.
func newPipeline(f *Factory) *pipeline.Pipeline {
	p := &pipeline.Pipeline{Env: pipeline.Env{
		Logger:    f.Logger(),
		ErrorText: jobErrorText,
		JobDone: func(ctx context.Context, j config.Job, jr JobResult) {
			sendNotifications(ctx, f, jobStatuses(f, j, jr))
		},
		CycleDone: func(ctx context.Context, res *RunResult) { finishRun(ctx, f, res) },
	}}
	k := &p.Kinds
	k.Register(jobExtractMySQL, extractMySQLJob{f})
	k.Register(jobExtractPG, extractPostgresJob{f})
	k.Register(jobExtractAPI, extractAPIJob{f})
	k.Register(jobExtractFiles, extractFilesKind{f})
	k.Register(jobCompact, compactJob{f})
	k.Register(jobCatalog, catalogJob{f})
	k.Register(jobCheck, checkJob{f})
	k.Register(jobLoad, loadJob{f})
	k.Register(jobPublish, publishJob{f})
	return p
}

// jobErrorText is a job's error on one line, with the remedies that name
// flags.
func jobErrorText(err error) string {
	if held, ok := errors.AsType[*pipeline.HeldError](err); ok {
		return fmt.Sprintf("%v; fix the data or rerun with --force to load anyway", held)
	}
	return iostreams.OneLine(explain(err).Error())
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
