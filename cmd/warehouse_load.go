package cmd

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/warehouse"
)

// loadFlags are a load's parameters: the command's flags, or a load job's
// keys (`run` builds them too).
type loadFlags struct {
	into, mode, transform, cursor string
	key                           []string
	parallel                      int
	dryRun                        bool
}

// warehouseLoadOptions are the inputs of `lakectl warehouse load`.
type warehouseLoadOptions struct {
	f     *Factory
	ctx   context.Context
	Table string
	loadFlags
}

func newCmdWarehouseLoad(f *Factory, runF func(*warehouseLoadOptions) error) *cobra.Command {
	opts := &warehouseLoadOptions{f: f}
	c := &cobra.Command{
		Use:   "load TABLE",
		Short: "Load the lake files of TABLE that the warehouse has not loaded yet, exactly once",
		Example: `  lakectl warehouse load orders
  lakectl --warehouse postgres://etl@db/dw warehouse load orders --mode upsert --key id
  lakectl --warehouse 'redshift://etl@cluster:5439/dw?iam_role=arn:aws:iam::1:role/copy' warehouse load orders --dry-run`,
		Args: cobra.ExactArgs(1),
		RunE: runE(opts, runF, warehouseLoadRun, tableArg(&opts.ctx, &opts.Table)),
	}
	lf := c.Flags()
	lf.StringVar(&opts.into, "into", "", "target SCHEMA.TABLE (default: the lake table's name)")
	lf.StringVar(&opts.mode, "mode", "append", "append, upsert or replace")
	lf.StringSliceVar(&opts.key, "key", nil, "key columns for --mode upsert")
	lf.StringVar(&opts.cursor, "cursor", "", "column whose latest value wins when upsert finds a key twice")
	lf.IntVar(&opts.parallel, "parallel", 0, "files loaded in parallel where the driver gains")
	lf.StringVar(&opts.transform, "transform", "", "SQL file run after staging, in the same transaction")
	lf.BoolVar(&opts.dryRun, "dry-run", false, "print files, bytes, statements and manifest; change nothing")
	return c
}

func warehouseLoadRun(opts *warehouseLoadOptions) error {
	f, ctx := opts.f, opts.ctx
	if err := f.requireStoreTable(ctx, opts.Table); err != nil {
		return err
	}
	res, err := loadTable(ctx, f, opts.Table, &opts.loadFlags)
	if err != nil {
		return err
	}
	return f.IO.Render(res, func(w io.Writer) error { return printLoad(w, "loaded", res) })
}

// loadTable loads one lake table's new files into the warehouse.
func loadTable(ctx context.Context, f *Factory, name string, o *loadFlags) (*warehouse.LoadResult, error) {
	lo, err := o.loadOptions(f.Config(), name)
	if err != nil {
		return nil, err
	}
	store, wh, err := f.storeAndWarehouseDry(ctx, o.dryRun)
	if err != nil {
		return nil, err
	}
	defer wh.Close()
	if err := f.restoreLeftover(ctx, store, wh, o.dryRun); err != nil {
		return nil, err
	}
	p := f.IO.Progress("load "+name, f.Logger())
	lo.Logger, lo.Progress = f.Logger(), p
	res, err := warehouse.Load(ctx, store, wh, lo)
	p.Done()
	return res, err
}

// loadOptions resolves a load of lake table name against the config: a
// flag (or job key) wins over tables.<name>.
func (o *loadFlags) loadOptions(cfg *config.Config, name string) (warehouse.LoadOptions, error) {
	tc := cfg.Tables[name]
	into := firstString(o.into, tc.Into)
	if err := checkInto("--into", into); err != nil {
		return warehouse.LoadOptions{}, err
	}
	types, err := tablePartitionTypes(cfg, name)
	return warehouse.LoadOptions{
		Table:          name,
		Into:           into,
		Mode:           o.mode,
		Key:            firstNonEmpty(o.key, tc.Key),
		Cursor:         firstString(o.cursor, tc.Cursor),
		Parallel:       o.parallel,
		TransformFile:  o.transform,
		DryRun:         o.dryRun,
		PartitionTypes: types,
	}, err
}

func printLoad(w io.Writer, verb string, res *warehouse.LoadResult) error {
	if res.DryRun {
		verb = "would load"
		if res.Unreachable != "" {
			fmt.Fprintf(w, "offline plan: %s\n", res.Unreachable)
		}
		for _, p := range res.Plan {
			fmt.Fprintf(w, "  %s  %s  %d rows\n", p.Key, humanBytes(p.Bytes), p.Rows)
		}
		for i, s := range res.Statements {
			fmt.Fprintf(w, "-- statement %d\n%s;\n", i+1, strings.TrimRight(strings.TrimSpace(s), ";"))
		}
		if len(res.Manifest) > 0 {
			fmt.Fprintf(w, "-- manifest\n%s\n", res.Manifest)
		}
	}
	for _, n := range res.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	created, altered := "created %s\n", "altered: %s\n"
	if res.DryRun {
		created, altered = "would create %s\n", "would alter: %s\n"
	}
	if res.Created {
		fmt.Fprintf(w, created, res.Into)
	}
	for _, a := range res.Altered {
		fmt.Fprintf(w, altered, a)
	}
	_, err := fmt.Fprintf(w, "%s %s into %s (%s): %d rows, %d files (%s), %d files already loaded, in %.1fs\n",
		verb, res.Table, res.Into, res.Mode, res.Rows, res.Files, humanBytes(res.Bytes), res.SkippedFiles, res.DurationS)
	return err
}
