package cmd

import (
	"context"
	"errors"
	"fmt"

	"github.com/lakectl/lakectl/internal/clierr"
	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/pipeline"
)

// compactJob is the compact job: the command's compaction of each table.
func compactJob(f *Factory) pipeline.KindFunc {
	return func(ctx context.Context, j config.Job, dryRun bool) (pipeline.Result, error) {
		var res pipeline.Result
		var results []any
		var err error
		for _, t := range j.Tables {
			r, e := compactTable(ctx, f, t, &compactFlags{targetSize: j.TargetSize, dryRun: dryRun})
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
}
