package cmd

import (
	"context"

	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/pipeline"
)

// extractFilesJobKind is the extract-files job (extractFilesJob, which the
// command's file keeps beside its options).
func extractFilesJobKind(f *Factory) pipeline.KindFunc {
	return func(ctx context.Context, j config.Job, dryRun bool) (pipeline.Result, error) {
		r, plan, err := extractFilesJob(ctx, f, j, dryRun)
		if r == nil {
			return pipeline.Result{Value: orNil(plan)}, err
		}
		return pipeline.Result{Rows: r.Rows, Files: r.Files, Bytes: r.Bytes, Value: r}, err
	}
}

// orNil is s, or no result at all when it is empty.
func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}
