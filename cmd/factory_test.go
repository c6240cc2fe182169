package cmd

import (
	"context"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/docgen"
	"github.com/lakectl/lakectl/internal/iostreams"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/warehouse"
	"github.com/lakectl/lakectl/warehouse/scale"
)

// Dynamic completion (`__complete`) of tables does open the lake, bounded
// to 2s; the scripts, help, version and docs must not.

// guardedFactory fails the test when anything opens the lake, the
// warehouse or the control plane.
func guardedFactory(t *testing.T, io *iostreams.IO) *Factory {
	f := NewFactory(io)
	f.Store = func(context.Context) (lake.Store, error) { t.Error("the lake was opened"); return nil, errNoService }
	f.Warehouse = func(context.Context, string) (warehouse.Warehouse, error) {
		t.Error("the warehouse was opened")
		return nil, errNoService
	}
	f.Scaler = func(context.Context, warehouse.Warehouse) (*scale.Scaler, error) {
		t.Error("the control plane was asked")
		return nil, errNoService
	}
	return f
}

func TestHelpCompletionVersionAndDocsOpenNothing(t *testing.T) {
	t.Setenv("LAKECTL_LAKE", "s3://no-such-bucket/lake")
	t.Setenv("LAKECTL_WAREHOUSE", "postgres://u:pw@127.0.0.1:1/dw")
	var paths [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		paths = append(paths, path)
		for _, sub := range c.Commands() {
			walk(sub, append(append([]string{}, path...), sub.Name()))
		}
	}
	io, _, _, _ := iostreams.Test()
	walk(NewRootCmd(NewFactory(io)), nil)
	lines := [][]string{{"version"}, {"completion", "bash"}, {"completion", "zsh"}}
	for _, p := range paths {
		lines = append(lines, append(append([]string{}, p...), "--help"))
	}
	for _, args := range lines {
		io, _, _, errOut := iostreams.Test()
		f := guardedFactory(t, io)
		if code := execute(context.Background(), io, f, NewRootCmd(f), args); code != 0 {
			t.Errorf("%s: exit %d: %s", strings.Join(args, " "), code, errOut)
		}
	}
	io, _, _, _ = iostreams.Test()
	if err := docgen.Generate(NewRootCmd(guardedFactory(t, io)), t.TempDir()); err != nil {
		t.Fatal(err)
	}
}
