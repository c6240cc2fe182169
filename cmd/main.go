// Package cmd is lakectl's command tree: each command turns flags and
// configuration into options, calls one library function and renders its
// result as text or JSON. Main is the only place that decides exit codes.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/lakectl/lakectl/internal/clierr"
	"github.com/lakectl/lakectl/internal/iostreams"
	"github.com/lakectl/lakectl/internal/redact"
)

// Main runs lakectl with the process's arguments and streams and returns
// the exit code.
func Main() int {
	return Run(context.Background(), iostreams.System(), os.Args[1:])
}

// Run runs lakectl with args on io; SIGINT and SIGTERM cancel the context
// so every command stops cleanly.
func Run(ctx context.Context, io *iostreams.IO, args []string) int {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx = redact.WithSecrets(ctx, io.Secrets)

	f := NewFactory(io)
	root := NewRootCmd(f)
	root.SetArgs(args)
	root.SetIn(io.In)
	root.SetOut(io.Out)
	root.SetErr(io.ErrOut)
	cmd, err := root.ExecuteContextC(ctx)
	notifyCommand(ctx, f, cmd, args, err)
	if err == nil {
		return clierr.ExitOK
	}
	if isFlagError(err) {
		err = clierr.Usage(err)
	}
	code := clierr.Code(err)
	if ctx.Err() != nil && code == clierr.ExitFailure {
		err = fmt.Errorf("interrupted: %w; rerun the same command to continue", err)
	}
	io.PrintError(err, code)
	if code == clierr.ExitUsage && cmd != nil && isFlagError(errors.Unwrap(err)) {
		fmt.Fprintf(io.ErrOut, "Run '%s --help' for usage.\n", cmd.CommandPath())
	}
	return code
}

// isFlagError recognises cobra's and pflag's argument errors, which carry
// no type of their own.
func isFlagError(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	for _, p := range []string{"unknown flag", "unknown shorthand", "flag needs an argument", "invalid argument", "unknown command", "accepts ", "requires at least", "requires at most", "required flag", "if any flags in the group", "none of the others can be"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}
