package cmd

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// runEveryRun runs the jobs again every opts.Every until SIGINT/SIGTERM.
// The first signal lets the job in hand finish (its context is not
// cancelled), then stops; a second one cancels the job too. Stopped by a
// signal is success; the report of all cycles is written once.
func runEveryRun(opts *runOptions) error {
	p, jobs, err := planRun(opts)
	if err != nil {
		return err
	}
	ctx := opts.ctx
	jobCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()
	go cancelOnSecondSignal(ctx, jobCtx, cancelJobs)
	res, err := p.Every(ctx, jobCtx, jobs, opts.Every, opts.pipelineOptions())
	if err != nil {
		return err
	}
	opts.f.Logger().Info("stopped by signal", "cycles", res.Cycles)
	return opts.f.IO.Render(res, func(w io.Writer) error { return printEvery(w, res) })
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
