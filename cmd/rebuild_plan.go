package cmd

import (
	"context"

	"github.com/spf13/cobra"
)

// rebuildSpec is what `rebuild plan` and `rebuild apply` share: the lake
// table, its migration and how to load it.
type rebuildSpec struct {
	Table     string
	Migration string
	// Into is --into; into() falls back to the table's config.
	Into       string
	ScaleTo    int
	BatchFiles int
}

func (s *rebuildSpec) addFlags(c *cobra.Command) {
	fl := c.Flags()
	fl.StringVar(&s.Migration, "migration", "", "SQL file that creates {{.NewTable}} with the new schema (see docs/rebuild.md)")
	fl.StringVar(&s.Into, "into", "", "warehouse table SCHEMA.TABLE (default: the lake table's name)")
	fl.IntVar(&s.ScaleTo, "scale-to", 0, "resize the cluster to N nodes (serverless: RPUs) for the rebuild, restore afterwards")
	fl.IntVar(&s.BatchFiles, "batch-files", 0, "lake files per load transaction and checkpoint (default 1; Redshift 16)")
	_ = c.MarkFlagRequired("migration")
}

// into is the warehouse table: --into, else the table's into in the
// config, else "" (the lake table's name).
func (s *rebuildSpec) into(f *Factory) string {
	return firstString(s.Into, f.Config().Tables[s.Table].Into)
}

// rebuildPlanOptions are the parsed flags of `rebuild plan`.
type rebuildPlanOptions struct {
	f   *Factory
	ctx context.Context
	rebuildSpec
}

// newCmdRebuildPlan parses `rebuild plan TABLE` into options; runF does
// the work (rebuildPlanRun, or a test's capture).
func newCmdRebuildPlan(f *Factory, runF func(*rebuildPlanOptions) error) *cobra.Command {
	opts := &rebuildPlanOptions{f: f}
	c := &cobra.Command{
		Use:   "plan TABLE --migration FILE.sql",
		Short: "Print the rebuild runbook: numbered steps with files, bytes and estimated time",
		Example: `  lakectl rebuild plan orders --migration orders_amount_decimal.sql
  lakectl rebuild plan orders --migration m.sql --scale-to 8 -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ctx, opts.Table = cmd.Context(), args[0]
			if runF == nil {
				runF = rebuildPlanRun
			}
			return runF(opts)
		},
	}
	opts.addFlags(c)
	return c
}

// rebuildPlanRun is `rebuild apply --dry-run`.
func rebuildPlanRun(opts *rebuildPlanOptions) error {
	return rebuildApplyRun(&rebuildApplyOptions{f: opts.f, ctx: opts.ctx, rebuildSpec: opts.rebuildSpec, DryRun: true})
}
