package cmd

import (
	"context"
	"strings"

	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/pipeline"
	"github.com/lakectl/lakectl/quality"
)

// Job type and statuses of `run` for data quality.
const (
	jobCheck            = "check"
	statusQualityFailed = pipeline.StatusQualityFailed // a check job's error rule failed: exit 4
	statusSkipped       = pipeline.StatusSkipped       // a load held back by a failing check
)

// checkJob is the check job: the rules of its tables (all tables with
// rules when the job names none). It holds back the later loads of the
// tables it failed on, or of all its tables when it could not run.
type checkJob struct{ f *Factory }

func (checkJob) Plan(_ context.Context, j config.Job) (any, error) {
	return "check " + strings.Join(j.Tables, " "), nil
}

func (k checkJob) Run(ctx context.Context, j config.Job, _ bool) (pipeline.Result, error) {
	res, err := checkTables(ctx, k.f, j.Tables, false)
	if res == nil {
		return pipeline.Result{}, err
	}
	return pipeline.Result{Rows: res.Rows, Files: res.Files, Bytes: res.Bytes, Value: res}, err
}

// Validate refuses, before any job runs, a check job with a malformed rule
// (exit 2), so no load follows a check that could not run.
func (k checkJob) Validate(_ context.Context, j config.Job) error {
	specs, err := tableRules(k.f.Config(), j.Tables)
	if err != nil {
		return err
	}
	return qualityErr(quality.Validate(specs))
}

// Holds are the tables a check job failed on: unchecked rows (of a check
// that failed or was locked) do not reach the warehouse either.
func (k checkJob) Holds(j config.Job, jr JobResult) []string {
	if jr.Status == pipeline.StatusFailed || jr.Status == pipeline.StatusLocked {
		if len(j.Tables) > 0 {
			return j.Tables
		}
		var tables []string
		for name, t := range k.f.Config().Tables {
			if len(t.Checks) > 0 {
				tables = append(tables, name)
			}
		}
		return tables
	}
	res, ok := jr.Result.(*quality.Result)
	if jr.Status != pipeline.StatusQualityFailed || !ok {
		return nil
	}
	var tables []string
	for _, r := range res.Rules {
		if r.Status == quality.StatusFail && r.Severity == quality.SeverityError {
			tables = append(tables, r.Table)
		}
	}
	return tables
}
