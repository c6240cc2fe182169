package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/catalog"
	"github.com/lakectl/lakectl/internal/clierr"
	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/quality"
)

// checkOptions are the inputs of `lakectl check`.
type checkOptions struct {
	f      *Factory
	ctx    context.Context
	Tables []string // empty: every table with checks
	Accept bool
}

func newCmdCheck(f *Factory, runF func(*checkOptions) error) *cobra.Command {
	opts := &checkOptions{f: f}
	c := &cobra.Command{
		Use:   "check [TABLE ...]",
		Short: "Run the data-quality rules of tables (tables.<t>.checks) on the lake",
		Long: `Evaluate the data-quality rules configured per table (tables.<t>.checks:
row_count, freshness, unique, not_null, accepted_values, range, sql) with DuckDB
over the table's Parquet files. Rules over rows read only the files that are new
since the last passing check; each rule's observed value is kept under
_lakectl/checks/ for the next run. Exit 4 when a rule of severity error fails
(the failing rows stay "new" until they pass), 0 otherwise; warn rules only log.
See docs/quality.md.`,
		Example: `  lakectl check
  lakectl check orders customers -o json
  # the failing rows are known and wanted: check from the next new rows on
  lakectl check orders --accept`,
		RunE: runE(opts, runF, checkRun, tablesArgs(&opts.ctx, &opts.Tables)),
	}
	c.Flags().BoolVar(&opts.Accept, "accept", false, "record the rows read as checked even if rules fail (exit 0); later checks start after them")
	return c
}

func checkRun(opts *checkOptions) error {
	res, err := checkTables(opts.ctx, opts.f, opts.Tables, opts.Accept)
	if res != nil {
		if rerr := opts.f.IO.Render(res, func(w io.Writer) error { return printCheck(w, res) }); rerr != nil {
			return rerr
		}
	}
	return err
}

// checkTables runs the rules of the named tables (all tables with rules
// when none is named) and maps quality's errors to exit codes.
func checkTables(ctx context.Context, f *Factory, names []string, accept bool) (*quality.Result, error) {
	specs, err := tableRules(f.Config(), names)
	if err != nil {
		return nil, err
	}
	store, err := f.Store(ctx)
	if err != nil {
		return nil, err
	}
	folders, err := folderTypes(f.Config())
	if err != nil {
		return nil, err
	}
	res, err := quality.Check(ctx, store, specs, quality.Options{Logger: f.Logger(), Accept: accept, FolderTypes: folders})
	return res, qualityErr(err)
}

// folderTypes is tables.<t>.partition_types as DuckDB types, so rules see
// folder columns typed as the warehouse does.
func folderTypes(cfg *config.Config) (map[string]map[string]string, error) {
	all, err := partitionTypes(cfg)
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]string{}
	for name, types := range all {
		out[name] = map[string]string{}
		for k, t := range types {
			dt, err := catalog.ColumnType(catalog.DuckDB, schema.Column{Name: k, Type: t}, catalog.DDLOptions{})
			if err != nil {
				return nil, err
			}
			out[name][k] = dt
		}
	}
	return out, nil
}

func qualityErr(err error) error {
	var (
		failed *quality.FailedError
		rule   *quality.RuleError
	)
	switch {
	case errors.As(err, &failed):
		return &clierr.QualityError{Err: err}
	case errors.As(err, &rule):
		return input.Errorf("%v; fix the rule in the config file", err)
	}
	return err
}

// tableRules picks the configured rules of the named tables.
func tableRules(cfg *config.Config, names []string) ([]quality.TableRules, error) {
	if len(names) == 0 {
		for name, t := range cfg.Tables {
			if len(t.Checks) > 0 {
				names = append(names, name)
			}
		}
		if len(names) == 0 {
			return nil, input.Errorf("no table has checks: add tables.<table>.checks to the config file (see docs/quality.md)")
		}
		sort.Strings(names)
	}
	out := make([]quality.TableRules, 0, len(names))
	for _, name := range names {
		t := cfg.Tables[name]
		if len(t.Checks) == 0 {
			return nil, input.Errorf("table %s has no checks: add tables.%s.checks to the config file", name, name)
		}
		rules := make([]quality.Rule, len(t.Checks))
		for i, c := range t.Checks {
			rules[i] = quality.Rule(c)
		}
		out = append(out, quality.TableRules{Table: name, Rules: rules})
	}
	return out, nil
}

func printCheck(w io.Writer, res *quality.Result) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tRULE\tSEVERITY\tSTATUS\tOBSERVED")
	for _, r := range res.Rules {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Table, r.Rule, r.Severity, r.Status, r.Observed)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d rules: %d passed, %d failed, %d warned; %d new rows in %d files read in %.1fs\n",
		len(res.Rules), res.Passed, res.Failed, res.Warned, res.Rows, res.Files, res.DurationS)
	return err
}
