package cmd

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	"github.com/lakectl/lakectl/internal/clierr"
	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/lake/compact"
	"github.com/lakectl/lakectl/pipeline"
)

// compactJob is the compact job: the command's compaction of each table.
type compactJob struct{ f *Factory }

func (k compactJob) Run(ctx context.Context, j config.Job, dryRun bool) (pipeline.Result, error) {
	var res pipeline.Result
	var results []any
	var err error
	for _, t := range j.Tables {
		r, e := compactTable(ctx, k.f, t, &compactFlags{targetSize: j.TargetSize, dryRun: dryRun})
		if dryRun && clierr.Code(e) == clierr.ExitUsage {
			// The extract before it has not run: nothing to plan yet.
			results = append(results, fmt.Sprintf("%s: %v", t, e))
			continue
		}
		if r != nil {
			res.Rows, res.Files, res.Bytes = res.Rows+r.Rows, res.Files+r.Files, res.Bytes+r.Bytes
			results = append(results, r)
		}
		err = errors.Join(err, e)
	}
	res.Value = results
	return res, err
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
