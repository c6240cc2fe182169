package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/warehouse"
)

// openWarehouse opens the configured warehouse; connections open on first
// use, so a dry run can still plan when it is unreachable.
func (f *Factory) openWarehouse(ctx context.Context) (warehouse.Warehouse, error) {
	c := f.Config()
	return warehouse.Open(ctx, c.Warehouse, warehouse.Options{Cluster: c.Cluster, Workgroup: c.Workgroup, Timeouts: f.Timeouts()})
}

// storeAndWarehouse opens the lake and the warehouse; the caller closes
// the warehouse.
func (f *Factory) storeAndWarehouse(ctx context.Context) (lake.Store, warehouse.Warehouse, error) {
	store, err := f.Store(ctx)
	if err != nil {
		return nil, nil, err
	}
	wh, err := f.openWarehouse(ctx)
	return store, wh, err
}

// storeAndWarehouseDry is storeAndWarehouse for a command that may be a
// dry run (openWarehouseDry).
func (f *Factory) storeAndWarehouseDry(ctx context.Context, dry bool) (lake.Store, warehouse.Warehouse, error) {
	store, err := f.Store(ctx)
	if err != nil {
		return nil, nil, err
	}
	wh, err := f.openWarehouseDry(ctx, dry)
	return store, wh, err
}

// openWarehouseDry is openWarehouse, except that on a dry run a DuckDB
// warehouse file that does not exist yet is planned against an empty
// in-memory database, so the dry run does not create it.
func (f *Factory) openWarehouseDry(ctx context.Context, dry bool) (warehouse.Warehouse, error) {
	path, isDuck := strings.CutPrefix(firstString(f.Config().Warehouse, warehouse.DefaultURL), "duckdb://")
	if !dry || !isDuck || path == "" || path == ":memory:" {
		return f.openWarehouse(ctx)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		return f.openWarehouse(ctx)
	}
	return warehouse.Open(ctx, "duckdb://:memory:", warehouse.Options{Timeouts: f.Timeouts()})
}

// checkedStoreAndWarehouse validates the target name and that the lake
// holds the table before the warehouse is opened, so a typo changes
// nothing (not even a new DuckDB file).
func (f *Factory) checkedStoreAndWarehouse(ctx context.Context, name, into string, dry bool) (lake.Store, warehouse.Warehouse, error) {
	if err := checkInto("--into", into); err != nil {
		return nil, nil, err
	}
	store, err := f.Store(ctx)
	if err != nil {
		return nil, nil, err
	}
	if _, err := requireTable(ctx, f, store, name); err != nil {
		return nil, nil, err
	}
	wh, err := f.openWarehouseDry(ctx, dry)
	return store, wh, err
}

func runWarehouseLoad(cmd *cobra.Command, f *Factory, name string, o *loadFlags) error {
	store, err := f.Store(cmd.Context())
	if err != nil {
		return err
	}
	if _, err := requireTable(cmd.Context(), f, store, name); err != nil {
		return err
	}
	res, err := loadTable(cmd.Context(), f, name, o)
	if err != nil {
		return err
	}
	return f.IO.Render(res, func(w io.Writer) error { return printLoad(w, "loaded", res) })
}

// loadTable loads one lake table's new files into the warehouse.
func loadTable(ctx context.Context, f *Factory, name string, o *loadFlags) (*warehouse.LoadResult, error) {
	tc := f.Config().Tables[name]
	into := firstString(o.into, tc.Into)
	if err := checkInto("--into", into); err != nil {
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
	cursor := firstString(o.cursor, tc.Cursor)
	types, err := tablePartitionTypes(f.Config(), name)
	if err != nil {
		return nil, err
	}
	p := f.IO.Progress("load "+name, f.Logger())
	res, err := warehouse.Load(ctx, store, wh, warehouse.LoadOptions{
		Table:         name,
		Into:          into,
		Mode:          o.mode,
		Key:           firstNonEmpty(o.key, tc.Key),
		Cursor:        cursor,
		Parallel:      o.parallel,
		TransformFile: o.transform,
		DryRun:        o.dryRun,
		Logger:        f.Logger(),
		Progress:      p,

		PartitionTypes: types,
	})
	p.Done()
	return res, err
}

func runWarehouseReprocess(cmd *cobra.Command, f *Factory, name string, o *reprocessFlags) error {
	ctx := cmd.Context()
	if o.scaleTo > 0 {
		return runReprocessScaled(ctx, f, name, o)
	}
	tc := f.Config().Tables[name]
	into := firstString(o.into, tc.Into, name)
	store, wh, err := f.checkedStoreAndWarehouse(ctx, name, into, o.dryRun)
	if err != nil {
		return err
	}
	defer wh.Close()
	if err := f.restoreLeftover(ctx, store, wh, o.dryRun); err != nil {
		return err
	}
	types, err := tablePartitionTypes(f.Config(), name)
	if err != nil {
		return err
	}
	if err := confirm(f, fmt.Sprintf("reprocess empties %s in %s and reloads every file of lake table %s", into, wh.String(), name), o.yes, o.dryRun); err != nil {
		return err
	}
	p := f.IO.Progress("reprocess "+name, f.Logger())
	res, err := warehouse.Reprocess(ctx, store, wh, warehouse.ReprocessOptions{
		Table:    name,
		Into:     into,
		Key:      firstNonEmpty(o.key, tc.Key),
		Cursor:   firstString(o.cursor, tc.Cursor),
		Parallel: o.parallel,
		DryRun:   o.dryRun,
		Logger:   f.Logger(),
		Progress: p,

		PartitionTypes: types,
	})
	p.Done()
	if err != nil {
		return err
	}
	return f.IO.Render(res, func(w io.Writer) error { return printLoad(w, "reprocessed", res) })
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

func runWarehouseStatus(cmd *cobra.Command, f *Factory) error {
	ctx := cmd.Context()
	wh, err := f.openWarehouse(ctx)
	if err != nil {
		return err
	}
	defer wh.Close()
	st, err := warehouse.Status(ctx, wh, warehouse.StatusOptions{})
	if err != nil {
		return err
	}
	res := addSize(ctx, f, wh, st)
	return f.IO.Render(res, func(w io.Writer) error {
		fmt.Fprintf(w, "%s (%s)\n", res.Warehouse, res.Dialect)
		printSize(w, res)
		if res.Unreachable != "" {
			fmt.Fprintf(w, "unreachable: %s\n", res.Unreachable)
		}
		if len(res.Loads) == 0 {
			_, err := fmt.Fprintln(w, "no loads yet")
			return err
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "LOAD\tINTO\tFILES\tROWS\tBYTES\tLOADED AT")
		for _, l := range res.Loads {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\n", l.LoadID, l.Into, l.Files, l.Rows, humanBytes(l.Bytes), l.LoadedAt.UTC().Format("2006-01-02 15:04:05Z"))
		}
		return tw.Flush()
	})
}
