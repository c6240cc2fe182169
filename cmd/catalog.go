package cmd

import (
	"github.com/spf13/cobra"
)

func newCatalogCmd(f *Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "catalog",
		Short: "Schema versions of the lake's tables, their drift, and DDL",
	}
	var version int
	show := &cobra.Command{
		Use:   "show TABLE",
		Short: "Show a table's schema (latest or --version N)",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return runCatalogShow(cmd, f, args[0], version) },
	}
	show.Flags().IntVar(&version, "version", 0, "schema version (default: latest)")

	var dialect, location string
	ddl := &cobra.Command{
		Use:     "ddl TABLE --dialect redshift|athena|postgres|duckdb",
		Short:   "Print the DDL that creates the table in a dialect",
		Example: "  lakectl catalog ddl orders --dialect athena\n  lakectl catalog ddl orders --dialect athena --location s3://bucket/lake",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCatalogDDL(cmd, f, args[0], dialect, location)
		},
	}
	ddl.Flags().StringVar(&dialect, "dialect", "", "redshift, athena, postgres or duckdb")
	ddl.Flags().StringVar(&location, "location", "", "athena: the lake's S3 location s3://BUCKET/PREFIX (default: the lake's own, which must be on S3)")
	_ = ddl.MarkFlagRequired("dialect")

	c.AddCommand(
		&cobra.Command{
			Use:   "crawl [TABLE ...]",
			Short: "Read live files' footers and record a new schema version when one changed",
			RunE:  func(cmd *cobra.Command, args []string) error { return runCatalogCrawl(cmd, f, args) },
		},
		show,
		&cobra.Command{
			Use:   "history TABLE",
			Short: "List a table's schema versions",
			Args:  cobra.ExactArgs(1),
			RunE:  func(cmd *cobra.Command, args []string) error { return runCatalogHistory(cmd, f, args[0]) },
		},
		&cobra.Command{
			Use:   "diff TABLE [A [B]]",
			Short: "Column differences between two schema versions (default: previous and latest)",
			Args:  cobra.RangeArgs(1, 3),
			RunE:  func(cmd *cobra.Command, args []string) error { return runCatalogDiff(cmd, f, args) },
		},
		&cobra.Command{
			Use:   "check [TABLE ...]",
			Short: "Exit 3 when a table's schema changed in a breaking way",
			Long: `Compare the live files with the latest recorded schema version, and that version
with the one before. Exit 3 when a change is breaking (column dropped, type
narrowed or changed incompatibly), naming the column and the reason.`,
			RunE: func(cmd *cobra.Command, args []string) error { return runCatalogCheck(cmd, f, args) },
		},
		ddl,
		newCmdCatalogPublish(f, nil),
	)
	return c
}
