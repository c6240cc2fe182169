package scale

import "fmt"

// The errors below leave a compute in a state only a later command can
// settle; the command layer adds which one, which this package does not
// know.

// NotRestoredError is a resize that was not put back: the original size
// stays recorded in the lake until a restore removes it. Killed says the
// resize was left by a killed run (and this restore of it failed).
type NotRestoredError struct {
	cause
	Killed bool
}

func notRestored(killed bool, err error, format string, args ...any) *NotRestoredError {
	return &NotRestoredError{cause: cause{msg: fmt.Sprintf(format, args...), Err: err}, Killed: killed}
}

// UnsettledError is a resize whose end was not seen: the polls kept
// failing, or it outlasted Config.Timeout (TimedOut). It may still be
// running; a resize cannot be cancelled.
type UnsettledError struct {
	cause
	TimedOut bool
}

// cause is the message and the wrapped error (if any) of the errors above.
type cause struct {
	msg string
	Err error
}

func (c *cause) Error() string { return c.msg }
func (c *cause) Unwrap() error { return c.Err }
