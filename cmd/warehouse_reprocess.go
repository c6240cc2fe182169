package cmd

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/warehouse"
	"github.com/lakectl/lakectl/warehouse/scale"
)

// warehouseReprocessOptions are the inputs of `lakectl warehouse reprocess`.
type warehouseReprocessOptions struct {
	f        *Factory
	ctx      context.Context
	Table    string
	Into     string
	Key      []string
	Cursor   string
	ScaleTo  int
	Parallel int
	DryRun   bool
	Yes      bool
}

func newCmdWarehouseReprocess(f *Factory, runF func(*warehouseReprocessOptions) error) *cobra.Command {
	opts := &warehouseReprocessOptions{f: f}
	c := &cobra.Command{
		Use:   "reprocess TABLE",
		Short: "Empty the warehouse table and reload every lake file",
		Args:  cobra.ExactArgs(1),
		RunE:  runE(opts, runF, warehouseReprocessRun, tableArg(&opts.ctx, &opts.Table)),
	}
	rf := c.Flags()
	rf.StringVar(&opts.Into, "into", "", "target SCHEMA.TABLE (default: the lake table's name)")
	rf.StringSliceVar(&opts.Key, "key", nil, "key columns: reload keeping the latest version of each key, as an upsert load does")
	rf.StringVar(&opts.Cursor, "cursor", "", "column whose latest value wins when --key finds a key twice")
	rf.IntVar(&opts.ScaleTo, "scale-to", 0, "resize the cluster to N nodes (serverless: RPUs) first, restore afterwards")
	rf.IntVar(&opts.Parallel, "parallel", 0, "files loaded in parallel where the driver gains")
	rf.BoolVar(&opts.DryRun, "dry-run", false, "print the plan; change nothing")
	rf.BoolVar(&opts.Yes, "yes", false, "do not ask for confirmation (required when not interactive)")
	return c
}

// warehouseReprocessRun reloads the table; with --scale-to, between a
// resize of the Redshift compute and its restore.
func warehouseReprocessRun(opts *warehouseReprocessOptions) error {
	f, ctx, name := opts.f, opts.ctx, opts.Table
	scaled := opts.ScaleTo > 0
	if scaled {
		if err := f.checkScalable(); err != nil {
			return err
		}
	}
	ro, err := opts.reprocessOptions(f.Config())
	if err != nil {
		return err
	}
	store, wh, err := f.checkedStoreAndWarehouse(ctx, name, ro.Into, opts.DryRun)
	if err != nil {
		return err
	}
	defer wh.Close()
	what := fmt.Sprintf("reprocess empties %s in %s and reloads every file of lake table %s", ro.Into, wh.String(), name)
	var s *scale.Scaler
	if scaled {
		if s, err = f.Scaler(ctx, wh); err != nil {
			return err
		}
		what = fmt.Sprintf("reprocess resizes %s %s to %d %s, empties %s in %s, reloads every file of lake table %s and restores the size", s.Kind(), s.Name(), opts.ScaleTo, s.Unit(), ro.Into, wh.String(), name)
	} else if err := f.restoreLeftover(ctx, store, wh, opts.DryRun); err != nil {
		return err
	}
	if err := confirm(f, what, opts.Yes, opts.DryRun); err != nil {
		return err
	}
	p := f.IO.Progress("reprocess "+name, f.Logger())
	ro.Logger, ro.Progress = f.Logger(), p
	if !scaled {
		res, err := warehouse.Reprocess(ctx, store, wh, ro)
		p.Done()
		if err != nil {
			return err
		}
		return f.IO.Render(res, func(w io.Writer) error { return printLoad(w, "reprocessed", res) })
	}
	res, err := s.Reprocess(ctx, store, wh, opts.ScaleTo, ro)
	p.Done()
	if err != nil {
		return err
	}
	return f.IO.Render(res, func(w io.Writer) error { return printScaledReprocess(w, res) })
}

// reprocessOptions resolves the reprocess against the config: a flag wins
// over tables.<table>; the target defaults to the table's name.
func (opts *warehouseReprocessOptions) reprocessOptions(cfg *config.Config) (warehouse.ReprocessOptions, error) {
	tc := cfg.Tables[opts.Table]
	into := firstString(opts.Into, tc.Into, opts.Table)
	if err := checkInto("--into", into); err != nil {
		return warehouse.ReprocessOptions{}, err
	}
	types, err := tablePartitionTypes(cfg, opts.Table)
	return warehouse.ReprocessOptions{
		Table: opts.Table, Into: into, Key: firstNonEmpty(opts.Key, tc.Key), Cursor: firstString(opts.Cursor, tc.Cursor),
		Parallel: opts.Parallel, DryRun: opts.DryRun, PartitionTypes: types,
	}, err
}

func printScaledReprocess(w io.Writer, res *scale.ReprocessResult) error {
	if err := printScale(w, res.ScaleUp); err != nil {
		return err
	}
	if err := printLoad(w, "reprocessed", res.LoadResult); err != nil {
		return err
	}
	return printScale(w, res.Restore)
}
