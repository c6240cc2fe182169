package cmd

import (
	"context"
	"strings"

	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/pipeline"
)

// extractAPIJob is the extract-api job: the command's extract of the
// job's sources. (Its file has the shape of extract-mysql's on purpose:
// each kind adapts one command's function.)
type extractAPIJob struct{ f *Factory }

func (extractAPIJob) Plan(_ context.Context, j config.Job) (any, error) {
	return "call the APIs of " + strings.Join(append(append([]string{}, j.Sources...), j.SourcesDir), " "), nil
}

func (k extractAPIJob) Run(ctx context.Context, j config.Job, _ bool) (pipeline.Result, error) {
	r, err := extractAPI(ctx, k.f, &extractAPIFlags{sources: j.Sources, sourcesDir: j.SourcesDir, concurrency: j.Concurrency})
	if r == nil {
		return pipeline.Result{}, err
	}
	return pipeline.Result{Rows: r.Rows, Files: r.Files, Bytes: r.Bytes, Value: r}, err
}
