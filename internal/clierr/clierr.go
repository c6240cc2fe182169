// Package clierr maps errors to lakectl's exit codes (SPEC.md). Only the
// command layer imports it: libraries return their own domain errors
// (bad input as *input.Error, lake.LockedError, schema.BreakingChangeError,
// lake.ErrNoBucket) and Code decides what each earns.
package clierr

import (
	"context"
	"errors"

	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
)

// Exit codes, as SPEC.md fixes them.
const (
	ExitOK       = 0
	ExitFailure  = 1
	ExitUsage    = 2
	ExitBreaking = 3
	ExitQuality  = 4
	ExitLocked   = 75 // EX_TEMPFAIL
)

// QualityError says a data-quality rule of severity error failed. Exit 4.
type QualityError struct{ Err error }

func (e *QualityError) Error() string { return e.Err.Error() }
func (e *QualityError) Unwrap() error { return e.Err }

// Code maps an error to lakectl's exit code.
func Code(err error) int {
	var (
		locked   *lake.LockedError
		breaking *schema.BreakingChangeError
		quality  *QualityError
	)
	switch {
	case err == nil:
		return ExitOK
	case input.Is(err), errors.Is(err, lake.ErrNoBucket):
		return ExitUsage
	case errors.As(err, &locked):
		return ExitLocked
	case errors.As(err, &breaking):
		return ExitBreaking
	case errors.As(err, &quality):
		return ExitQuality
	case errors.Is(err, context.Canceled):
		return ExitFailure
	}
	return ExitFailure
}
