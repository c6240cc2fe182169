package cmd

import (
	"context"
	"errors"
	"os"

	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/pipeline"
	"github.com/lakectl/lakectl/warehouse"
)

// loadJob is the load job: the command's load of each table. A failed
// check earlier in the run holds back its tables (pipeline.Holdable).
type loadJob struct{ f *Factory }

func (loadJob) Holdable() {}

func (k loadJob) Run(ctx context.Context, j config.Job, dryRun bool) (pipeline.Result, error) {
	return perTable(j.Tables, func(t string) (pipeline.Result, error) {
		r, err := loadTable(ctx, k.f, t, &loadFlags{into: j.Into, mode: j.Mode, key: j.Key, transform: j.Transform, cursor: j.Cursor, dryRun: dryRun})
		if r == nil {
			return pipeline.Result{}, err
		}
		return pipeline.Result{Rows: r.Rows, Files: int64(r.Files), Bytes: r.Bytes, Value: r}, err
	})
}

// Validate checks the tables, the transform file, and each table's
// target, mode and key (the job's, else tables.<t>'s) as the load does
// before it opens the lake or the warehouse.
func (k loadJob) Validate(_ context.Context, j config.Job) error {
	if err := jobTables(j, true); err != nil {
		return err
	}
	if j.Transform != "" {
		if _, err := os.Stat(j.Transform); err != nil {
			return input.Errorf("%s %s: %v", input.Option("transform"), j.Transform, errors.Unwrap(err))
		}
	}
	for _, t := range j.Tables {
		tc := k.f.Config().Tables[t]
		into := firstString(j.Into, tc.Into)
		if err := checkInto("into", into); err != nil {
			return err
		}
		o := warehouse.LoadOptions{Table: t, Into: into, Mode: j.Mode, Key: firstNonEmpty(j.Key, tc.Key)}
		if err := o.Validate(); err != nil {
			return err
		}
	}
	return nil
}
