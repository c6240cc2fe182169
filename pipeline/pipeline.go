// Package pipeline runs the jobs of a config file's jobs: list in order:
// it selects and checks them, holds back the loads a failed check covers,
// plans them in a dry run, repeats them under an interval, and reports each
// job's status, counts and error. What a job does is its Kind's: the
// command layer registers one per job type, so a new source or target
// plugs in without touching the runner.
package pipeline

import (
	"context"
	"io"
	"log/slog"

	"github.com/lakectl/lakectl/internal/config"
)

// Kind runs jobs of one type. A failing job returns its error, which
// becomes the job's status; the jobs after it still run. In a dry run it
// changes nothing and its Result says what it would do.
type Kind interface {
	Run(ctx context.Context, j config.Job, dryRun bool) (Result, error)
}

// KindFunc is a Kind of one function.
type KindFunc func(ctx context.Context, j config.Job, dryRun bool) (Result, error)

// Run calls fn.
func (fn KindFunc) Run(ctx context.Context, j config.Job, dryRun bool) (Result, error) {
	return fn(ctx, j, dryRun)
}

// Planner is a Kind that says what a job would do without its library:
// in a dry run the pipeline calls Plan instead of Run.
type Planner interface {
	Plan(ctx context.Context, j config.Job) (any, error)
}

// Validator is a Kind that can refuse a job before any job of the run
// starts (a negative chunk_rows, an unknown mode, a check job's malformed
// rule), so no job runs on the promise of a later step that could not. It
// checks the settings as its command checks its flags, and reads or
// writes nothing in the lake. Options its errors name are labelled as the
// job's config keys.
type Validator interface {
	Validate(ctx context.Context, j config.Job) error
}

// Holder is a Kind whose ended job can hold back later jobs of tables: a
// check job names the tables whose rules failed, or all its tables when it
// could not run.
type Holder interface {
	Holds(j config.Job, jr JobResult) []string
}

// Holdable is a Kind whose jobs' tables a Holder can hold back (a load).
type Holdable interface {
	Holdable()
}

// Result is what a job did: its counts and its own result (or, in a dry
// run, its plan).
type Result struct {
	Rows, Files, Bytes int64
	Value              any
}

// Kinds are the job types in the order a message lists them.
type Kinds struct {
	names []string
	kinds map[string]Kind
}

// Register adds the job type name; a later Register of a name replaces it.
func (k *Kinds) Register(name string, kind Kind) {
	if k.kinds == nil {
		k.kinds = map[string]Kind{}
	}
	if _, ok := k.kinds[name]; !ok {
		k.names = append(k.names, name)
	}
	k.kinds[name] = kind
}

// Env is what the runner needs from its caller beyond the kinds.
type Env struct {
	Logger *slog.Logger // nil: discard
	// ErrorText is the one line a job's error shows in the report and the
	// log; the caller adds its remedies. Nil: err.Error().
	ErrorText func(error) string
	// JobDone is called as each job of a real run (not a dry run, not held
	// back) ends: notifications go out there.
	JobDone func(ctx context.Context, j config.Job, jr JobResult)
	// CycleDone is called as each run of the jobs ends: metrics.
	CycleDone func(ctx context.Context, res *RunResult)
}

// Options are the choices of one run.
type Options struct {
	DryRun bool
	// Force runs the jobs a failed Holder would hold back.
	Force bool
}

// Pipeline runs jobs of the registered kinds.
type Pipeline struct {
	Kinds Kinds
	Env   Env
}

func (p *Pipeline) log() *slog.Logger {
	if p.Env.Logger == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return p.Env.Logger
}
