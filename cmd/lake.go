package cmd

import (
	"github.com/spf13/cobra"
)

func newLakeCmd(f *Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "lake",
		Short: "Inspect and maintain the lake's tables",
	}
	c.AddCommand(newLakeLsCmd(f), newLakeCompactCmd(f), newCmdLakeDoctor(f, nil))
	return c
}

func newLakeLsCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "ls [TABLE]",
		Short: "List tables, or one table's partitions: files, rows, bytes, small files",
		Example: `  lakectl lake ls
  lakectl --lake s3://bucket/lake lake ls orders -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runLakeLs(cmd, f, args) },
	}
}

type compactFlags struct {
	partitions []string
	targetSize string
	dryRun     bool
}

func newLakeCompactCmd(f *Factory) *cobra.Command {
	var o compactFlags
	c := &cobra.Command{
		Use:   "compact TABLE",
		Short: "Rewrite each partition's small files into files near the target size",
		Example: `  lakectl lake compact orders --dry-run
  lakectl lake compact orders --partition created_at_day=2026-11-23 --target-size 256MiB`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runLakeCompact(cmd, f, args[0], &o) },
	}
	c.Flags().StringArrayVar(&o.partitions, "partition", nil, "only this partition K=V (repeatable)")
	c.Flags().StringVar(&o.targetSize, "target-size", "", "output file size, e.g. 256MiB (default 128MiB)")
	c.Flags().BoolVar(&o.dryRun, "dry-run", false, "print the plan and change nothing")
	return c
}
