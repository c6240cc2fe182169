package cmd

import (
	"github.com/spf13/cobra"
)

func newCmdExtract(f *Factory) *cobra.Command {
	return newGroupCmd("extract", "Extract sources (MySQL tables, partner APIs, landed files) into the lake",
		newCmdExtractMySQL(f, nil),
		newCmdExtractPostgres(f, nil),
		newCmdExtractAPI(f, nil),
		newCmdExtractFiles(f, nil),
	)
}
