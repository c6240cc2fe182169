package cmd

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/internal/inorder"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/compact"
	"github.com/lakectl/lakectl/lake/table"
)

// TableSummary is one line of `lake ls`.
type TableSummary struct {
	Table      string `json:"table"`
	Partitions int    `json:"partitions"`
	Files      int    `json:"files"`
	Rows       int64  `json:"rows"`
	Bytes      int64  `json:"bytes"`
	SmallFiles int    `json:"small_files"`
	// UnfinishedCommits counts transactions of runs that died; the next
	// command on the table or `lake doctor --repair` settles them.
	UnfinishedCommits int `json:"unfinished_commits"`
}

// LakeListing is the result of `lake ls`: every table, or one table's
// partitions.
type LakeListing struct {
	Lake       string                   `json:"lake"`
	Tables     []TableSummary           `json:"tables,omitempty"`
	Table      string                   `json:"table,omitempty"`
	Partitions []table.PartitionSummary `json:"partitions,omitempty"`
}

// lakeLsOptions are the inputs of `lakectl lake ls`.
type lakeLsOptions struct {
	f     *Factory
	ctx   context.Context
	Table string // empty: every table
}

func newCmdLakeLs(f *Factory, runF func(*lakeLsOptions) error) *cobra.Command {
	opts := &lakeLsOptions{f: f}
	return &cobra.Command{
		Use:   "ls [TABLE]",
		Short: "List tables, or one table's partitions: files, rows, bytes, small files",
		Example: `  lakectl lake ls
  lakectl --lake s3://bucket/lake lake ls orders -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: runE(opts, runF, lakeLsRun, tableArg(&opts.ctx, &opts.Table)),
	}
}

func lakeLsRun(opts *lakeLsOptions) error {
	f, ctx := opts.f, opts.ctx
	store, err := f.lakeStore(ctx)
	if err != nil {
		return err
	}
	res := LakeListing{Lake: f.Config().Lake}
	if opts.Table != "" {
		res.Table = opts.Table
		res.Partitions, err = tablePartitions(ctx, f, store, opts.Table, true)
		if err != nil {
			return err
		}
		return f.IO.Render(res, func(w io.Writer) error { return printPartitions(w, res.Partitions) })
	}
	if res.Tables, err = tableSummaries(ctx, f, store); err != nil {
		return err
	}
	return f.IO.Render(res, func(w io.Writer) error { return printTables(w, res.Tables) })
}

// tableSummaries sums every table's partitions.
func tableSummaries(ctx context.Context, f *Factory, store lake.Store) ([]TableSummary, error) {
	names, err := table.List(ctx, store)
	if err != nil {
		return nil, err
	}
	// Each table is a listing and its commit records: summarize
	// summariesAtOnce tables at a time, in order.
	summarize := func(ctx context.Context, name string) (TableSummary, error) {
		parts, err := tablePartitions(ctx, f, store, name, false)
		if err != nil {
			return TableSummary{}, err
		}
		s := TableSummary{Table: name, Partitions: len(parts)}
		if s.UnfinishedCommits, err = unfinished(ctx, store, name); err != nil {
			return TableSummary{}, err
		}
		for _, p := range parts {
			s.Files += p.Files
			s.Rows += p.Rows
			s.Bytes += p.Bytes
			s.SmallFiles += p.SmallFiles
		}
		return s, nil
	}
	out := []TableSummary{}
	err = inorder.Fetch(ctx, names, summariesAtOnce, summarize, func(_ string, s TableSummary, err error) error {
		out = append(out, s)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// summariesAtOnce is how many tables lake ls summarizes at once.
const summariesAtOnce = 4

// tablePartitions summarizes a table; with mustExist, a table without
// files is an error that says how to find the right name.
// Small files are those compaction would rewrite at the table's target.
func tablePartitions(ctx context.Context, f *Factory, store lake.Store, name string, mustExist bool) ([]table.PartitionSummary, error) {
	tbl, err := table.Open(store, name)
	if mustExist {
		tbl, err = requireTable(ctx, f, store, name)
	}
	if err != nil {
		return nil, err
	}
	target, err := config.ParseSize("target_size of table "+name, f.Config().Tables[name].TargetSize)
	if err != nil {
		return nil, err
	}
	if target == 0 {
		target = compact.DefaultTargetFileBytes
	}
	parts, err := tbl.Partitions(ctx, compact.SmallFileThreshold(target))
	if err != nil {
		return nil, err
	}
	if mustExist && len(parts) == 0 {
		return nil, fmt.Errorf("table %s has no files in this lake; 'lakectl lake ls' lists the tables", name)
	}
	return parts, nil
}

func printTables(w io.Writer, ts []TableSummary) error {
	if len(ts) == 0 {
		_, err := fmt.Fprintln(w, "no tables")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tPARTITIONS\tFILES\tROWS\tBYTES\tSMALL FILES")
	for _, t := range ts {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%d\n", t.Table, t.Partitions, t.Files, t.Rows, humanBytes(t.Bytes), t.SmallFiles)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, t := range ts {
		if t.UnfinishedCommits > 0 {
			fmt.Fprintf(w, "%s: %d unfinished commit(s) of a run that died, readers may see it torn; 'lakectl lake doctor --repair' finishes them\n", t.Table, t.UnfinishedCommits)
		}
	}
	return nil
}

func unfinished(ctx context.Context, store lake.Store, name string) (int, error) {
	tbl, err := table.Open(store, name)
	if err != nil {
		return 0, err
	}
	return tbl.Unfinished(ctx)
}

func printPartitions(w io.Writer, ps []table.PartitionSummary) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PARTITION\tFILES\tROWS\tBYTES\tSMALL FILES")
	for _, p := range ps {
		name := p.Partition
		if name == "" {
			name = "(none)"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%d\n", name, p.Files, p.Rows, humanBytes(p.Bytes), p.SmallFiles)
	}
	return tw.Flush()
}
