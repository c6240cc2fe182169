package pipeline

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/quality"
)

// Run runs the jobs once, in order. A failing job does not stop the next
// ones; its error is its status in the report.
func (p *Pipeline) Run(ctx context.Context, jobs []config.Job, o Options) *RunResult {
	return p.cycle(ctx, ctx, jobs, o)
}

// cycle runs the jobs once with jobCtx, and starts no further job once
// stop is done. CycleDone follows.
func (p *Pipeline) cycle(stop, jobCtx context.Context, jobs []config.Job, o Options) *RunResult {
	start := time.Now()
	res := &RunResult{Jobs: []JobResult{}, DryRun: o.DryRun}
	g := &gate{force: o.Force}
	for _, j := range jobs {
		if stop.Err() != nil {
			break
		}
		jr := p.gated(jobCtx, g, j, o.DryRun)
		p.logJob(j, jr)
		res.add(jr)
	}
	res.DurationS = time.Since(start).Seconds()
	if p.Env.CycleDone != nil {
		p.Env.CycleDone(jobCtx, res)
	}
	return res
}

func (p *Pipeline) logJob(j config.Job, jr JobResult) {
	log := p.log()
	switch jr.Status {
	case StatusQualityFailed, StatusSkipped:
	case StatusFailed:
		log.Error("job failed", "job", j.Name, "error", jr.Error)
	case StatusLocked:
		log.Warn("job skipped: another run holds its lock", "job", j.Name, "error", jr.Error)
	default:
		log.Info("job done", "job", j.Name, "rows", jr.Rows, "files", jr.Files, "duration_s", jr.DurationS)
	}
}

// gated runs one job through the gate: a job whose tables a failed check
// holds back is skipped (or runs on the rest of its tables), and an ended
// Holder holds back the tables it names. JobDone follows a real job.
func (p *Pipeline) gated(ctx context.Context, g *gate, j config.Job, dryRun bool) JobResult {
	j, held := g.admit(j, p.Kinds.kinds[j.Type])
	if held != nil {
		msg := p.errorText(held)
		p.log().Warn(msg, "job", j.Name)
		if len(j.Tables) == 0 {
			return JobResult{Name: j.Name, Type: j.Type, Status: StatusSkipped, Error: msg}
		}
	}
	jr := p.runJob(ctx, j, dryRun)
	if jr.Status == StatusQualityFailed {
		p.log().Error("check failed", "job", j.Name, "error", jr.Error)
	}
	if h, ok := p.Kinds.kinds[j.Type].(Holder); ok {
		g.hold(h.Holds(j, jr), j)
	}
	if !dryRun && p.Env.JobDone != nil {
		p.Env.JobDone(ctx, j, jr)
	}
	return jr
}

// runJob runs one job; its error becomes its status and its one-line
// error, with the options it names labelled as the job's config keys.
func (p *Pipeline) runJob(ctx context.Context, j config.Job, dryRun bool) JobResult {
	start := time.Now()
	r, err := p.runKind(ctx, j, dryRun)
	jr := JobResult{Name: j.Name, Type: j.Type, Status: StatusOK, Rows: r.Rows, Files: r.Files, Bytes: r.Bytes, Result: r.Value}
	jr.DurationS = time.Since(start).Seconds()
	switch {
	case err != nil:
		jr.Error, jr.Status = p.errorText(input.Label(err, ConfigKey)), status(err)
	case dryRun:
		jr.Status = StatusPlanned
	}
	return jr
}

func (p *Pipeline) runKind(ctx context.Context, j config.Job, dryRun bool) (Result, error) {
	k := p.Kinds.kinds[j.Type]
	if pl, ok := k.(Planner); ok && dryRun {
		plan, err := pl.Plan(ctx, j)
		return Result{Value: plan}, err
	}
	return k.Run(ctx, j, dryRun)
}

// ConfigKey labels an option as a job's config key: chunk-rows is
// chunk_rows.
func ConfigKey(o input.Option) string {
	return strings.ReplaceAll(string(o), "-", "_")
}

func status(err error) string {
	if _, ok := errors.AsType[*lake.LockedError](err); ok {
		return StatusLocked
	}
	if _, ok := errors.AsType[*quality.FailedError](err); ok {
		return StatusQualityFailed
	}
	return StatusFailed
}

func (p *Pipeline) errorText(err error) string {
	if p.Env.ErrorText != nil {
		return p.Env.ErrorText(err)
	}
	return err.Error()
}
