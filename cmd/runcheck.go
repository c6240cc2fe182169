package cmd

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/quality"
)

// Job type and statuses of `run` for data quality.
const (
	jobCheck            = "check"
	statusQualityFailed = "quality_failed" // a check job's error rule failed: exit 4
	statusSkipped       = "skipped"        // a load held back by a failing check
)

// runCheckJob runs a check job's rules (all tables with rules when the job
// names none).
func runCheckJob(ctx context.Context, f *Factory, j config.Job, dryRun bool, jr *JobResult) error {
	if dryRun {
		jr.Status, jr.Result = "planned", "check "+strings.Join(j.Tables, " ")
		return nil
	}
	res, err := checkTables(ctx, f, j.Tables, false)
	if res != nil {
		jr.Rows, jr.Files, jr.Bytes, jr.Result = res.Rows, res.Files, res.Bytes, res
	}
	return err
}

// validateChecks refuses, before any job runs, a run whose check jobs
// have a malformed rule (exit 2), so no load follows a check that could
// not run.
func validateChecks(cfg *config.Config, jobs []config.Job) error {
	for _, j := range jobs {
		if j.Type != jobCheck {
			continue
		}
		specs, err := tableRules(cfg, j.Tables)
		if err != nil {
			return err
		}
		if err := quality.Validate(specs); err != nil {
			return qualityErr(err)
		}
	}
	return nil
}

// qualityGate holds back the loads of tables whose check failed earlier in
// the same run, so bad rows do not reach the warehouse; force lets them
// through.
type qualityGate struct {
	force   bool
	blocked map[string]string // table -> the check job that failed it
}

// run runs one job of `run` through the gate: a load of a table a check
// failed is held back (skipped), and a failing check holds back the loads
// after it. The job's notifications go out as it ends.
func (g *qualityGate) run(ctx context.Context, f *Factory, j config.Job, dryRun bool) JobResult {
	j, skipped, note := g.admit(j)
	if note != "" {
		f.Logger().Warn(note, "job", j.Name)
	}
	if skipped != nil {
		return *skipped
	}
	jr := runJob(ctx, f, j, dryRun)
	if jr.Status == statusQualityFailed {
		f.Logger().Error("check failed", "job", j.Name, "error", jr.Error)
	}
	g.observe(f, j, jr)
	if !dryRun {
		sendNotifications(ctx, f, jobStatuses(f, j, jr))
	}
	return jr
}

// observe notes the tables a finished check job failed, and every table
// of a check job that could not run (failed or locked): unchecked rows do
// not reach the warehouse either.
func (g *qualityGate) observe(f *Factory, j config.Job, jr JobResult) {
	if g.blocked == nil {
		g.blocked = map[string]string{}
	}
	if j.Type == jobCheck && (jr.Status == "failed" || jr.Status == "locked") {
		tables := j.Tables
		if len(tables) == 0 {
			for name, t := range f.Config().Tables {
				if len(t.Checks) > 0 {
					tables = append(tables, name)
				}
			}
		}
		for _, t := range tables {
			g.blocked[t] = jr.Name
		}
		return
	}
	res, ok := jr.Result.(*quality.Result)
	if jr.Status != statusQualityFailed || !ok {
		return
	}
	for _, r := range res.Rules {
		if r.Status == quality.StatusFail && r.Severity == quality.SeverityError {
			g.blocked[r.Table] = jr.Name
		}
	}
}

// admit returns the job with the blocked tables of a load removed and a
// note saying so, or a skipped result when none is left.
func (g *qualityGate) admit(j config.Job) (config.Job, *JobResult, string) {
	if j.Type != jobLoad || g.force || len(g.blocked) == 0 {
		return j, nil, ""
	}
	var held []string
	j.Tables = slices.DeleteFunc(slices.Clone(j.Tables), func(t string) bool {
		if _, ok := g.blocked[t]; ok {
			held = append(held, t)
			return true
		}
		return false
	})
	if len(held) == 0 {
		return j, nil, ""
	}
	msg := fmt.Sprintf("not loading %s: check job %s failed on it; fix the data or rerun with --force to load anyway",
		strings.Join(held, ", "), g.blocked[held[0]])
	if len(j.Tables) == 0 {
		return j, &JobResult{Name: j.Name, Type: j.Type, Status: statusSkipped, Error: msg}, msg
	}
	return j, nil, msg
}
