package cmd

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/catalog"
)

// catalogCheckOptions are the inputs of `lakectl catalog check`.
type catalogCheckOptions struct {
	f      *Factory
	ctx    context.Context
	Tables []string // empty: every table
}

func newCmdCatalogCheck(f *Factory, runF func(*catalogCheckOptions) error) *cobra.Command {
	opts := &catalogCheckOptions{f: f}
	return &cobra.Command{
		Use:   "check [TABLE ...]",
		Short: "Exit 3 when a table's schema changed in a breaking way",
		Long: `Compare the live files with the latest recorded schema version, and that version
with the one before. Exit 3 when a change is breaking (column dropped, type
narrowed or changed incompatibly), naming the column and the reason.`,
		RunE: runE(opts, runF, catalogCheckRun, tablesArgs(&opts.ctx, &opts.Tables)),
	}
}

func catalogCheckRun(opts *catalogCheckOptions) error {
	f, ctx := opts.f, opts.ctx
	store, types, err := catalogStore(ctx, f, opts.Tables)
	if err != nil {
		return err
	}
	res, err := catalog.Check(ctx, store, opts.Tables, catalog.CheckOptions{PartitionTypes: types})
	err = breakingConflict(err)
	if res == nil {
		return err
	}
	for i, t := range res.Tables {
		if t.NotCrawled {
			res.Tables[i].Note += "; run lakectl catalog crawl " + t.Table
		}
	}
	if rerr := f.IO.Render(res, func(w io.Writer) error { return printCatalogCheck(w, res) }); rerr != nil {
		return rerr
	}
	return err
}

func printCatalogCheck(w io.Writer, res *catalog.CheckResult) error {
	for _, t := range res.Tables {
		state := "ok"
		if t.Breaking {
			state = "BREAKING"
		}
		fmt.Fprintf(w, "%s v%d: %s", t.Table, t.Version, state)
		if t.Note != "" {
			fmt.Fprintf(w, " (%s)", t.Note)
		}
		fmt.Fprintln(w)
		for _, c := range t.Live {
			fmt.Fprintf(w, "  live files: %s\n", c)
		}
		for _, c := range t.Recorded {
			fmt.Fprintf(w, "  recorded:   %s\n", c)
		}
	}
	return nil
}
