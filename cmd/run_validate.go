package cmd

import (
	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/lake/table"
	"github.com/lakectl/lakectl/pipeline"
)

// intKey is a job's integer key and its value.
type intKey struct {
	opt input.Option
	n   int
}

// positiveKeys refuses a job's integer key below 1 when the config file
// gives it, as the commands refuse --parallel 0 (a key left out is 0
// too, and keeps the default).
func positiveKeys(f *Factory, j config.Job, keys ...intKey) error {
	for _, k := range keys {
		if k.n < 0 || k.n == 0 && jobGives(f, j.Name, pipeline.ConfigKey(k.opt)) {
			return input.Errorf("%s %d: must be 1 or more", k.opt, k.n)
		}
	}
	return nil
}

// jobGives reports whether the config file gives the key of the named job.
func jobGives(f *Factory, name, key string) bool {
	if f.Loader == nil {
		return false
	}
	jobs, _ := f.Loader.Viper().Get("jobs").([]any)
	for _, j := range jobs {
		if m, ok := j.(map[string]any); ok && m["name"] == name {
			_, ok := m[key]
			return ok
		}
	}
	return false
}

// jobTables refuses a job's table name that no lake table can have, and,
// when required, a job without tables (its command takes at least one).
func jobTables(j config.Job, required bool) error {
	if required && len(j.Tables) == 0 {
		return input.Errorf("%s: name at least one lake table", input.Option("tables"))
	}
	for _, t := range j.Tables {
		if err := table.ValidateName(t); err != nil {
			return input.Errorf("%s: %w", input.Option("tables"), err)
		}
	}
	return nil
}

// partitionRule refuses a partition rule the extract could not parse,
// naming the key (the rule's own message names only the rule).
func partitionRule(rule string) error {
	if _, err := table.ParsePartitionRule(rule); err != nil {
		return input.Errorf("%s: %w", input.Option("partition-by"), err)
	}
	return nil
}
