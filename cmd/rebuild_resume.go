package cmd

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/warehouse/rebuild"
)

// rebuildResumeOptions are the parsed flags of `rebuild resume`.
type rebuildResumeOptions struct {
	f   *Factory
	ctx context.Context
	// RunID is the run to resume; "": the only unfinished one.
	RunID     string
	Migration string
	Parallel  int
}

// newCmdRebuildResume parses `rebuild resume [RUN]` into options; runF
// does the work (rebuildResumeRun, or a test's capture).
func newCmdRebuildResume(f *Factory, runF func(*rebuildResumeOptions) error) *cobra.Command {
	opts := &rebuildResumeOptions{f: f}
	c := &cobra.Command{
		Use:   "resume [RUN]",
		Short: "Resume a crashed or interrupted rebuild",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ctx = cmd.Context()
			if len(args) == 1 {
				opts.RunID = args[0]
			}
			if runF == nil {
				runF = rebuildResumeRun
			}
			return runF(opts)
		},
	}
	c.Flags().IntVar(&opts.Parallel, "parallel", 0, "files read in parallel where the driver gains")
	c.Flags().StringVar(&opts.Migration, "migration", "", "corrected migration file, used when the failed step had not committed")
	return c
}

// rebuildResumeRun resumes the run and renders it.
func rebuildResumeRun(o *rebuildResumeOptions) error {
	f, ctx := o.f, o.ctx
	store, wh, err := f.storeAndWarehouse(ctx)
	if err != nil {
		return err
	}
	defer wh.Close()
	if err := f.restoreLeftover(ctx, store, wh, false); err != nil {
		return err
	}
	// The scaler is built when the warehouse names a compute; a run that
	// resizes without one is refused by Resume with what to do.
	s, _ := f.scaler(ctx, wh)
	p := f.IO.Progress("rebuild resume", f.Logger())
	run, err := rebuild.Resume(ctx, store, wh, rebuild.ResumeOptions{RunID: o.RunID, MigrationFile: o.Migration, Scaler: s, Parallel: o.Parallel, Logger: f.Logger(), Progress: p})
	p.Done()
	if err != nil {
		return err
	}
	return renderRebuild(f, run)
}
