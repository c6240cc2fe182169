package cmd

import (
	"context"
	"errors"

	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/pipeline"
)

// loadJob is the load job: the command's load of each table. A failed
// check earlier in the run holds back its tables (pipeline.Holdable).
type loadJob struct{ f *Factory }

func (loadJob) Holdable() {}

func (k loadJob) Run(ctx context.Context, j config.Job, dryRun bool) (pipeline.Result, error) {
	var res pipeline.Result
	var results []any
	var err error
	for _, t := range j.Tables {
		r, e := loadTable(ctx, k.f, t, &loadFlags{into: j.Into, mode: j.Mode, key: j.Key, transform: j.Transform, cursor: j.Cursor, dryRun: dryRun})
		if r != nil {
			res.Rows, res.Files, res.Bytes = res.Rows+r.Rows, res.Files+int64(r.Files), res.Bytes+r.Bytes
			results = append(results, r)
		}
		err = errors.Join(err, e)
	}
	res.Value = results
	return res, err
}
