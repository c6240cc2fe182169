package cmd

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/lakectl/lakectl/internal/config"
)

// EveryResult is the report of `lakectl run --every`, written once when
// a signal stops it: one JSON document however many cycles ran.
type EveryResult struct {
	Cycles       int        `json:"cycles"`
	FailedCycles int        `json:"failed_cycles"` // cycles with a failed job
	Rows         int64      `json:"rows"`
	Files        int64      `json:"files"`
	Bytes        int64      `json:"bytes"`
	EveryS       float64    `json:"every_s"`
	DurationS    float64    `json:"duration_s"`
	Last         *RunResult `json:"last,omitempty"` // the last cycle's jobs
}

// runEvery runs the jobs again every `every` until SIGINT/SIGTERM. The
// first signal lets the job in hand finish (its context is not
// cancelled), then stops; a second one cancels the job too. A failing
// cycle is logged and the next one runs. Stopped by a signal is success.
func runEvery(ctx context.Context, f *Factory, names []string, every time.Duration, dryRun, force bool) error {
	start := time.Now()
	jobs, err := selectJobs(f.Config().Jobs, names)
	if err != nil {
		return err
	}
	if err := validateChecks(f.Config(), jobs); err != nil {
		return err
	}
	jobCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()
	go cancelOnSecondSignal(ctx, jobCtx, cancelJobs)
	due, err := dueJobs(jobs)
	if err != nil {
		return err
	}
	res := &EveryResult{EveryS: every.Seconds()}
	for ctx.Err() == nil {
		cycleStart := time.Now()
		cyc := runCycle(ctx, jobCtx, f, due(cycleStart), dryRun, force)
		res.Cycles++
		res.Rows, res.Files, res.Bytes, res.Last = res.Rows+cyc.Rows, res.Files+cyc.Files, res.Bytes+cyc.Bytes, cyc
		log := f.Logger().With("cycle", res.Cycles, "jobs", len(cyc.Jobs), "rows", cyc.Rows, "files", cyc.Files, "duration_s", cyc.DurationS)
		if cyc.Failed > 0 {
			res.FailedCycles++
			log.Error("cycle failed; the next cycle runs as planned", "failed_jobs", cyc.Failed)
		} else {
			log.Info("cycle done")
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Until(cycleStart.Add(every))):
		}
	}
	res.DurationS = time.Since(start).Seconds()
	f.Logger().Info("stopped by signal", "cycles", res.Cycles)
	return f.IO.Render(res, func(w io.Writer) error { return printEvery(w, res) })
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

// cancelOnSecondSignal cancels the jobs when a signal arrives after the
// first one (which cancelled stop).
func cancelOnSecondSignal(stop, jobs context.Context, cancel context.CancelFunc) {
	select {
	case <-stop.Done():
	case <-jobs.Done():
		return
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(ch)
	select {
	case <-ch:
		cancel()
	case <-jobs.Done():
	}
}

// runCycle runs the jobs once with jobCtx, and starts no further job
// once stop is done; a failing check job holds back its tables' loads
// unless force. Notifications and metrics follow each cycle.
func runCycle(stop, jobCtx context.Context, f *Factory, jobs []config.Job, dryRun, force bool) *RunResult {
	start := time.Now()
	res := &RunResult{Jobs: []JobResult{}, DryRun: dryRun}
	gate := &qualityGate{force: force}
	for _, j := range jobs {
		if stop.Err() != nil {
			break
		}
		jr := gate.run(jobCtx, f, j, dryRun)
		switch jr.Status {
		case statusQualityFailed:
			res.QualityFailed++
		case statusSkipped:
		case "failed":
			res.Failed++
			f.Logger().Error("job failed", "job", j.Name, "error", jr.Error)
		case "locked":
			res.Locked++
			f.Logger().Warn("job skipped: another run holds its lock", "job", j.Name, "error", jr.Error)
		default:
			f.Logger().Info("job done", "job", j.Name, "rows", jr.Rows, "files", jr.Files, "duration_s", jr.DurationS)
		}
		res.Rows, res.Files, res.Bytes = res.Rows+jr.Rows, res.Files+jr.Files, res.Bytes+jr.Bytes
		res.Jobs = append(res.Jobs, jr)
	}
	res.DurationS = time.Since(start).Seconds()
	finishRun(jobCtx, f, res)
	return res
}

func printEvery(w io.Writer, res *EveryResult) error {
	if res.Last != nil {
		if err := printRun(w, res.Last); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "%d cycles every %s (%d with a failed job): %d rows, %d files, %s in %.1fs\n",
		res.Cycles, time.Duration(res.EveryS*float64(time.Second)), res.FailedCycles, res.Rows, res.Files, humanBytes(res.Bytes), res.DurationS)
	return err
}
