package cmd

import (
	"github.com/spf13/cobra"
)

func newRebuildCmd(*Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "rebuild",
		Short: "Schema-change rebuilds of a warehouse table as a resumable runbook",
	}
	var migration string
	var scaleTo int
	var yes, dryRun bool
	plan := &cobra.Command{
		Use:   "plan TABLE --migration FILE.sql",
		Short: "Print the rebuild runbook: numbered steps with files, bytes and estimated time",
		Args:  cobra.ExactArgs(1),
		RunE:  notImplemented,
	}
	plan.Flags().StringVar(&migration, "migration", "", "SQL file with the schema change")
	plan.Flags().IntVar(&scaleTo, "scale-to", 0, "resize the cluster to N nodes for the rebuild")
	apply := &cobra.Command{
		Use:   "apply TABLE --migration FILE.sql",
		Short: "Run the rebuild, checkpointing every step and every loaded file",
		Args:  cobra.ExactArgs(1),
		RunE:  notImplemented,
	}
	apply.Flags().StringVar(&migration, "migration", "", "SQL file with the schema change")
	apply.Flags().IntVar(&scaleTo, "scale-to", 0, "resize the cluster to N nodes for the rebuild")
	apply.Flags().BoolVar(&yes, "yes", false, "do not ask for confirmation (required when not interactive)")
	apply.Flags().BoolVar(&dryRun, "dry-run", false, "print the plan; change nothing")
	c.AddCommand(plan, apply,
		&cobra.Command{Use: "resume [RUN]", Short: "Resume a crashed or interrupted rebuild", Args: cobra.MaximumNArgs(1), RunE: notImplemented},
		&cobra.Command{Use: "status", Short: "Show rebuild runs and their steps", Args: cobra.NoArgs, RunE: notImplemented},
	)
	return c
}
