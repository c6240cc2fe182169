package cmd

import (
	"github.com/spf13/cobra"
)

func newCmdLake(f *Factory) *cobra.Command {
	return newGroupCmd("lake", "Inspect and maintain the lake's tables",
		newCmdLakeLs(f, nil),
		newCmdLakeCompact(f, nil),
		newCmdLakeDoctor(f, nil),
	)
}
