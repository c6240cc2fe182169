package cmd

import (
	"context"

	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/pipeline"
)

// publishJob is the publish job (runPublishJob, which the command's file
// keeps beside its options).
type publishJob struct{ f *Factory }

func (k publishJob) Run(ctx context.Context, j config.Job, dryRun bool) (pipeline.Result, error) {
	r, err := runPublishJob(ctx, k.f, j, dryRun)
	if r == nil {
		return pipeline.Result{}, err
	}
	return pipeline.Result{Files: int64(r.Files), Value: r}, err
}

// Validate checks the Glue database and the location as the command
// checks its flags.
func (publishJob) Validate(_ context.Context, j config.Job) error {
	if j.GlueDatabase == "" {
		return input.Errorf("%s is required: the Glue database to publish into", input.Option("glue-database"))
	}
	return (&catalogPublishOptions{GlueDatabase: j.GlueDatabase, Location: j.Location}).validate()
}
