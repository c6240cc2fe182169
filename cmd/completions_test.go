package cmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/lake"
)

// TestCompletionsComplete drives `lakectl __complete` as the shells do:
// table names from the lake, enum flags' values, job names and --migration's
// .sql files (issue 17).
func TestCompletionsComplete(t *testing.T) {
	dir := t.TempDir()
	lakeDir := filepath.Join(dir, "lake")
	store, err := lake.Open(context.Background(), lakeDir, lake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	writeTable(t, store, "orders", 0, 3)
	writeTable(t, store, "clicks", 0, 3)
	cfg := filepath.Join(dir, "lakectl.yaml")
	yaml := "lake: " + lakeDir + "\njobs:\n  - name: orders-nightly\n    type: compact\n    table: orders\n  - name: clicks-hourly\n    type: compact\n    table: clicks\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"catalog", "ddl", ""}, []string{"orders", "clicks"}},
		{[]string{"lake", "ls", ""}, []string{"orders", "clicks"}},
		{[]string{"warehouse", "load", ""}, []string{"orders", "clicks"}},
		{[]string{"catalog", "ddl", "orders", "--dialect", ""}, []string{"redshift", "athena", "postgres", "duckdb"}},
		{[]string{"warehouse", "load", "orders", "--mode", ""}, []string{"append", "upsert", "replace"}},
		{[]string{"extract", "mysql", "--spatial", ""}, []string{"wkb", "wkt"}},
		{[]string{"run", ""}, []string{"orders-nightly", "clicks-hourly"}},
		{[]string{"rebuild", "plan", "orders", "--migration", ""}, []string{"sql", ":8"}},
	} {
		args := append([]string{"__complete", "--config", cfg}, c.args...)
		code, out, errOut := run(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d %s", c.args, code, errOut)
		}
		lines := strings.Split(out, "\n")
		for _, w := range c.want {
			found := false
			for _, l := range lines {
				if strings.SplitN(l, "\t", 2)[0] == w {
					found = true
				}
			}
			if !found {
				t.Errorf("lakectl %s: no %q in\n%s", strings.Join(c.args, " "), w, out)
			}
		}
	}
}
