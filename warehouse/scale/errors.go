package scale

import "fmt"

// The errors below leave a compute in a state only a later command can
// settle; the command layer adds which one, which this package does not
// know.

// NotRestoredError is a resize that was not put back: the original size
// stays recorded in the lake until a restore removes it. Killed says the
// resize was left by a killed run (and this restore of it failed).
type NotRestoredError struct {
	msg    string
	Killed bool
	Err    error
}

func (e *NotRestoredError) Error() string { return e.msg }
func (e *NotRestoredError) Unwrap() error { return e.Err }

func notRestored(killed bool, err error, format string, args ...any) *NotRestoredError {
	return &NotRestoredError{msg: fmt.Sprintf(format, args...), Killed: killed, Err: err}
}

// UnsettledError is a resize whose end was not seen: the polls kept
// failing, or it outlasted Config.Timeout (TimedOut). It may still be
// running; a resize cannot be cancelled.
type UnsettledError struct {
	msg      string
	TimedOut bool
	Err      error
}

func (e *UnsettledError) Error() string { return e.msg }
func (e *UnsettledError) Unwrap() error { return e.Err }
