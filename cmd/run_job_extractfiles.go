package cmd

import (
	"context"

	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/pipeline"
)

// extractFilesKind is the extract-files job (extractFilesJob, which the
// command's file keeps beside its options).
type extractFilesKind struct{ f *Factory }

func (k extractFilesKind) Run(ctx context.Context, j config.Job, dryRun bool) (pipeline.Result, error) {
	r, plan, err := extractFilesJob(ctx, k.f, j, dryRun)
	if r == nil {
		return pipeline.Result{Value: orNil(plan)}, err
	}
	return pipeline.Result{Rows: r.Rows, Files: r.Files, Bytes: r.Bytes, Value: r}, err
}

// Validate checks the keys as the command checks its flags: the job's
// dry run does that and touches nothing.
func (k extractFilesKind) Validate(ctx context.Context, j config.Job) error {
	_, _, err := extractFilesJob(ctx, k.f, j, true)
	return err
}

// orNil is s, or no result at all when it is empty.
func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}
