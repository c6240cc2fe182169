package cmd

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/demo"
)

// demoOptions are the inputs of `lakectl demo`.
type demoOptions struct {
	f   *Factory
	ctx context.Context
	demo.Options
}

func newCmdDemo(f *Factory, runF func(*demoOptions) error) *cobra.Command {
	opts := &demoOptions{f: f}
	c := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole pipeline on embedded defaults: sample API, local lake, DuckDB, a report",
		Long: `Run lakectl's whole pipeline with nothing to install: a sample partner API on
loopback, extracted twice a day apart (the second run finds transactions whose
status changed), compacted, cataloged and upserted into a DuckDB warehouse,
then a report that checks the warehouse against the lake.

Everything goes under --dir (by default lakectl/demo in the user's cache
directory, $XDG_CACHE_HOME or ~/.cache): sources/sample.json (the source spec),
lake/ and warehouse.duckdb, so you can look around with the other commands
afterwards. The report's last line says where it is.`,
		Example: `  lakectl demo
  lakectl demo --dir /tmp/lakectl-demo
  lakectl --lake /tmp/lakectl-demo/lake lake ls sample_transactions`,
		Args: cobra.NoArgs,
		RunE: runE(opts, runF, demoRun, noArgs(&opts.ctx)),
	}
	c.Flags().StringVar(&opts.Dir, "dir", "", "folder for the demo's sources, lake and warehouse (default: lakectl/demo in the user's cache directory)")
	c.Flags().IntVar(&opts.Days, "days", 3, "days of history the sample partner has")
	return c
}

func demoRun(opts *demoOptions) error {
	f := opts.f
	opts.Logger = f.Logger()
	rep, err := demo.Run(opts.ctx, opts.Options)
	if err != nil {
		return err
	}
	return f.IO.Render(rep, func(w io.Writer) error { return printDemo(w, rep) })
}

func printDemo(w io.Writer, r *demo.Report) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STEP\tROWS\tFILES\tBYTES\tSECONDS\tDETAIL")
	for _, s := range r.Steps {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%.2f\t%s\n", s.Name, s.Rows, s.Files, humanBytes(s.Bytes), s.DurationS, s.Detail)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nlake %s: %d versions of %d transactions\n", r.Lake, r.LakeVersions, r.LakeTransactions)
	fmt.Fprintf(w, "warehouse %s: %d rows, the latest version of each transaction: %s\n", r.Warehouse, r.WarehouseRows, map[bool]string{true: "consistent", false: "MISMATCH"}[r.Consistent])
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nSTATUS\tTRANSACTIONS\tCOMMISSION")
	for _, l := range r.ByStatus {
		fmt.Fprintf(tw, "%s\t%d\t%s\n", l.Status, l.Transactions, l.Commission)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\ndone in %.1fs; everything is under %s\nNext: lakectl --lake %s lake ls %s\n", r.DurationS, r.Dir, r.Lake, demo.Table)
	return err
}
