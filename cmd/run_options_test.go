package cmd

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/clierr"
	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/internal/iostreams"
	"github.com/lakectl/lakectl/pipeline"
)

func TestRunFlagsToOptions(t *testing.T) {
	cases := []struct {
		args   []string
		jobs   []string
		dryRun bool
		force  bool
		every  time.Duration
	}{
		{nil, nil, false, false, 0},
		{[]string{"orders", "orders-load"}, []string{"orders", "orders-load"}, false, false, 0},
		{[]string{"orders", "--dry-run"}, []string{"orders"}, true, false, 0},
		{[]string{"--force", "--every", "1m"}, nil, false, true, time.Minute},
		{[]string{"--every=0", "--force=false", "x"}, []string{"x"}, false, false, 0},
	}
	for _, tc := range cases {
		io, _, _, _ := iostreams.Test()
		var got *runOptions
		c := newCmdRun(NewFactory(io), func(o *runOptions) error { got = o; return nil })
		c.SetArgs(tc.args)
		if err := c.Execute(); err != nil {
			t.Fatalf("args %v: %v", tc.args, err)
		}
		if !slices.Equal(got.Jobs, tc.jobs) || got.DryRun != tc.dryRun || got.Force != tc.force || got.Every != tc.every || got.ctx == nil {
			t.Errorf("args %v: %+v", tc.args, got)
		}
	}
}

func TestRunRefusesANegativeEveryBeforeRunning(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	c := newCmdRun(NewFactory(io), func(*runOptions) error { t.Fatal("ran with --every -1s"); return nil })
	c.SetArgs([]string{"--every", "-1s"})
	c.SilenceUsage, c.SilenceErrors = true, true
	err := c.Execute()
	if clierr.Code(err) != clierr.ExitUsage || err.Error() != "--every -1s: want a positive duration such as 5s or 1m" {
		t.Errorf("got %v (exit %d)", err, clierr.Code(err))
	}
}

// A held load's message names the flag that lets it through, as before
// the runner left cmd.
func TestHeldLoadNamesForce(t *testing.T) {
	err := &pipeline.HeldError{Tables: []string{"a", "b"}, By: config.Job{Name: "quality", Type: jobCheck}}
	want := "not loading a, b: check job quality failed on it; fix the data or rerun with --force to load anyway"
	if got := jobErrorText(err); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// A job's bad option is named as its config key in the report, after
// cmd's remedies, where the command line would say the flag.
func TestRunJobErrorNamesConfigKey(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	p := newPipeline(NewFactory(io))
	p.Kinds.Register(jobExtractMySQL, pipeline.KindFunc(func(context.Context, config.Job, bool) (pipeline.Result, error) {
		return pipeline.Result{}, input.Errorf("%s %d: must be positive", input.Option("chunk-rows"), -1)
	}))
	res := p.Run(context.Background(), []config.Job{{Name: "orders", Type: jobExtractMySQL}}, pipeline.Options{DryRun: true})
	if got, want := res.Jobs[0].Error, "chunk_rows -1: must be positive"; got != want || res.Failed != 1 {
		t.Errorf("got %q (%+v), want %q", got, res, want)
	}
}
