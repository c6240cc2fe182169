package cmd

import (
	"cmp"
	"context"
	"fmt"

	"github.com/lakectl/lakectl/internal/clierr"
	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/lake/compact"
	"github.com/lakectl/lakectl/pipeline"
)

// compactJob is the compact job: the command's compaction of each table.
type compactJob struct{ f *Factory }

func (k compactJob) Run(ctx context.Context, j config.Job, dryRun bool) (pipeline.Result, error) {
	return perTable(j.Tables, func(t string) (pipeline.Result, error) {
		r, err := compactTable(ctx, k.f, t, &compactFlags{targetSize: j.TargetSize, dryRun: dryRun})
		if dryRun && clierr.Code(err) == clierr.ExitUsage {
			// The extract before it has not run: nothing to plan yet.
			return pipeline.Result{Value: fmt.Sprintf("%s: %v", t, err)}, nil
		}
		if r == nil {
			return pipeline.Result{}, err
		}
		return pipeline.Result{Rows: r.Rows, Files: r.Files, Bytes: r.Bytes, Value: r}, err
	})
}

// Validate checks the tables and each one's target size (the job's, else
// tables.<t>'s) and codec as the compaction does before it opens them.
func (k compactJob) Validate(_ context.Context, j config.Job) error {
	if err := jobTables(j, true); err != nil {
		return err
	}
	for _, t := range j.Tables {
		tc := k.f.Config().Tables[t]
		size, err := config.ParseSize("target_size", cmp.Or(j.TargetSize, tc.TargetSize))
		if err != nil {
			return err
		}
		if err := (compact.Options{Table: t, TargetFileBytes: size, Codec: tc.Codec}).Validate(); err != nil {
			return err
		}
	}
	return nil
}
