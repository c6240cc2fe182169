package cmd

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/clierr"
	"github.com/lakectl/lakectl/internal/iostreams"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/warehouse"
	"github.com/lakectl/lakectl/warehouse/scale"
)

// optCase is one command line of an options-capturing test: the command
// runs through the whole root (so the config file, LAKECTL_* variables and
// flags take their precedence) with its run function replaced by one that
// captures the options; no service is opened.
type optCase[O any] struct {
	args   []string          // after the command's path
	env    map[string]string // LAKECTL_* variables
	config string            // YAML of a config file given with --config
	code   int               // the exit code wanted; 0: run was called
	check  func(t *testing.T, o *O)
}

var errNoService = errors.New("an options test opened a service")

// noServiceFactory is a factory whose constructors refuse to open anything.
func noServiceFactory(io *iostreams.IO) *Factory {
	f := NewFactory(io)
	f.Store = func(context.Context) (lake.Store, error) { return nil, errNoService }
	f.Warehouse = func(context.Context, string) (warehouse.Warehouse, error) { return nil, errNoService }
	f.Scaler = func(context.Context, warehouse.Warehouse) (*scale.Scaler, error) { return nil, errNoService }
	return f
}

// testOptions runs each case through the root with the leaf at path built
// by newCmd with a capturing run function.
func testOptions[O any](t *testing.T, path string, newCmd func(*Factory, func(*O) error) *cobra.Command, cases []optCase[O]) {
	t.Helper()
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			isolateConfig(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			io, _, _, errOut := iostreams.Test()
			f := noServiceFactory(io)
			var got *O
			root := replaceLeaf(t, NewRootCmd(f), strings.Fields(path), newCmd(f, func(o *O) error { got = o; return nil }))
			args := append(strings.Fields(path), tc.args...)
			if tc.config != "" {
				p := filepath.Join(t.TempDir(), "lakectl.yaml")
				if err := os.WriteFile(p, []byte(tc.config), 0o600); err != nil {
					t.Fatal(err)
				}
				args = append([]string{"--config", p}, args...)
			}
			code := execute(context.Background(), io, f, root, args)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tc.code, errOut)
			}
			if code != clierr.ExitOK {
				return
			}
			if got == nil {
				t.Fatal("run function not called")
			}
			if tc.check != nil {
				tc.check(t, got)
			}
		})
	}
}

// isolateConfig hides the developer's LAKECTL_* variables and config file
// (t.Setenv restores them after the test).
func isolateConfig(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "LAKECTL_") && !strings.HasPrefix(k, "LAKECTL_TEST") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
}

// replaceLeaf puts leaf in place of the command at path, typed as
// NewRootCmd types its commands' usage errors.
func replaceLeaf(t *testing.T, root *cobra.Command, path []string, leaf *cobra.Command) *cobra.Command {
	t.Helper()
	parent := root
	for _, name := range path[:len(path)-1] {
		next, _, err := parent.Find([]string{name})
		if err != nil || next == parent {
			t.Fatalf("no command %q under %s", name, parent.CommandPath())
		}
		parent = next
	}
	old, _, err := parent.Find(path[len(path)-1:])
	if err != nil || old == parent {
		t.Fatalf("no command %v", path)
	}
	parent.RemoveCommand(old)
	parent.AddCommand(leaf)
	typeUsageErrors(leaf)
	return root
}

// Precedence cases for the lake and warehouse every command reads through
// the factory: flag over LAKECTL_* over config file over default.

func lakePrecedence[O any](args []string, lakeOf func(*O) string) []optCase[O] {
	want := func(w string) func(*testing.T, *O) {
		return func(t *testing.T, o *O) {
			if got := lakeOf(o); got != w {
				t.Errorf("lake %q, want %q", got, w)
			}
		}
	}
	flag := append([]string{"--lake", "/from/flag"}, args...)
	return []optCase[O]{
		{args: args, check: want("./lake")},
		{args: args, config: "lake: /from/config\n", check: want("/from/config")},
		{args: args, config: "lake: /from/config\n", env: map[string]string{"LAKECTL_LAKE": "/from/env"}, check: want("/from/env")},
		{args: flag, config: "lake: /from/config\n", env: map[string]string{"LAKECTL_LAKE": "/from/env"}, check: want("/from/flag")},
	}
}

func warehousePrecedence[O any](args []string, whOf func(*O) string) []optCase[O] {
	want := func(w string) func(*testing.T, *O) {
		return func(t *testing.T, o *O) {
			if got := whOf(o); got != w {
				t.Errorf("warehouse %q, want %q", got, w)
			}
		}
	}
	flag := append([]string{"--warehouse", "duckdb:///from/flag.duckdb"}, args...)
	cfg := "warehouse: postgres://cfg@db/dw\n"
	env := map[string]string{"LAKECTL_WAREHOUSE": "postgres://env@db/dw"}
	return []optCase[O]{
		{args: args, check: want("duckdb://./warehouse.duckdb")},
		{args: args, config: cfg, check: want("postgres://cfg@db/dw")},
		{args: args, config: cfg, env: env, check: want("postgres://env@db/dw")},
		{args: flag, config: cfg, env: env, check: want("duckdb:///from/flag.duckdb")},
	}
}
