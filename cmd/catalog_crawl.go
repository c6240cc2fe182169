package cmd

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/catalog"
)

// catalogCrawlOptions are the inputs of `lakectl catalog crawl`.
type catalogCrawlOptions struct {
	f      *Factory
	ctx    context.Context
	Tables []string // empty: every table
}

func newCmdCatalogCrawl(f *Factory, runF func(*catalogCrawlOptions) error) *cobra.Command {
	opts := &catalogCrawlOptions{f: f}
	return &cobra.Command{
		Use:   "crawl [TABLE ...]",
		Short: "Read live files' footers and record a new schema version when one changed",
		RunE:  runE(opts, runF, catalogCrawlRun, tablesArgs(&opts.ctx, &opts.Tables)),
	}
}

func catalogCrawlRun(opts *catalogCrawlOptions) error {
	f, ctx := opts.f, opts.ctx
	store, types, err := catalogStore(ctx, f, opts.Tables)
	if err != nil {
		return err
	}
	res, err := catalog.Crawl(ctx, store, opts.Tables, catalog.CrawlOptions{Logger: f.Logger(), Progress: f.IO.Progress("crawl", f.Logger()), PartitionTypes: types})
	err = breakingConflict(err)
	if res == nil {
		return err
	}
	if rerr := f.IO.Render(res, func(w io.Writer) error { return printCrawl(w, res) }); rerr != nil {
		return rerr
	}
	return err
}

func printCrawl(w io.Writer, res *catalog.CrawlResult) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tFILES\tFOOTERS READ\tROWS\tVERSION\tCHANGE")
	for _, t := range res.Tables {
		change := t.Change
		switch {
		case t.Error != "" && t.Recorded:
			change += "; not recorded: " + t.Error
		case t.Error != "":
			change = "error: " + t.Error
		case !t.Recorded:
			change = "unchanged"
		}
		if t.Note != "" {
			change += " (" + t.Note + ")"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\tv%d\t%s\n", t.Table, t.Files, t.FootersRead, t.Rows, t.Version, change)
	}
	return tw.Flush()
}
