package cmd

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/warehouse/rebuild"
	"github.com/lakectl/lakectl/warehouse/scale"
)

type rebuildFlags struct {
	migration, into      string
	scaleTo, batchFiles  int
	parallel             int
	yes, dryRun, keepOld bool
}

func newRebuildCmd(f *Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "rebuild",
		Short: "Schema-change rebuilds of a warehouse table as a resumable runbook",
	}
	var o rebuildFlags
	addCommon := func(cmd *cobra.Command) {
		fl := cmd.Flags()
		fl.StringVar(&o.migration, "migration", "", "SQL file that creates {{.NewTable}} with the new schema (see docs/rebuild.md)")
		fl.StringVar(&o.into, "into", "", "warehouse table SCHEMA.TABLE (default: the lake table's name)")
		fl.IntVar(&o.scaleTo, "scale-to", 0, "resize the cluster to N nodes (serverless: RPUs) for the rebuild, restore afterwards")
		fl.IntVar(&o.batchFiles, "batch-files", 0, "lake files per load transaction and checkpoint (default 1; Redshift 16)")
		_ = cmd.MarkFlagRequired("migration")
	}
	plan := &cobra.Command{
		Use:   "plan TABLE --migration FILE.sql",
		Short: "Print the rebuild runbook: numbered steps with files, bytes and estimated time",
		Example: `  lakectl rebuild plan orders --migration orders_amount_decimal.sql
  lakectl rebuild plan orders --migration m.sql --scale-to 8 -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.dryRun = true
			return runRebuildApply(cmd, f, args[0], &o)
		},
	}
	addCommon(plan)
	apply := &cobra.Command{
		Use:   "apply TABLE --migration FILE.sql",
		Short: "Run the rebuild, checkpointing every step and every loaded file",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return runRebuildApply(cmd, f, args[0], &o) },
	}
	addCommon(apply)
	apply.Flags().IntVar(&o.parallel, "parallel", 0, "files read in parallel where the driver gains")
	apply.Flags().BoolVar(&o.keepOld, "keep-old", false, "keep the old table as TABLE__old after the swap")
	apply.Flags().BoolVar(&o.yes, "yes", false, "do not ask for confirmation (required when not interactive)")
	apply.Flags().BoolVar(&o.dryRun, "dry-run", false, "print the plan; change nothing")
	resume := &cobra.Command{
		Use:   "resume [RUN]",
		Short: "Resume a crashed or interrupted rebuild",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			run := ""
			if len(args) == 1 {
				run = args[0]
			}
			return runRebuildResume(cmd, f, run, &o)
		},
	}
	resume.Flags().IntVar(&o.parallel, "parallel", 0, "files read in parallel where the driver gains")
	resume.Flags().StringVar(&o.migration, "migration", "", "corrected migration file, used when the failed step had not committed")
	status := &cobra.Command{
		Use:   "status",
		Short: "Show rebuild runs and their steps",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return runRebuildStatus(cmd, f) },
	}
	c.AddCommand(plan, apply, resume, status, newCmdRebuildAbandon(f, nil))
	return c
}

func runRebuildApply(cmd *cobra.Command, f *Factory, name string, o *rebuildFlags) error {
	ctx := cmd.Context()
	if o.scaleTo > 0 {
		if err := f.checkScalable(); err != nil {
			return err
		}
	}
	store, wh, err := f.checkedStoreAndWarehouse(ctx, name, o.into, o.dryRun)
	if err != nil {
		return err
	}
	defer wh.Close()
	if err := f.restoreLeftover(ctx, store, wh, o.dryRun); err != nil {
		return err
	}
	var s *scale.Scaler
	if o.scaleTo > 0 {
		if s, err = f.scaler(ctx, wh); err != nil {
			return err
		}
	}
	into := firstString(o.into, f.Config().Tables[name].Into)
	opts := rebuild.Options{Table: name, Into: into, MigrationFile: o.migration, ScaleTo: o.scaleTo, Scaler: s,
		KeepOld: o.keepOld, BatchFiles: o.batchFiles, Parallel: o.parallel, Logger: f.Logger()}
	var run *rebuild.Run
	if o.dryRun {
		run, err = rebuild.Plan(ctx, store, wh, opts)
	} else {
		target := firstString(into, name)
		if err := confirm(f, fmt.Sprintf("rebuild creates %s__rebuild in %s, loads every file of lake table %s into it and swaps it with %s", target, wh.String(), name, target), o.yes, false); err != nil {
			return err
		}
		p := f.IO.Progress("rebuild "+name, f.Logger())
		opts.Progress = p
		run, err = rebuild.Apply(ctx, store, wh, opts)
		p.Done()
	}
	if err != nil {
		return err
	}
	return f.IO.Render(run, func(w io.Writer) error { return printRebuild(w, run) })
}

func runRebuildResume(cmd *cobra.Command, f *Factory, id string, o *rebuildFlags) error {
	ctx := cmd.Context()
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
	run, err := rebuild.Resume(ctx, store, wh, rebuild.ResumeOptions{RunID: id, MigrationFile: o.migration, Scaler: s, Parallel: o.parallel, Logger: f.Logger(), Progress: p})
	p.Done()
	if err != nil {
		return err
	}
	return f.IO.Render(run, func(w io.Writer) error { return printRebuild(w, run) })
}

func runRebuildStatus(cmd *cobra.Command, f *Factory) error {
	ctx := cmd.Context()
	store, err := f.Store(ctx)
	if err != nil {
		return err
	}
	res, err := rebuild.Status(ctx, store)
	if err != nil {
		return err
	}
	return f.IO.Render(res, func(w io.Writer) error {
		if len(res.Runs) == 0 {
			_, err := fmt.Fprintln(w, "no rebuild runs")
			return err
		}
		for i := range res.Runs {
			if err := printRebuild(w, &res.Runs[i]); err != nil {
				return err
			}
			fmt.Fprintln(w)
		}
		return nil
	})
}

func printRebuild(w io.Writer, r *rebuild.Run) error {
	head := "rebuild run " + r.Run
	if r.DryRun {
		head = "rebuild plan"
	}
	fmt.Fprintf(w, "%s: %s (lake table %s) on %s: %s\n", head, r.Target, r.Table, r.Warehouse, r.State)
	if r.Unreachable != "" {
		fmt.Fprintf(w, "offline plan: %s (%s holds nothing)\n", r.Unreachable, r.NewTable)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STEP\tSTATUS\tFILES\tBYTES\tROWS\tEST\tWHAT")
	for _, st := range r.Steps {
		what := st.Title
		if st.Detail != "" {
			what += " (" + st.Detail + ")"
		}
		if st.Error != "" {
			what += ": " + st.Error
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%d\t%s\t%s\n", st.N, st.Status, st.Files, humanBytes(st.Bytes), st.Rows, estimate(st.EstimateS), what)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if r.DryRun {
		for _, st := range r.Steps {
			for _, s := range st.Statements {
				fmt.Fprintf(w, "-- step %d %s\n%s;\n", st.N, st.Name, strings.TrimRight(strings.TrimSpace(s), ";"))
			}
		}
		_, err := fmt.Fprintf(w, "estimated %s in all for %d files (%s, %d rows)\n", estimate(r.EstimateS), r.Files, humanBytes(r.Bytes), r.Rows)
		return err
	}
	if r.Error != "" {
		fmt.Fprintf(w, "error: %s\n", r.Error)
	}
	if r.MigrationReplaced != "" {
		fmt.Fprintf(w, "used the corrected migration %s in place of the stored one (its step had not committed)\n", r.MigrationReplaced)
	}
	_, err := fmt.Fprintf(w, "%d rows, %d files (%s) loaded, in %.1fs\n", r.Rows, r.Files, humanBytes(r.Bytes), r.DurationS)
	return err
}

func estimate(s float64) string {
	switch {
	case s <= 0:
		return "-"
	case s < 60:
		return fmt.Sprintf("%.0fs", max(s, 1))
	case s < 3600:
		return fmt.Sprintf("%.0fm", s/60)
	}
	return fmt.Sprintf("%.1fh", s/3600)
}
