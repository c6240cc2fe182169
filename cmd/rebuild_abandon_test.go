package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/iostreams"
)

func TestNewCmdRebuildAbandonParsesTheRun(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	f := NewFactory(io)
	var got *rebuildAbandonOptions
	c := newCmdRebuildAbandon(f, func(o *rebuildAbandonOptions) error { got = o; return nil })
	c.SetArgs([]string{"20261201T030046Z-495ebb9a"})
	if err := c.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.RunID != "20261201T030046Z-495ebb9a" || got.f != f {
		t.Fatalf("options %+v", got)
	}
	c = newCmdRebuildAbandon(f, func(*rebuildAbandonOptions) error { t.Fatal("ran without a run id"); return nil })
	c.SetArgs(nil)
	c.SilenceUsage, c.SilenceErrors = true, true
	if err := c.Execute(); err == nil {
		t.Fatal("no RUN accepted")
	}
}

// The way out of a failed migration, through the CLI: resume with a
// corrected file says it used it; abandon frees the table for a new apply.
func TestRebuildResumeWithCorrectedMigrationAndAbandon(t *testing.T) {
	dir, lakeDir, _ := ordersLake(t)
	bad, good := filepath.Join(dir, "bad.sql"), filepath.Join(dir, "good.sql")
	if err := os.WriteFile(bad, []byte("CREATE TABLE {{.NewTable}} (id NO_SUCH_TYPE, created_at TIMESTAMPTZ);\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(good, []byte("CREATE TABLE {{.NewTable}} (id BIGINT, created_at TIMESTAMPTZ);\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := []string{"--lake", lakeDir, "--warehouse", "duckdb://" + filepath.Join(dir, "wh.duckdb")}
	if code, _, errOut := run(t, append(base, "warehouse", "load", "orders")...); code != 0 {
		t.Fatalf("load: %s", errOut)
	}
	runID := func() string {
		t.Helper()
		_, out, _ := run(t, append(base, "-o", "json", "rebuild", "status")...)
		var st struct {
			Runs []struct {
				Run   string `json:"run"`
				State string `json:"state"`
			} `json:"runs"`
		}
		if err := json.Unmarshal([]byte(out), &st); err != nil {
			t.Fatalf("status: %v\n%s", err, out)
		}
		for _, r := range st.Runs {
			if r.State != "done" {
				return r.Run // the unfinished one (run ids of one second sort at random)
			}
		}
		t.Fatalf("no unfinished run:\n%s", out)
		return ""
	}
	if code, _, _ := run(t, append(base, "rebuild", "apply", "orders", "--migration", bad, "--yes")...); code == 0 {
		t.Fatal("bad migration applied")
	}
	code, out, errOut := run(t, append(base, "rebuild", "resume", runID(), "--migration", good)...)
	if code != 0 || !strings.Contains(out, "used the corrected migration "+good) {
		t.Fatalf("resume --migration: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, _ := run(t, append(base, "rebuild", "apply", "orders", "--migration", bad, "--yes")...); code == 0 {
		t.Fatal("bad migration applied")
	}
	id := runID()
	code, out, errOut = run(t, append(base, "rebuild", "abandon", id)...)
	if code != 0 || !strings.Contains(out, "abandoned") {
		t.Fatalf("abandon: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := run(t, append(base, "rebuild", "apply", "orders", "--migration", good, "--yes")...); code != 0 {
		t.Fatalf("apply after abandon: %s", errOut)
	}
	if code, _, errOut := run(t, append(base, "rebuild", "abandon", id+"x")...); code != 2 {
		t.Fatalf("abandon of no such run: exit %d %s", code, errOut)
	}
}
