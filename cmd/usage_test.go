package cmd

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/clierr"
	"github.com/lakectl/lakectl/internal/iostreams"
)

// A disk error reads "invalid argument" like a bad flag does; only the
// type decides the exit code, so it exits 1 and prints no usage hint.
func TestDiskEINVALIsAFailureNotUsage(t *testing.T) {
	io, _, _, errOut := iostreams.Test()
	root := NewRootCmd(NewFactory(io))
	root.AddCommand(&cobra.Command{Use: "diskfail", RunE: func(*cobra.Command, []string) error {
		return fmt.Errorf("write tables/t/part-1.parquet: %w", syscall.EINVAL)
	}})
	code := execute(context.Background(), io, root, []string{"--lake", t.TempDir(), "diskfail"})
	if code != clierr.ExitFailure || !strings.Contains(errOut.String(), "invalid argument") || strings.Count(errOut.String(), "\n") != 1 {
		t.Fatalf("exit %d, stderr %q; want 1 and one line", code, errOut)
	}
}

func TestUsageErrorsAreOneTypedLine(t *testing.T) {
	for _, args := range [][]string{
		{"completion", "tcsh"},
		{"frobnicate"},
		{"lake", "lss"},
		{"version", "extra"},
		{"extract", "mysql", "--table", "a.b"},
		{"lake", "compact", "t", "--target-size"},
		{"--connect-timeout", "0s", "version"},
		{"--io-timeout", "soon", "version"},
	} {
		io, out, _, errOut := iostreams.Test()
		code := execute(context.Background(), io, NewRootCmd(NewFactory(io)), args)
		if code != clierr.ExitUsage || out.Len() != 0 || strings.Count(errOut.String(), "\n") != 1 {
			t.Errorf("lakectl %v: exit %d, stdout %q, stderr %q; want 2 and one line", args, code, out, errOut)
		}
	}
}
