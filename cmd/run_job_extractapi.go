package cmd

import (
	"context"
	"strings"

	"github.com/lakectl/lakectl/extract/api"
	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/internal/input"
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

// Validate checks the keys as the command checks its flags, and the
// local spec files of sources as the extract reads them before any
// request (specs in the lake and under sources_dir are read as it runs).
func (k extractAPIJob) Validate(ctx context.Context, j config.Job) error {
	if len(j.Sources) == 0 && j.SourcesDir == "" {
		return input.Errorf("name the sources: %s (spec files) or %s (a folder of them)", input.Option("sources"), input.Option("sources-dir"))
	}
	if err := positiveKeys(k.f, j, intKey{"concurrency", j.Concurrency}); err != nil {
		return err
	}
	for _, s := range j.Sources {
		if strings.Contains(s, "://") && !strings.HasPrefix(s, "file://") {
			continue
		}
		if _, err := api.LoadSpec(ctx, nil, s); err != nil { // a local file needs no lake
			return err
		}
	}
	return nil
}
