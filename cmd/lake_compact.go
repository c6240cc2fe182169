package cmd

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/lake/compact"
)

// compactFlags are a compaction's parameters: the command's flags, or a
// compact job's keys (`run` builds them too).
type compactFlags struct {
	partitions []string
	targetSize string
	dryRun     bool
}

// lakeCompactOptions are the inputs of `lakectl lake compact`.
type lakeCompactOptions struct {
	f     *Factory
	ctx   context.Context
	Table string
	compactFlags
}

func newCmdLakeCompact(f *Factory, runF func(*lakeCompactOptions) error) *cobra.Command {
	opts := &lakeCompactOptions{f: f}
	c := &cobra.Command{
		Use:   "compact TABLE",
		Short: "Rewrite each partition's small files into files near the target size",
		Example: `  lakectl lake compact orders --dry-run
  lakectl lake compact orders --partition created_at_day=2026-11-23 --target-size 256MiB`,
		Args: cobra.ExactArgs(1),
		RunE: runE(opts, runF, lakeCompactRun, tableArg(&opts.ctx, &opts.Table)),
	}
	c.Flags().StringArrayVar(&opts.partitions, "partition", nil, "only this partition K=V (repeatable)")
	c.Flags().StringVar(&opts.targetSize, "target-size", "", "output file size, e.g. 256MiB (default 128MiB)")
	c.Flags().BoolVar(&opts.dryRun, "dry-run", false, "print the plan and change nothing")
	return c
}

func lakeCompactRun(opts *lakeCompactOptions) error {
	f, ctx := opts.f, opts.ctx
	if err := f.requireStoreTable(ctx, opts.Table); err != nil {
		return err
	}
	res, err := compactTable(ctx, f, opts.Table, &opts.compactFlags)
	if res == nil {
		return err
	}
	if rerr := f.IO.Render(res, func(w io.Writer) error { return printCompact(w, res) }); rerr != nil {
		return rerr
	}
	return err
}

// compactTable compacts one table and keeps the catalog current.
func compactTable(ctx context.Context, f *Factory, name string, o *compactFlags) (*compact.Result, error) {
	co, err := o.compactOptions(f.Config(), name)
	if err != nil {
		return nil, err
	}
	store, err := f.Store(ctx)
	if err != nil {
		return nil, err
	}
	p := f.IO.Progress("compact "+name, f.Logger())
	co.Logger, co.Progress = f.Logger(), p
	res, err := compact.Compact(ctx, store, co)
	p.Done()
	if res != nil && !res.DryRun && res.Files > 0 {
		f.syncCatalog(ctx, store, name)
	}
	return res, err
}

// compactOptions resolves a compaction of lake table name against the
// config: --target-size (or the job's target_size) wins over
// tables.<name>.target_size.
func (o *compactFlags) compactOptions(cfg *config.Config, name string) (compact.Options, error) {
	tc := cfg.Tables[name]
	target, err := config.ParseSize("--target-size", firstString(o.targetSize, tc.TargetSize))
	return compact.Options{
		Table:           name,
		Partitions:      o.partitions,
		TargetFileBytes: target,
		SortBy:          tc.SortBy,
		Codec:           tc.Codec,
		DryRun:          o.dryRun,
	}, err
}

func printCompact(w io.Writer, res *compact.Result) error {
	verb := "compacted"
	if res.DryRun {
		verb = "would compact"
	}
	for _, pr := range res.Partitions {
		part := pr.Partition
		if part == "" {
			part = "(none)"
		}
		fmt.Fprintf(w, "%s %s: %d files (%s) -> %d files (%s), %d rows\n", verb, part, pr.InputFiles, humanBytes(pr.InputBytes), pr.Files, humanBytes(pr.Bytes), pr.Rows)
	}
	if len(res.Skipped) > 0 {
		fmt.Fprintf(w, "already compact: %s\n", strings.Join(res.Skipped, ", "))
	}
	for _, p := range res.Problems {
		fmt.Fprintf(w, "left in place: %s\n", p)
	}
	_, err := fmt.Fprintf(w, "%s %s: %d files (%s) -> %d files (%s), %d rows in %.1fs\n", verb, res.Table, res.InputFiles, humanBytes(res.InputBytes), res.Files, humanBytes(res.Bytes), res.Rows, res.DurationS)
	return err
}
