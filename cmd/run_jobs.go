package cmd

import (
	"errors"

	"github.com/lakectl/lakectl/pipeline"
)

// Job types of `lakectl run`; each has its kind in a run_job_*.go file,
// registered in newPipeline.
const (
	jobExtractMySQL = "extract-mysql"
	jobExtractAPI   = "extract-api"
	jobCompact      = "compact"
	jobCatalog      = "catalog"
	jobLoad         = "load"
	jobExtractFiles = "extract-files"
	jobExtractPG    = "extract-postgres"
)

// perTable runs a job's step on each of its tables in turn: one table's
// error does not stop the next, the counts add up, and the job's result
// is the list of the tables' results.
func perTable(tables []string, step func(table string) (pipeline.Result, error)) (pipeline.Result, error) {
	var res pipeline.Result
	var results []any
	var errs error
	for _, t := range tables {
		r, err := step(t)
		res.Rows, res.Files, res.Bytes = res.Rows+r.Rows, res.Files+r.Files, res.Bytes+r.Bytes
		if r.Value != nil {
			results = append(results, r.Value)
		}
		errs = errors.Join(errs, err)
	}
	res.Value = results
	return res, errs
}
