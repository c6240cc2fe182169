package cmd

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/lake/table"
)

// completionTimeout bounds a dynamic completion that reads the lake: a
// shell waiting on a slow bucket is worse than no suggestion.
const completionTimeout = 2 * time.Second

// flagValues are the fixed values of enum-like flags, by flag name.
var flagValues = map[string][]string{
	"dialect":    {"redshift", "athena", "postgres", "duckdb"},
	"mode":       {"append", "upsert", "replace"},
	"output":     {"text", "json"},
	"log-format": {"text", "json"},
	"log-level":  {"debug", "info", "warn", "error"},
	"format":     {"auto", "json", "jsonl", "csv"},
	"spatial":    {"wkb", "wkt"},
}

// addCompletions walks the tree once it is built: commands whose first
// argument is TABLE complete the lake's table names, `run` completes job
// names, enum flags their values and --migration its .sql files.
func addCompletions(f *Factory, c *cobra.Command) {
	for _, s := range c.Commands() {
		addCompletions(f, s)
	}
	args := strings.Fields(c.Use)
	if c.ValidArgsFunction == nil && len(args) > 1 {
		switch strings.Trim(args[1], "[]") {
		case "TABLE", "TABLE ...":
			c.ValidArgsFunction = f.completeTables
		case "JOB":
			c.ValidArgsFunction = f.completeJobs
		}
	}
	for name, values := range flagValues {
		if c.LocalFlags().Lookup(name) == nil && c.PersistentFlags().Lookup(name) == nil {
			continue
		}
		_ = c.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
	}
	if c.LocalFlags().Lookup("migration") != nil {
		_ = c.RegisterFlagCompletionFunc("migration", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return []string{"sql"}, cobra.ShellCompDirectiveFilterFileExt
		})
	}
}

// completeTables lists the lake's tables, within completionTimeout.
func (f *Factory) completeTables(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
	if err := f.setup(cmd); err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ctx, cancel := context.WithTimeout(context.Background(), completionTimeout)
	defer cancel()
	store, err := f.Store(ctx)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	defer f.Close()
	names, _ := table.List(ctx, store)
	return names, cobra.ShellCompDirectiveNoFileComp
}

// completeJobs lists the configured jobs' names.
func (f *Factory) completeJobs(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
	if err := f.setup(cmd); err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var names []string
	for _, j := range f.Config().Jobs {
		names = append(names, j.Name)
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}
