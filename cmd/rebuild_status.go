package cmd

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/warehouse/rebuild"
)

// rebuildStatusOptions are the parsed flags of `rebuild status`: none.
type rebuildStatusOptions struct {
	f   *Factory
	ctx context.Context
}

// newCmdRebuildStatus parses `rebuild status` into options; runF does the
// work (rebuildStatusRun, or a test's capture).
func newCmdRebuildStatus(f *Factory, runF func(*rebuildStatusOptions) error) *cobra.Command {
	opts := &rebuildStatusOptions{f: f}
	return &cobra.Command{
		Use:   "status",
		Short: "Show rebuild runs and their steps",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.ctx = cmd.Context()
			if runF == nil {
				runF = rebuildStatusRun
			}
			return runF(opts)
		},
	}
}

// rebuildStatusRun renders every recorded run.
func rebuildStatusRun(o *rebuildStatusOptions) error {
	store, err := o.f.Store(o.ctx)
	if err != nil {
		return err
	}
	res, err := rebuild.Status(o.ctx, store)
	if err != nil {
		return err
	}
	for i := range res.Runs {
		wordSkips(&res.Runs[i])
	}
	return o.f.IO.Render(res, func(w io.Writer) error {
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
