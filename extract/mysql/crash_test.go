package mysql

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/redact"
	"github.com/lakectl/lakectl/lake"
)

// envChild makes the test binary run one extract (Options as JSON, the
// lake folder in envChildLake) instead of the tests: the process the
// crash test kills with SIGKILL.
const (
	envChild     = "LAKECTL_MYSQL_TEST_CHILD"
	envChildLake = "LAKECTL_MYSQL_TEST_CHILD_LAKE"
)

func TestMain(m *testing.M) {
	if spec := os.Getenv(envChild); spec != "" {
		os.Exit(runChild(spec, os.Getenv(envChildLake)))
	}
	os.Exit(m.Run())
}

func runChild(spec, dir string) int {
	var o Options
	if err := json.Unmarshal([]byte(spec), &o); err != nil {
		return 2
	}
	store, err := lake.NewFileStore(dir)
	if err != nil {
		return 2
	}
	ctx := redact.WithSecrets(context.Background(), &redact.Secrets{})
	if _, err := Extract(ctx, store, o); err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		return 1
	}
	return 0
}

// killMidRun starts an extract in a child process and SIGKILLs it once
// it has staged a data file (or after a deadline).
func killMidRun(t *testing.T, f *fixture, o Options) {
	t.Helper()
	spec, _ := json.Marshal(o)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envChild+"="+string(spec), envChildLake+"="+f.dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		staged, _ := filepath.Glob(filepath.Join(f.dir, "_lakectl", "tables", "*", "staging", "*", "*.parquet"))
		if len(staged) > 0 {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}

func TestKilledRunIsRepairedWithoutLossOrDuplicates(t *testing.T) {
	f := newFixture(t)
	f.exec(
		"CREATE TABLE k (id INT NOT NULL PRIMARY KEY, v VARCHAR(40), updated_at DATETIME(6) NOT NULL, KEY (updated_at))",
		"INSERT INTO k SELECT seq, REPEAT('v', 30), TIMESTAMP'2025-01-01 00:00:00' + INTERVAL seq SECOND FROM seq_1_to_200000",
	)
	o := f.opts("k")
	o.Incremental, o.Cursor, o.Lookback, o.ChunkRows = true, "updated_at", time.Hour, 5000
	o.TargetFileBytes = 64 << 10 // many small files: a kill lands between them
	all := map[string]bool{}
	record := func() {
		for _, p := range currentVersions(t, f, "k") {
			all[p] = true
		}
	}
	check := func(name string) {
		t.Helper()
		got := lakeVersions(t, f, "k")
		missing := 0
		for p := range all {
			if !got[p] {
				missing++
			}
		}
		if missing > 0 || len(got) != len(all) {
			t.Fatalf("%s: lake has %d versions, %d of MariaDB's %d missing", name, len(got), missing, len(all))
		}
		if staged, _ := filepath.Glob(filepath.Join(f.dir, "_lakectl", "tables", "k", "staging", "*", "*.parquet")); len(staged) > 0 {
			t.Errorf("%s: staged files left after the rerun: %v", name, staged)
		}
	}

	record()
	killMidRun(t, f, o) // killed during the first (snapshot) run
	f.mustExtract(o)
	check("snapshot killed, then rerun")

	f.exec("UPDATE k SET v = 'updated', updated_at = updated_at + INTERVAL 300000 SECOND WHERE id % 3 = 0")
	record()
	killMidRun(t, f, o) // killed during an incremental run
	res := f.mustExtract(o)
	check("incremental killed, then rerun")
	if !strings.HasPrefix(res.WatermarkAfter, "2025-01-") {
		t.Errorf("watermark %q", res.WatermarkAfter)
	}
	if res := f.mustExtract(o); res.Rows != 0 {
		t.Errorf("a rerun after recovery wrote %d rows, want 0", res.Rows)
	}
	check("rerun")
}
