package cmd

import (
	"context"

	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/pipeline"
)

// extractPostgresJob is the extract-postgres job (runExtractPostgresJob,
// which the command's file keeps beside its options).
func extractPostgresJob(f *Factory) pipeline.KindFunc {
	return func(ctx context.Context, j config.Job, dryRun bool) (pipeline.Result, error) {
		var jr JobResult
		err := runExtractPostgresJob(ctx, f, j, dryRun, &jr)
		return pipeline.Result{Rows: jr.Rows, Files: jr.Files, Bytes: jr.Bytes, Value: jr.Result}, err
	}
}
