package cmd

import (
	"github.com/spf13/cobra"
)

type loadFlags struct {
	into, mode, transform, cursor string
	key                           []string
	parallel                      int
	dryRun                        bool
}

type reprocessFlags struct {
	into     string
	key      []string
	cursor   string
	scaleTo  int
	parallel int
	dryRun   bool
	yes      bool
}

type scaleFlags struct {
	nodes, rpu                 int
	wait, dryRun, yes, restore bool
}

func newWarehouseCmd(f *Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "warehouse",
		Short: "Load the lake into Redshift, PostgreSQL or DuckDB exactly once",
	}

	var lo loadFlags
	load := &cobra.Command{
		Use:   "load TABLE",
		Short: "Load the lake files of TABLE that the warehouse has not loaded yet, exactly once",
		Example: `  lakectl warehouse load orders
  lakectl --warehouse postgres://etl@db/dw warehouse load orders --mode upsert --key id
  lakectl --warehouse 'redshift://etl@cluster:5439/dw?iam_role=arn:aws:iam::1:role/copy' warehouse load orders --dry-run`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runWarehouseLoad(cmd, f, args[0], &lo) },
	}
	lf := load.Flags()
	lf.StringVar(&lo.into, "into", "", "target SCHEMA.TABLE (default: the lake table's name)")
	lf.StringVar(&lo.mode, "mode", "append", "append, upsert or replace")
	lf.StringSliceVar(&lo.key, "key", nil, "key columns for --mode upsert")
	lf.StringVar(&lo.cursor, "cursor", "", "column whose latest value wins when upsert finds a key twice")
	lf.IntVar(&lo.parallel, "parallel", 0, "files loaded in parallel where the driver gains")
	lf.StringVar(&lo.transform, "transform", "", "SQL file run after staging, in the same transaction")
	lf.BoolVar(&lo.dryRun, "dry-run", false, "print files, bytes, statements and manifest; change nothing")

	var ro reprocessFlags
	reprocess := &cobra.Command{
		Use:   "reprocess TABLE",
		Short: "Empty the warehouse table and reload every lake file",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return runWarehouseReprocess(cmd, f, args[0], &ro) },
	}
	rf := reprocess.Flags()
	rf.StringVar(&ro.into, "into", "", "target SCHEMA.TABLE (default: the lake table's name)")
	rf.StringSliceVar(&ro.key, "key", nil, "key columns: reload keeping the latest version of each key, as an upsert load does")
	rf.StringVar(&ro.cursor, "cursor", "", "column whose latest value wins when --key finds a key twice")
	rf.IntVar(&ro.scaleTo, "scale-to", 0, "resize the cluster to N nodes (serverless: RPUs) first, restore afterwards")
	rf.IntVar(&ro.parallel, "parallel", 0, "files loaded in parallel where the driver gains")
	rf.BoolVar(&ro.dryRun, "dry-run", false, "print the plan; change nothing")
	rf.BoolVar(&ro.yes, "yes", false, "do not ask for confirmation (required when not interactive)")

	var so scaleFlags
	scale := &cobra.Command{
		Use:   "scale (--nodes N | --rpu N | --restore)",
		Short: "Resize a Redshift cluster (serverless: base RPUs)",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return runWarehouseScale(cmd, f, &so) },
	}
	sf := scale.Flags()
	sf.IntVar(&so.nodes, "nodes", 0, "node count of the provisioned cluster")
	sf.IntVar(&so.rpu, "rpu", 0, "base capacity of the serverless workgroup, in RPUs")
	sf.BoolVar(&so.wait, "wait", false, "wait until the resize has finished")
	sf.BoolVar(&so.dryRun, "dry-run", false, "print the plan; change nothing")
	sf.BoolVar(&so.yes, "yes", false, "do not ask for confirmation")
	sf.BoolVar(&so.restore, "restore", false, "restore the size recorded by a --scale-to run that did not finish")
	scale.MarkFlagsMutuallyExclusive("nodes", "rpu", "restore")

	status := &cobra.Command{
		Use:   "status",
		Short: "Show the warehouse's size, state and load history",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return runWarehouseStatus(cmd, f) },
	}
	c.AddCommand(load, reprocess, scale, status)
	return c
}
