// Package input is how a library says that what it was given is wrong: an
// option, a spec, a file, a name. The library names the option in its own
// words (input.Option("chunk-rows")); the command layer decides how the
// user gave it (the flag --chunk-rows, or the key chunk_rows of a job in a
// config file) and which exit code bad input earns. Libraries so never
// name a flag, and one message reads right in both places.
package input

import (
	"errors"
	"fmt"
	"strings"
)

// Option is the name of an option as its flag and config key spell it, in
// kebab case: "chunk-rows", "dsn", "migration". Passed as an argument of
// Errorf, it prints as the command layer labels it.
type Option string

// Error is bad input. Its own message prints options by their bare names;
// Label gives the text with the command layer's labels.
type Error struct {
	format string
	args   []any
}

// Errorf returns an *Error formatted as fmt.Errorf would, with each Option
// argument printed through the label (the bare name until one is set). %w
// wraps as it does in fmt.Errorf.
func Errorf(format string, args ...any) *Error {
	return &Error{format: format, args: args}
}

// Wrap returns err as bad input, keeping its message; nil stays nil.
func Wrap(err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return Errorf("%w", err)
}

func (e *Error) Error() string {
	return e.text(nil)
}

// Unwrap returns the errors wrapped with %w.
func (e *Error) Unwrap() []error {
	var errs []error
	for _, a := range e.args {
		if err, ok := a.(error); ok {
			errs = append(errs, err)
		}
	}
	return errs
}

// text is the message with options printed through label (bare when nil).
func (e *Error) text(label func(Option) string) string {
	args := make([]any, len(e.args))
	for i, a := range e.args {
		if o, ok := a.(Option); ok {
			a = string(o)
			if label != nil {
				a = label(o)
			}
		}
		args[i] = a
	}
	return fmt.Errorf(e.format, args...).Error()
}

// Options are the options the message names, in order.
func (e *Error) Options() []Option {
	var opts []Option
	for _, a := range e.args {
		if o, ok := a.(Option); ok {
			opts = append(opts, o)
		}
	}
	return opts
}

// Label returns err with every option its *Errors name printed through
// label. The command layer calls it once, where it knows whether the input
// came from flags or from a config file. The messages of wrappers made with
// fmt.Errorf are fixed when they are made, so each *Error's text is
// replaced within them; errors.As and errors.Is see err as before. An
// error Label returned keeps its labels when labelled again: a job's
// config keys stay keys when the command line labels the rest as flags.
func Label(err error, label func(Option) string) error {
	var found []*Error
	walk(err, func(e *Error) { found = append(found, e) })
	if len(found) == 0 {
		return err
	}
	msg := err.Error()
	for _, e := range found {
		msg = strings.Replace(msg, e.Error(), e.text(label), 1)
	}
	return &labelled{msg: msg, err: err}
}

type labelled struct {
	msg string
	err error
}

func (l *labelled) Error() string { return l.msg }
func (l *labelled) Unwrap() error { return l.err }

// Flag labels an option as the command-line flag of that name.
func Flag(o Option) string { return "--" + string(o) }

func walk(err error, fn func(*Error)) {
	if err == nil {
		return
	}
	if _, ok := err.(*labelled); ok {
		return
	}
	if e, ok := err.(*Error); ok {
		fn(e)
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		walk(u.Unwrap(), fn)
	case interface{ Unwrap() []error }:
		for _, inner := range u.Unwrap() {
			walk(inner, fn)
		}
	}
}

// Is reports whether err is bad input.
func Is(err error) bool {
	var e *Error
	return errors.As(err, &e)
}
