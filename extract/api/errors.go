package api

import "github.com/lakectl/lakectl/internal/netx"

// sourcesError is the failure of some sources: one redacted line, and the
// causes for errors.Is/As (a timeout, bad bookkeeping), so that the
// command can say what to do. Its text never includes the causes'.
type sourcesError struct {
	msg    string
	causes []error
}

func (e *sourcesError) Error() string   { return e.msg }
func (e *sourcesError) Unwrap() []error { return e.causes }

func causesOf(srs []SourceResult) []error {
	var out []error
	for _, sr := range srs {
		out = append(out, sr.causes...)
	}
	return out
}

// redactedError is a redacted message that unwraps only to what callers
// may match and that holds no secret (typedCause).
type redactedError struct {
	msg   string
	cause error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.cause }

// typedCause is the *netx.TimeoutError in err, or nil.
func typedCause(err error) error {
	if te, ok := netx.AsTimeout(err); ok {
		return te
	}
	return nil
}
