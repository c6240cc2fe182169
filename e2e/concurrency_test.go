package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/testenv"
)

// exitTempFail is EX_TEMPFAIL: another run holds the job's lock.
const exitTempFail = 75

// TestSecondExtractOfOneJobExits75 starts two extracts of the same job at
// once while the source table is write-locked, so the one that takes the
// job lock stays inside its run: the other must exit 75 at once with a
// one-line message about the lock, the first must then finish with 0, and
// the lake must hold the table once.
func TestSecondExtractOfOneJobExits75(t *testing.T) {
	rng := seededRand(t)
	src := newSource(t, rng)
	src.insert(t, 50, src.clock(0))
	lk := fileLake(t)
	c := newCLI(t, lk.flags...)

	ctx := context.Background()
	conn, err := src.db.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "LOCK TABLES orders WRITE"); err != nil {
		t.Fatalf("lock source table: %v", err)
	}
	locked := true
	unlock := func() {
		if locked {
			locked = false
			if _, err := conn.ExecContext(ctx, "UNLOCK TABLES"); err != nil {
				t.Fatalf("unlock source table: %v", err)
			}
		}
	}
	defer unlock()

	procs := []*started{c.start(t, extractArgs(src)...), c.start(t, extractArgs(src)...)}
	first := -1
	deadline := time.After(time.Minute)
	for first < 0 {
		select {
		case <-procs[0].done:
			first = 0
		case <-procs[1].done:
			first = 1
		case <-deadline:
			unlock()
			t.Fatalf("neither extract ended within a minute while the other held the job lock:\n%s\n%s",
				procs[0].wait(t), procs[1].wait(t))
		}
	}
	loser := procs[first].wait(t)
	unlock()
	winner := procs[1-first].wait(t)

	if loser.code != exitTempFail {
		t.Errorf("the extract that found the job locked: want exit %d, got: %s", exitTempFail, loser)
	}
	lines := nonEmptyLines(loser.stderr)
	if len(lines) != 1 || !strings.Contains(strings.ToLower(lines[0]), "lock") {
		t.Errorf("the locked-out extract should say so in one line on stderr, got %q", loser.stderr)
	}
	if loser.stdout != "" {
		t.Errorf("the locked-out extract printed a result on stdout: %q", loser.stdout)
	}
	if winner.code != 0 {
		t.Fatalf("the extract holding the lock: want exit 0: %s", winner)
	}
	var res struct{ Rows int64 }
	decodeOneJSON(t, winner, &res)
	if res.Rows != 50 {
		t.Errorf("extract rows = %d, want 50", res.Rows)
	}
	checkLake(t, c, lk, "orders", src.versions(t))
}

// Sizes of the concurrent runs.
const (
	concurrentReps    = 4
	concurrentInserts = 60
	concurrentUpdates = 60
)

// TestCompactionConcurrentWithExtractsAndLoads runs, repeatedly and all at
// once as separate processes: an incremental extract, two compactions and
// three loads (two into PostgreSQL, one into DuckDB). Compactions and
// loads may be locked out (75) but nothing else may fail, and afterwards
// the lake holds each version once and the warehouses equal the source.
func TestCompactionConcurrentWithExtractsAndLoads(t *testing.T) {
	rng := seededRand(t)
	src := newSource(t, rng)
	src.insert(t, initialRows, src.clock(0))
	lk := fileLake(t)
	c := newCLI(t, lk.flags...)
	duck, pg := duckWarehouse(t), pgWarehouse(testenv.Postgres(t))
	seen := map[version]string{}

	// A first pass sequentially, so that compaction has files to rewrite
	// and loads have a table to merge into.
	c.runOK(t, nil, extractArgs(src)...)
	addAll(seen, src.versions(t))
	c.runOK(t, nil, loadArgs(pg)...)
	c.runOK(t, nil, loadArgs(duck)...)

	type cmd struct {
		name  string
		args  []string
		codes []int // acceptable exit codes
	}
	cmds := []cmd{
		{"extract", extractArgs(src), []int{0}},
		{"compact 1", compactArgs(), []int{0, exitTempFail}},
		{"compact 2", compactArgs(), []int{0, exitTempFail}},
		{"load postgres 1", loadArgs(pg), []int{0, exitTempFail}},
		{"load postgres 2", loadArgs(pg), []int{0, exitTempFail}},
		{"load duckdb", loadArgs(duck), []int{0, exitTempFail}},
	}
	compacted := 0
	for rep := range concurrentReps {
		src.mutate(t, concurrentInserts, concurrentUpdates, roundLateRows)
		args := make([][]string, len(cmds))
		for i, cm := range cmds {
			args[i] = cm.args
		}
		for i, res := range c.runAll(t, args...) {
			if !slices.Contains(cmds[i].codes, res.code) {
				t.Errorf("rep %d, %s run concurrently: want exit in %v: %s", rep, cmds[i].name, cmds[i].codes, res)
			}
			if strings.HasPrefix(cmds[i].name, "compact") && res.code == 0 {
				var cr struct {
					InputFiles int64 `json:"input_files"`
				}
				decodeOneJSON(t, res, &cr)
				if cr.InputFiles > 0 {
					compacted++
				}
			}
		}
		addAll(seen, src.versions(t))
		// A command that failed is reported above; the reps go on while
		// the lake holds, so the data checks below still run.
		if !checkLake(t, c, lk, "orders", seen) {
			t.Fatalf("rep %d: the lake lost or duplicated rows", rep)
		}
	}
	if compacted == 0 {
		t.Errorf("no concurrent compaction rewrote a file: the test proved nothing")
	}

	// Cron's next quiet run catches up; then everything must agree.
	c.runOK(t, nil, extractArgs(src)...)
	c.runOK(t, nil, compactArgs()...)
	c.runOK(t, nil, loadArgs(pg)...)
	c.runOK(t, nil, loadArgs(duck)...)
	checkLake(t, c, lk, "orders", seen)
	want := src.digest(t)
	checkWarehouse(t, pg, want)
	checkWarehouse(t, duck, want)
}

func nonEmptyLines(s string) []string {
	var out []string
	for l := range strings.SplitSeq(s, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}
