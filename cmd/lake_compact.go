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

func runLakeCompact(cmd *cobra.Command, f *Factory, name string, o *compactFlags) error {
	store, err := f.Store(cmd.Context())
	if err != nil {
		return err
	}
	if _, err := requireTable(cmd.Context(), f, store, name); err != nil {
		return err
	}
	res, err := compactTable(cmd.Context(), f, name, o)
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
	tc := f.Config().Tables[name]
	sizeFlag := o.targetSize
	if sizeFlag == "" {
		sizeFlag = tc.TargetSize
	}
	target, err := config.ParseSize("--target-size", sizeFlag)
	if err != nil {
		return nil, err
	}
	store, err := f.Store(ctx)
	if err != nil {
		return nil, err
	}
	p := f.IO.Progress("compact "+name, f.Logger())
	res, err := compact.Compact(ctx, store, compact.Options{
		Table:           name,
		Partitions:      o.partitions,
		TargetFileBytes: target,
		SortBy:          tc.SortBy,
		Codec:           tc.Codec,
		DryRun:          o.dryRun,
		Logger:          f.Logger(),
		Progress:        p,
	})
	p.Done()
	if res != nil && !res.DryRun && res.Files > 0 {
		f.syncCatalog(ctx, store, name)
	}
	return res, err
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
