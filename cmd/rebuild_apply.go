package cmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/warehouse/rebuild"
	"github.com/lakectl/lakectl/warehouse/scale"
)

// rebuildApplyOptions are the parsed flags of `rebuild apply`.
type rebuildApplyOptions struct {
	f   *Factory
	ctx context.Context
	rebuildSpec
	Parallel int
	KeepOld  bool
	Yes      bool
	DryRun   bool
}

// newCmdRebuildApply parses `rebuild apply TABLE` into options; runF does
// the work (rebuildApplyRun, or a test's capture). Every leaf command has
// this gh shape, so their RunE bodies look alike on purpose.
func newCmdRebuildApply(f *Factory, runF func(*rebuildApplyOptions) error) *cobra.Command {
	opts := &rebuildApplyOptions{f: f}
	c := &cobra.Command{
		Use:   "apply TABLE --migration FILE.sql",
		Short: "Run the rebuild, checkpointing every step and every loaded file",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ctx, opts.Table = cmd.Context(), args[0]
			if runF == nil {
				runF = rebuildApplyRun
			}
			return runF(opts)
		},
	}
	opts.addFlags(c)
	c.Flags().IntVar(&opts.Parallel, "parallel", 0, "files read in parallel where the driver gains")
	c.Flags().BoolVar(&opts.KeepOld, "keep-old", false, "keep the old table as TABLE__old after the swap")
	c.Flags().BoolVar(&opts.Yes, "yes", false, "do not ask for confirmation (required when not interactive)")
	c.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print the plan; change nothing")
	return c
}

// rebuildApplyRun runs the rebuild (or plans it, dry) and renders the run.
func rebuildApplyRun(o *rebuildApplyOptions) error {
	f, ctx := o.f, o.ctx
	if o.ScaleTo > 0 {
		if err := f.checkScalable(); err != nil {
			return err
		}
	}
	if _, err := partitionTypes(f.Config()); err != nil {
		return err // before anything opens: as load and reprocess do
	}
	store, wh, err := f.checkedStoreAndWarehouse(ctx, o.Table, o.Into, o.DryRun)
	if err != nil {
		return err
	}
	defer wh.Close()
	if err := f.restoreLeftover(ctx, store, wh, o.DryRun); err != nil {
		return err
	}
	var s *scale.Scaler
	if o.ScaleTo > 0 {
		if s, err = f.scaler(ctx, wh); err != nil {
			return err
		}
	}
	into := o.into(f)
	opts := rebuild.Options{Table: o.Table, Into: into, MigrationFile: o.Migration, ScaleTo: o.ScaleTo, Scaler: s,
		KeepOld: o.KeepOld, BatchFiles: o.BatchFiles, Parallel: o.Parallel, Logger: f.Logger(),
		PartitionTypes: f.Config().Tables[o.Table].PartitionTypes}
	var run *rebuild.Run
	if o.DryRun {
		run, err = rebuild.Plan(ctx, store, wh, opts)
	} else {
		target := firstString(into, o.Table)
		if err := confirm(f, fmt.Sprintf("rebuild creates %s__rebuild in %s, loads every file of lake table %s and swaps it with %s", target, wh.String(), o.Table, target), o.Yes, false); err != nil {
			return err
		}
		p := f.IO.Progress("rebuild "+o.Table, f.Logger())
		opts.Progress = p
		run, err = rebuild.Apply(ctx, store, wh, opts)
		p.Done()
	}
	if err != nil {
		return err
	}
	return renderRebuild(f, run)
}
