package api

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/lakectl/lakectl/lake"
)

// TestKilledRunResumesWithoutDuplicates runs extractions in a child
// process and kills them with SIGKILL mid-run: once before any commit,
// once right after a commit (raw bundles landed, others open), and checks
// that the next run leaves every record version in the table exactly
// once, and that raw/ alone rebuilds the same table.
func TestKilledRunResumesWithoutDuplicates(t *testing.T) {
	if os.Getenv("LAKECTL_API_CHILD_SPEC") != "" {
		store, err := lake.NewFileStore(os.Getenv("LAKECTL_API_CHILD_LAKE"))
		if err != nil {
			os.Exit(3)
		}
		minCommitEvery = 0 // a commit every batch: kills land between them
		_, err = Extract(context.Background(), store, Options{Sources: []string{os.Getenv("LAKECTL_API_CHILD_SPEC")},
			Concurrency: 8, Now: func() time.Time { return runStart }})
		if err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	setTokens(t)
	p := newPartner(t, testToken)
	p.delay = 3 * time.Millisecond
	store, dir := newLake(t)
	spec := specFor(t, p, "killed", "page", map[string]any{"endpoint.window": map[string]any{"granularity": "hour", "start": "2025-12-25T00:00:00Z", "lookback": "1h"}})
	killChild(t, p, dir, spec, "before any commit", func() bool { return p.requests.Load() >= 300 })
	committed := func() bool {
		f, _ := filepath.Glob(filepath.Join(dir, "tables", "killed_tx", "*", "*.parquet"))
		g, _ := filepath.Glob(filepath.Join(dir, "tables", "killed_tx", "*.parquet"))
		return len(f)+len(g) > 0
	}
	killChild(t, p, dir, spec, "after a commit", committed)
	if _, err := run(t, store, runStart, Options{Sources: []string{spec}, Concurrency: 8}); err != nil {
		t.Fatalf("run after kill -9: %v", err)
	}
	start, _ := time.Parse(time.RFC3339, "2025-12-25T00:00:00Z")
	wantRows, wantSum := p.expected(start, runStart, "a1", "a2")
	got := tableAggregates(t, dir, "killed_tx")
	if got.Rows != wantRows || got.DistinctVersions != wantRows || got.SumAmount != wantSum {
		t.Errorf("after kill -9 and rerun table = %+v, want %d rows, sum %s", got, wantRows, wantSum)
	}
	// Raw objects are whole or absent, and raw/ alone rebuilds the table.
	for _, path := range rawObjects(t, dir, "killed") {
		rawMembers(t, path)
	}
	p.srv.Close()
	if _, err := run(t, store, runStart, Options{Sources: []string{spec}, Replay: true}); err != nil {
		t.Fatalf("replay after kill -9 and rerun: %v", err)
	}
	if got := tableAggregates(t, dir, "killed_tx"); got.Rows != wantRows || got.DistinctVersions != wantRows || got.SumAmount != wantSum {
		t.Errorf("replay after kill -9 and rerun: table = %+v, want %d rows, sum %s", got, wantRows, wantSum)
	}
}

// killChild starts an extraction in a child process and kills it once
// when holds.
func killChild(t *testing.T, p *partner, dir, spec, when string, until func() bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestKilledRunResumesWithoutDuplicates$")
	cmd.Env = append(os.Environ(), "LAKECTL_API_CHILD_SPEC="+spec, "LAKECTL_API_CHILD_LAKE="+dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for !until() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if cmd.ProcessState.Success() {
		t.Fatalf("kill %s: the child finished before it was killed (%d requests); the test proved nothing", when, p.requests.Load())
	}
}
