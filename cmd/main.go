// Package cmd is lakectl's command tree: each command turns flags and
// configuration into options, calls one library function and renders its
// result as text or JSON. Main is the only place that decides exit codes.
package cmd

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/clierr"
	"github.com/lakectl/lakectl/internal/input"
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
	return execute(ctx, io, f, NewRootCmd(f), args)
}

// execute runs root with args and maps its error to the exit code, typed
// errors only: a message's text never decides the code.
func execute(ctx context.Context, io *iostreams.IO, f *Factory, root *cobra.Command, args []string) int {
	root.SetArgs(args)
	root.SetIn(io.In)
	root.SetOut(io.Out)
	root.SetErr(io.ErrOut)
	cmd, err := root.ExecuteContextC(ctx)
	err = input.Label(err, input.Flag) // bad input named its options; here they are flags
	notifyCommand(ctx, f, cmd, args, err)
	if err == nil {
		return clierr.ExitOK
	}
	code := clierr.Code(err)
	if ctx.Err() != nil && code == clierr.ExitFailure {
		err = fmt.Errorf("interrupted: %w; rerun the same command to continue", err)
	}
	io.PrintError(explain(err), code)
	return code
}
