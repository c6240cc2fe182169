package cmd

import (
	"context"
	"strings"

	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/pipeline"
)

// extractAPIJob is the extract-api job: the command's extract of the
// job's sources.
func extractAPIJob(f *Factory) pipeline.KindFunc {
	return func(ctx context.Context, j config.Job, dryRun bool) (pipeline.Result, error) {
		if dryRun {
			return planned("call the APIs of %s", strings.Join(append(append([]string{}, j.Sources...), j.SourcesDir), " ")), nil
		}
		r, err := extractAPI(ctx, f, &extractAPIFlags{sources: j.Sources, sourcesDir: j.SourcesDir, concurrency: j.Concurrency})
		if r == nil {
			return pipeline.Result{}, err
		}
		return pipeline.Result{Rows: r.Rows, Files: r.Files, Bytes: r.Bytes, Value: r}, err
	}
}
