package cmd

import (
	"context"

	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/pipeline"
)

// publishJob is the publish job (runPublishJob, which the command's file
// keeps beside its options).
func publishJob(f *Factory) pipeline.KindFunc {
	return func(ctx context.Context, j config.Job, dryRun bool) (pipeline.Result, error) {
		r, err := runPublishJob(ctx, f, j, dryRun)
		if r == nil {
			return pipeline.Result{}, err
		}
		return pipeline.Result{Files: int64(r.Files), Value: r}, err
	}
}
