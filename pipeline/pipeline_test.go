package pipeline

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/quality"
)

// fakeKind runs jobs by their name: the error in errs, else one row per
// table. It records the jobs it ran.
type fakeKind struct {
	errs map[string]error
	ran  *[]config.Job
}

func (k fakeKind) Run(_ context.Context, j config.Job, dryRun bool) (Result, error) {
	*k.ran = append(*k.ran, j)
	if dryRun {
		return Result{Value: "plan " + j.Name}, nil
	}
	return Result{Rows: int64(len(j.Tables)), Files: 1, Bytes: 10, Value: j.Name}, k.errs[j.Name]
}

// fakeCheck fails on the tables its error names; invalid refuses to plan.
type fakeCheck struct {
	fakeKind
	invalid bool
}

func (k fakeCheck) Validate(_ context.Context, j config.Job) error {
	switch {
	case !k.invalid:
		return nil
	case j.Where != "":
		return input.Errorf("job %s: %s", j.Name, j.Where) // a message that names its job
	}
	return input.Errorf("%s %d: must be 1 or more", input.Option("chunk-rows"), -1)
}

func (fakeCheck) Holds(j config.Job, jr JobResult) []string {
	if jr.Status == StatusOK || jr.Status == StatusPlanned {
		return nil
	}
	return j.Tables
}

type fakeLoad struct{ fakeKind }

func (fakeLoad) Holdable() {}

type recorder struct {
	ran    []config.Job
	done   []string
	cycles int
}

func newTestPipeline(rec *recorder, errs map[string]error, invalid bool) *Pipeline {
	p := &Pipeline{Env: Env{
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		JobDone:   func(_ context.Context, j config.Job, _ JobResult) { rec.done = append(rec.done, j.Name) },
		CycleDone: func(context.Context, *RunResult) { rec.cycles++ },
	}}
	k := fakeKind{errs: errs, ran: &rec.ran}
	p.Kinds.Register("extract", k)
	p.Kinds.Register("check", fakeCheck{fakeKind: k, invalid: invalid})
	p.Kinds.Register("load", fakeLoad{k})
	return p
}

func TestPlanRefusesBadJobsBeforeAnyRuns(t *testing.T) {
	jobs := []config.Job{{Name: "a", Type: "extract"}, {Name: "c", Type: "check"}, {Name: "l", Type: "load"}}
	cases := []struct {
		jobs    []config.Job
		names   []string
		invalid bool
		want    string
	}{
		{nil, nil, false, "no jobs configured"},
		{[]config.Job{{Type: "extract"}}, nil, false, "has no name"},
		{[]config.Job{{Name: "a", Type: "extract"}, {Name: "a", Type: "load"}}, nil, false, `job "a" is configured twice`},
		{[]config.Job{{Name: "a", Type: "sync"}}, nil, false, `job "a" has type "sync"; use extract, check or load`},
		{jobs, []string{"nosuch"}, false, `no job named "nosuch"`},
		{jobs, []string{"a"}, true, ""},
		{jobs, nil, true, "job c: chunk_rows -1: must be 1 or more"},
		{[]config.Job{{Name: "c", Type: "check", Where: "a rule is malformed"}}, nil, true, "job c: a rule is malformed"},
		{[]config.Job{{Name: "a", Type: "extract", Every: "hourly"}}, nil, false, `job a: every "hourly" is not a duration`},
		{[]config.Job{{Name: "a", Type: "extract", Every: "-1h"}}, nil, false, "job a: every -1h: want a positive duration"},
	}
	for _, tc := range cases {
		rec := &recorder{}
		got, err := newTestPipeline(rec, nil, tc.invalid).Plan(context.Background(), tc.jobs, tc.names)
		if tc.want == "" {
			if err != nil || len(got) != 1 {
				t.Errorf("%v %v: %v %v", tc.jobs, tc.names, got, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) || !input.Is(err) || strings.Contains(err.Error(), "job c: job c") {
			t.Errorf("%v %v: got %v, want bad input saying %q", tc.jobs, tc.names, err, tc.want)
		}
	}
	rec := &recorder{}
	got, err := newTestPipeline(rec, nil, false).Plan(context.Background(), jobs, []string{"l", "a"})
	if err != nil || len(got) != 2 || got[0].Name != "a" || got[1].Name != "l" {
		t.Fatalf("named jobs run in config order: %v %v", got, err)
	}
	if !errors.Is(mustErr(newTestPipeline(rec, nil, false).Plan(context.Background(), nil, nil)), ErrNoJobs) {
		t.Error("no jobs is not ErrNoJobs")
	}
}

func mustErr(_ []config.Job, err error) error { return err }

func TestRunReportsEachJobAndGoesOnAfterAFailure(t *testing.T) {
	rec := &recorder{}
	errs := map[string]error{
		"broken": errors.New("boom\nsecond line"),
		"held":   &lake.LockedError{Lock: "extract-x", Owner: "host 1"},
		"bad":    &quality.FailedError{Failures: []quality.RuleResult{{Table: "t", Rule: "not_null"}}},
	}
	p := newTestPipeline(rec, errs, false)
	jobs := []config.Job{
		{Name: "broken", Type: "extract", Tables: []string{"x"}},
		{Name: "held", Type: "extract"},
		{Name: "bad", Type: "extract"},
		{Name: "good", Type: "extract", Tables: []string{"a", "b"}},
	}
	res := p.Run(context.Background(), jobs, Options{})
	var statuses []string
	for _, jr := range res.Jobs {
		statuses = append(statuses, jr.Status)
	}
	if want := []string{StatusFailed, StatusLocked, StatusQualityFailed, StatusOK}; !slices.Equal(statuses, want) {
		t.Fatalf("statuses %v, want %v", statuses, want)
	}
	if res.Failed != 1 || res.Locked != 1 || res.QualityFailed != 1 || res.Rows != 3 || res.Files != 4 || res.Bytes != 40 {
		t.Errorf("totals: %+v", res)
	}
	if res.Jobs[0].Error != "boom\nsecond line" || res.Jobs[3].Result != "good" {
		t.Errorf("jobs: %+v", res.Jobs)
	}
	if len(rec.done) != 4 || rec.cycles != 1 {
		t.Errorf("JobDone %v, CycleDone %d times", rec.done, rec.cycles)
	}

	rec2 := &recorder{}
	dry := newTestPipeline(rec2, errs, false).Run(context.Background(), jobs, Options{DryRun: true})
	if !dry.DryRun || dry.Jobs[0].Status != StatusPlanned || dry.Jobs[0].Result != "plan broken" || len(rec2.done) != 0 || rec2.cycles != 1 {
		t.Errorf("dry run: %+v, JobDone %v", dry, rec2.done)
	}
}

// A bad option of a job is named as the job's config key, not as a flag.
func TestJobErrorsNameConfigKeys(t *testing.T) {
	rec := &recorder{}
	errs := map[string]error{"orders": input.Errorf("%s %d: must be positive", input.Option("chunk-rows"), -1)}
	p := newTestPipeline(rec, errs, false)
	p.Env.ErrorText = func(err error) string { return "job: " + err.Error() }
	res := p.Run(context.Background(), []config.Job{{Name: "orders", Type: "extract"}}, Options{})
	if got, want := res.Jobs[0].Error, "job: chunk_rows -1: must be positive"; got != want {
		t.Errorf("error %q, want %q", got, want)
	}
}

func TestFailedCheckHoldsBackLaterLoadsOfItsTables(t *testing.T) {
	jobs := []config.Job{
		{Name: "chk", Type: "check", Tables: []string{"a"}},
		{Name: "load-a", Type: "load", Tables: []string{"a"}},
		{Name: "load-ab", Type: "load", Tables: []string{"a", "b"}},
		{Name: "extract-a", Type: "extract", Tables: []string{"a"}},
	}
	for _, force := range []bool{false, true} {
		rec := &recorder{}
		p := newTestPipeline(rec, map[string]error{"chk": errors.New("no lake")}, false)
		res := p.Run(context.Background(), jobs, Options{Force: force})
		var ran []string
		for _, j := range rec.ran {
			ran = append(ran, j.Name+":"+strings.Join(j.Tables, ","))
		}
		want := []string{"chk:a", "load-ab:b", "extract-a:a"}
		if force {
			want = []string{"chk:a", "load-a:a", "load-ab:a,b", "extract-a:a"}
		}
		if !slices.Equal(ran, want) {
			t.Errorf("force %v: ran %v, want %v", force, ran, want)
		}
		if force {
			continue
		}
		skipped := res.Jobs[1]
		if skipped.Status != StatusSkipped || skipped.Error != "not loading a: check job chk failed on it" || res.Failed != 1 {
			t.Errorf("held load: %+v", res.Jobs)
		}
		if slices.Contains(rec.done, "load-a") {
			t.Errorf("a held load notified: %v", rec.done)
		}
	}
}

func TestEveryRepeatsUntilStoppedAndHonoursJobIntervals(t *testing.T) {
	rec := &recorder{}
	p := newTestPipeline(rec, map[string]error{"flaky": errors.New("down")}, false)
	jobs := []config.Job{{Name: "often", Type: "extract"}, {Name: "flaky", Type: "extract", Every: "1h"}}
	stop, cancel := context.WithCancel(context.Background())
	p.Env.CycleDone = func(context.Context, *RunResult) {
		if rec.cycles++; rec.cycles == 3 {
			cancel()
		}
	}
	res, err := p.Every(stop, context.Background(), jobs, time.Millisecond, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Cycles != 3 || res.FailedCycles != 1 || len(rec.ran) != 4 || res.Last == nil || len(res.Last.Jobs) != 1 {
		t.Errorf("every: %+v, ran %d jobs", res, len(rec.ran))
	}
	if _, err := p.Every(stop, stop, jobs, 0, Options{}); err == nil || !input.Is(err) {
		t.Errorf("every 0: %v", err)
	}
	bad := []config.Job{{Name: "x", Type: "extract", Every: "often"}}
	if _, err := p.Every(context.Background(), context.Background(), bad, time.Second, Options{}); err == nil || !strings.Contains(err.Error(), "job x every") {
		t.Errorf("bad every: %v", err)
	}
}
