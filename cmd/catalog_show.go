package cmd

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/catalog"
)

// catalogShowOptions are the inputs of `lakectl catalog show`.
type catalogShowOptions struct {
	f       *Factory
	ctx     context.Context
	Table   string
	Version int // 0: the latest
}

func newCmdCatalogShow(f *Factory, runF func(*catalogShowOptions) error) *cobra.Command {
	opts := &catalogShowOptions{f: f}
	c := &cobra.Command{
		Use:   "show TABLE",
		Short: "Show a table's schema (latest or --version N)",
		Args:  cobra.ExactArgs(1),
		RunE:  runE(opts, runF, catalogShowRun, tableArg(&opts.ctx, &opts.Table)),
	}
	c.Flags().IntVar(&opts.Version, "version", 0, "schema version (default: latest)")
	return c
}

func catalogShowRun(opts *catalogShowOptions) error {
	f, ctx, name := opts.f, opts.ctx, opts.Table
	store, err := f.Store(ctx)
	if err != nil {
		return err
	}
	var v *catalog.Version
	if opts.Version > 0 {
		v, err = catalog.Get(ctx, store, name, opts.Version)
	} else {
		v, err = catalog.Latest(ctx, store, name)
	}
	if err != nil {
		return noVersion(ctx, f, store, name, opts.Version, err)
	}
	return f.IO.Render(v, func(w io.Writer) error { return printSchema(w, name, v) })
}

func printSchema(w io.Writer, name string, v *catalog.Version) error {
	fmt.Fprintf(w, "%s v%d (%s, %d files, fingerprint %s)\n", name, v.N, v.Time.UTC().Format("2006-01-02 15:04:05Z"), v.Files, v.Fingerprint)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COLUMN\tTYPE\tNULLABLE")
	for _, c := range v.Schema.Columns {
		fmt.Fprintf(tw, "%s\t%s\t%v\n", c.Name, c.Type, c.Nullable)
	}
	for _, p := range v.Partitions {
		fmt.Fprintf(tw, "%s\t%s\tpartition\n", p.Name, p.Type)
	}
	return tw.Flush()
}
