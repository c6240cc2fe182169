package cmd

import (
	"github.com/spf13/cobra"
)

func newCmdWarehouse(f *Factory) *cobra.Command {
	return newGroupCmd("warehouse", "Load the lake into Redshift, PostgreSQL or DuckDB exactly once",
		newCmdWarehouseLoad(f, nil),
		newCmdWarehouseReprocess(f, nil),
		newCmdWarehouseScale(f, nil),
		newCmdWarehouseStatus(f, nil),
	)
}
