package cmd

import "github.com/spf13/cobra"

// Commands whose library has not landed yet: they say so and exit 1.

func runWarehouseLoad(cmd *cobra.Command, _ *Factory, _ string, _ *loadFlags) error {
	return notImplemented(cmd, nil)
}
func runWarehouseReprocess(cmd *cobra.Command, _ *Factory, _ string, _ *reprocessFlags) error {
	return notImplemented(cmd, nil)
}
func runWarehouseStatus(cmd *cobra.Command, _ *Factory) error { return notImplemented(cmd, nil) }
