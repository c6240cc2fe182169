package cmd

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/catalog"
	"github.com/lakectl/lakectl/lake"
)

// catalogHistoryOptions are the inputs of `lakectl catalog history`.
type catalogHistoryOptions struct {
	f     *Factory
	ctx   context.Context
	Table string
}

func newCmdCatalogHistory(f *Factory, runF func(*catalogHistoryOptions) error) *cobra.Command {
	opts := &catalogHistoryOptions{f: f}
	return &cobra.Command{
		Use:   "history TABLE",
		Short: "List a table's schema versions",
		Args:  cobra.ExactArgs(1),
		RunE:  runE(opts, runF, catalogHistoryRun, tableArg(&opts.ctx, &opts.Table)),
	}
}

func catalogHistoryRun(opts *catalogHistoryOptions) error {
	f, ctx, name := opts.f, opts.ctx, opts.Table
	store, err := f.Store(ctx)
	if err != nil {
		return err
	}
	vs, err := catalog.History(ctx, store, name)
	if err != nil {
		return noVersion(ctx, f, store, name, 0, err)
	}
	if len(vs) == 0 {
		return noVersion(ctx, f, store, name, 0, lake.ErrNotExist)
	}
	res := struct {
		Table    string            `json:"table"`
		Versions []catalog.Version `json:"versions"`
	}{name, vs}
	return f.IO.Render(res, func(w io.Writer) error {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "VERSION\tTIME\tCOLUMNS\tFILES\tCHANGE")
		for _, v := range vs {
			fmt.Fprintf(tw, "v%d\t%s\t%d\t%d\t%s\n", v.N, v.Time.UTC().Format("2006-01-02 15:04:05Z"), len(v.Schema.Columns), v.Files, v.Change)
		}
		return tw.Flush()
	})
}
