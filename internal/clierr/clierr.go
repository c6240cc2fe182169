// Package clierr holds the typed errors that decide lakectl's exit code,
// and the one function that maps an error to that code (SPEC.md).
package clierr

import (
	"context"
	"errors"
	"fmt"
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

// UsageError is bad input from the user: a flag, a config file, a source
// spec. Exit 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usage wraps err as a UsageError.
func Usage(err error) error {
	if err == nil {
		return nil
	}
	return &UsageError{Err: err}
}

// Usagef formats a UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// LockedError says another run holds a job's lock. Exit 75.
type LockedError struct {
	Lock  string // the lock's name, e.g. "extract-orders"
	Owner string // who holds it: host, pid, since when
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("lock %s is held by %s; another run is in progress, try again later", e.Lock, e.Owner)
}

// BreakingChangeError says a schema change is breaking. Exit 3.
type BreakingChangeError struct {
	Table   string
	Changes []string // one line per column: what changed and why it breaks
}

func (e *BreakingChangeError) Error() string {
	msg := fmt.Sprintf("breaking schema change in table %s", e.Table)
	for _, c := range e.Changes {
		msg += "; " + c
	}
	return msg
}

// QualityError says a data-quality rule of severity error failed. Exit 4.
type QualityError struct{ Err error }

func (e *QualityError) Error() string { return e.Err.Error() }
func (e *QualityError) Unwrap() error { return e.Err }

// Code maps an error to lakectl's exit code.
func Code(err error) int {
	var (
		usage    *UsageError
		locked   *LockedError
		breaking *BreakingChangeError
		quality  *QualityError
	)
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &usage):
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
