package cmd

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/lakectl/lakectl/lake"
)

func TestLakeCompactCommandDryRunThenCompact(t *testing.T) {
	dir := t.TempDir()
	store, err := lake.Open(context.Background(), dir, lake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		writeTable(t, store, "orders", i*10, 10) // 5 commits x 2 day partitions
	}
	type result struct {
		DryRun     bool  `json:"dry_run"`
		Rows       int64 `json:"rows"`
		Files      int64 `json:"files"`
		InputFiles int64 `json:"input_files"`
		DurationS  float64
	}
	compactRun := func(extra ...string) result {
		t.Helper()
		code, out, errOut := run(t, append([]string{"--lake", dir, "-o", "json", "lake", "compact", "orders"}, extra...)...)
		if code != 0 {
			t.Fatalf("compact %v: exit %d %s", extra, code, errOut)
		}
		var r result
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := compactRun("--dry-run"); !r.DryRun || r.InputFiles != 10 {
		t.Fatalf("dry run: %+v", r)
	}
	if r := compactRun(); r.InputFiles != 10 || r.Files != 2 || r.Rows != 50 {
		t.Fatalf("compact: %+v", r)
	}
	if r := compactRun(); r.InputFiles != 0 || r.Files != 0 {
		t.Fatalf("second compact is not a no-op: %+v", r)
	}
	code, out, _ := run(t, "--lake", dir, "-o", "json", "lake", "ls")
	var ls LakeListing
	if code != 0 || json.Unmarshal([]byte(out), &ls) != nil || len(ls.Tables) != 1 || ls.Tables[0].Rows != 50 || ls.Tables[0].Files != 2 {
		t.Fatalf("lake ls after compaction: %s", out)
	}
	if code, _, _ := run(t, "--lake", dir, "lake", "compact", "nosuch"); code != 2 {
		t.Fatalf("unknown table: exit %d, want 2", code)
	}
}
