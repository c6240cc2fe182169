package cmd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/clierr"
	"github.com/lakectl/lakectl/internal/iostreams"
	"github.com/lakectl/lakectl/internal/netx"
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

// --connect-timeout/--io-timeout: flag > LAKECTL_* > config file > default.
func TestTimeoutsPrecedence(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(cfg, []byte("connect_timeout: 11s\nio_timeout: 12m\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		env           string
		args          []string
		connect, idle time.Duration
	}{
		{"", nil, netx.DefaultConnect, netx.DefaultIO},
		{"", []string{"--config", cfg}, 11 * time.Second, 12 * time.Minute},
		{"7s", []string{"--config", cfg}, 11 * time.Second, 7 * time.Second},
		{"7s", []string{"--config", cfg, "--io-timeout", "3s", "--connect-timeout", "2s"}, 2 * time.Second, 3 * time.Second},
	} {
		t.Setenv("LAKECTL_IO_TIMEOUT", c.env)
		if c.env == "" {
			os.Unsetenv("LAKECTL_IO_TIMEOUT")
		}
		io, _, _, errOut := iostreams.Test()
		f := NewFactory(io)
		root := NewRootCmd(f)
		var got netx.Timeouts
		root.AddCommand(&cobra.Command{Use: "probe", RunE: func(*cobra.Command, []string) error { got = f.Timeouts(); return nil }})
		if code := execute(context.Background(), io, root, append(c.args, "probe")); code != 0 {
			t.Fatalf("%v: exit %d %s", c.args, code, errOut)
		}
		if got.Connect != c.connect || got.IO != c.idle {
			t.Errorf("env %q args %v: got %+v, want connect %s io %s", c.env, c.args, got, c.connect, c.idle)
		}
	}
}
