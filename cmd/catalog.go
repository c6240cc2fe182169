package cmd

import (
	"github.com/spf13/cobra"
)

func newCmdCatalog(f *Factory) *cobra.Command {
	return newGroupCmd("catalog", "Schema versions of the lake's tables, their drift, and DDL",
		newCmdCatalogCrawl(f, nil),
		newCmdCatalogShow(f, nil),
		newCmdCatalogHistory(f, nil),
		newCmdCatalogDiff(f, nil),
		newCmdCatalogCheck(f, nil),
		newCmdCatalogDDL(f, nil),
		newCmdCatalogPublish(f, nil),
	)
}
