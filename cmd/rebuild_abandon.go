package cmd

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/warehouse/rebuild"
)

// rebuildAbandonOptions are the parsed flags of `rebuild abandon`.
type rebuildAbandonOptions struct {
	f     *Factory
	ctx   context.Context
	RunID string
}

// newCmdRebuildAbandon parses `rebuild abandon RUN` into options; runF
// does the work (rebuildAbandonRun, or a test's capture).
func newCmdRebuildAbandon(f *Factory, runF func(*rebuildAbandonOptions) error) *cobra.Command {
	opts := &rebuildAbandonOptions{f: f}
	return &cobra.Command{
		Use:   "abandon RUN",
		Short: "Give up an unfinished rebuild: size restored, new table dropped, run marked abandoned",
		Long: `Give up an unfinished rebuild run. The compute's size is restored (when the
run resized it), the new table TABLE__rebuild and its ledger rows are dropped,
and the run is marked abandoned, so that a new 'rebuild apply' may start.
A run whose swap had committed keeps the rebuilt table live.`,
		Example: `  lakectl rebuild status
  lakectl rebuild abandon 20261201T030046Z-495ebb9a`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ctx, opts.RunID = cmd.Context(), args[0]
			if runF == nil {
				runF = rebuildAbandonRun
			}
			return runF(opts)
		},
	}
}

// rebuildAbandonRun abandons the run and renders it.
func rebuildAbandonRun(opts *rebuildAbandonOptions) error {
	f, ctx := opts.f, opts.ctx
	store, wh, err := f.storeAndWarehouse(ctx)
	if err != nil {
		return err
	}
	defer wh.Close()
	// The scaler exists when the warehouse names a compute; a run that
	// resized without one is refused by Abandon with what to do.
	s, _ := f.scaler(ctx, wh)
	run, err := rebuild.Abandon(ctx, store, wh, rebuild.AbandonOptions{RunID: opts.RunID, Scaler: s})
	if err != nil {
		return err
	}
	wordSkips(run)
	return f.IO.Render(run, func(w io.Writer) error {
		if err := printRebuild(w, run); err != nil {
			return err
		}
		_, err := fmt.Fprintf(w, "rebuild run %s abandoned: a new `lakectl rebuild apply %s` may start\n", run.Run, run.Table)
		return err
	})
}
