package pipeline

import (
	"context"
	"time"

	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/internal/input"
)

// Every runs the jobs again every `every` until stop is done, then
// returns the report of all cycles. Jobs run with jobCtx, so the caller
// can let the job in hand finish after stop (and cancel jobCtx to end it
// too). A job with an every: of its own runs at most that often. A
// failing cycle is logged and the next one runs as planned.
func (p *Pipeline) Every(stop, jobCtx context.Context, jobs []config.Job, every time.Duration, o Options) (*EveryResult, error) {
	if every <= 0 {
		return nil, input.Errorf("%s %s: want a positive duration such as 5s or 1m", input.Option("every"), every)
	}
	start := time.Now()
	due, err := dueJobs(jobs)
	if err != nil {
		return nil, err
	}
	res := &EveryResult{EveryS: every.Seconds()}
	for stop.Err() == nil {
		cycleStart := time.Now()
		cyc := p.cycle(stop, jobCtx, due(cycleStart), o)
		res.Cycles++
		res.Rows, res.Files, res.Bytes, res.Last = res.Rows+cyc.Rows, res.Files+cyc.Files, res.Bytes+cyc.Bytes, cyc
		log := p.log().With("cycle", res.Cycles, "jobs", len(cyc.Jobs), "rows", cyc.Rows, "files", cyc.Files, "duration_s", cyc.DurationS)
		if cyc.Failed > 0 {
			res.FailedCycles++
			log.Error("cycle failed; the next cycle runs as planned", "failed_jobs", cyc.Failed)
		} else {
			log.Info("cycle done")
		}
		select {
		case <-stop.Done():
		case <-time.After(time.Until(cycleStart.Add(every))):
		}
	}
	res.DurationS = time.Since(start).Seconds()
	return res, nil
}

// dueJobs returns, for a cycle's start, the jobs due then: every job
// each cycle, except those with an `every:` of their own, which run when
// that long has passed since they last started.
func dueJobs(jobs []config.Job) (func(time.Time) []config.Job, error) {
	every := make([]time.Duration, len(jobs))
	for i, j := range jobs {
		d, err := config.ParseDuration("job "+j.Name+" every", j.Every)
		if err != nil {
			return nil, err
		}
		every[i] = d
	}
	last := make([]time.Time, len(jobs))
	return func(now time.Time) []config.Job {
		var out []config.Job
		for i, j := range jobs {
			if every[i] > 0 && !last[i].IsZero() && now.Sub(last[i]) < every[i] {
				continue
			}
			last[i] = now
			out = append(out, j)
		}
		return out
	}, nil
}
