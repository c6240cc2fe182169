package rebuild

import (
	"fmt"

	"github.com/lakectl/lakectl/internal/input"
)

// The errors below end where a command takes over: the command layer adds
// the command line that continues (resume, abandon, status), which this
// package does not know.

// FindRunError is a run that is not there to work on: none named, none
// unfinished, or none of the given name. It is bad input.
type FindRunError struct{ msg string }

func (e *FindRunError) Error() string { return e.msg }

func findRunErrorf(format string, args ...any) error {
	return input.Wrap(&FindRunError{msg: fmt.Sprintf(format, args...)})
}

// AbandonedError is a run that was given up: it cannot be resumed, and a
// new run of its table may start.
type AbandonedError struct{ Run string }

func (e *AbandonedError) Error() string { return "rebuild run " + e.Run + " was abandoned" }

// UnfinishedError refuses a new run of a table while one of its runs is
// unfinished: that run is resumed or abandoned first.
type UnfinishedError struct {
	Run, Table, State string
	// MigrationCorrectable: the migration failed before any statement of
	// it committed, so a corrected one may replace it at resume.
	MigrationCorrectable bool
}

func (e *UnfinishedError) Error() string {
	return fmt.Sprintf("rebuild run %s of %s is unfinished (%s)", e.Run, e.Table, e.State)
}

// StoppedError is a run that stopped before its end, at step Step (0:
// before any step) with Err. The run stays unfinished: it is resumed or
// abandoned.
type StoppedError struct {
	Run, Table string
	Step       int
	StepName   string
	Err        error
	// MigrationCorrectable is as in UnfinishedError.
	MigrationCorrectable bool
}

func (e *StoppedError) Error() string {
	at := ""
	if e.Step > 0 {
		at = fmt.Sprintf(" at step %d (%s)", e.Step, e.StepName)
	}
	return fmt.Sprintf("rebuild run %s of %s stopped%s: %v", e.Run, e.Table, at, e.Err)
}

func (e *StoppedError) Unwrap() error { return e.Err }

// MigrationFixedError refuses a corrected migration that can no longer
// replace the stored one (Why says why): the run can only be given up
// and a new one applied. It is bad input.
type MigrationFixedError struct{ Run, Why string }

func (e *MigrationFixedError) Error() string { return "rebuild run " + e.Run + ": " + e.Why }

// migrationCorrectable says whether a corrected migration may still
// replace the stored one: the create step failed with nothing committed.
func (r *Run) migrationCorrectable() bool {
	st := r.step(StepCreate)
	return st != nil && st.Status == Failed && st.Done == 0
}
