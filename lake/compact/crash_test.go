package compact

import (
	"context"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
)

const crashEnv = "LAKECTL_COMPACT_CRASH"

// killStore kills the process (SIGKILL, as kill -9) right after the
// operation named by stage succeeds: "record" (the commit record's put),
// "publish" (the first staged file moved) or "delete" (the first input
// deleted).
type killStore struct {
	lake.Store
	stage string
	once  sync.Once
}

func (s *killStore) kill(stage string) {
	if s.stage == stage {
		s.once.Do(func() { _ = syscall.Kill(os.Getpid(), syscall.SIGKILL); select {} })
	}
}

func (s *killStore) Put(ctx context.Context, key string, r io.Reader, size int64, o lake.PutOptions) (lake.ObjectInfo, error) {
	oi, err := s.Store.Put(ctx, key, r, size, o)
	if err == nil && strings.Contains(key, "/commits/") {
		s.kill("record")
	}
	return oi, err
}

func (s *killStore) Move(ctx context.Context, src, dst string) error {
	err := s.Store.Move(ctx, src, dst)
	if err == nil {
		s.kill("publish")
	}
	return err
}

func (s *killStore) Delete(ctx context.Context, key string) error {
	err := s.Store.Delete(ctx, key)
	if err == nil && strings.HasPrefix(key, "tables/") && strings.HasSuffix(key, ".parquet") {
		s.kill("delete")
	}
	return err
}

// TestCrashChild is the child process of TestKill9AtEachStageLeavesTableExact.
func TestCrashChild(t *testing.T) {
	spec := os.Getenv(crashEnv)
	if spec == "" {
		t.Skip("child process of the crash test")
	}
	dir, stage, _ := strings.Cut(spec, "|")
	fs, err := lake.NewFileStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	store := &killStore{Store: fs, stage: stage}
	opts := Options{Table: "orders", TargetFileBytes: 1 << 20}
	opts.hook = func(s string) {
		if s == stage {
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
	}
	_, err = Compact(context.Background(), store, opts)
	t.Fatalf("child was not killed at stage %s (err %v)", stage, err)
}

func TestKill9AtEachStageLeavesTableExact(t *testing.T) {
	stages := []string{"locked", "begun", "staged", "before-commit", "record", "publish", "delete", "committed"}
	for _, stage := range stages {
		t.Run(stage, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			store, err := lake.NewFileStore(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			tbl := openTable(t, store, "orders")
			// Two partitions, each with enough data for two outputs.
			seedPartitions(ctx, t, tbl, []string{"region_part=eu", "region_part=us"}, 12, 3000)
			before := readSnapshot(ctx, t, tbl)

			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), crashEnv+"="+dir+"|"+stage)
			out, err := cmd.CombinedOutput()
			if ee, ok := err.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("child did not die by SIGKILL at %s: %v\n%s", stage, err, out)
			}

			// Any next command recovers first; here: the table's Recover, then
			// a compaction run, checking the data after each.
			if _, err := tbl.Recover(ctx); err != nil {
				t.Fatal(err)
			}
			sameData(t, before, readSnapshot(ctx, t, tbl))
			res, err := Compact(ctx, store, Options{Table: "orders", TargetFileBytes: 1 << 20})
			if err != nil {
				t.Fatal(err)
			}
			after := readSnapshot(ctx, t, tbl)
			sameData(t, before, after)
			if again, err := Compact(ctx, store, Options{Table: "orders", TargetFileBytes: 1 << 20}); err != nil || len(again.Partitions) != 0 {
				t.Fatalf("third run: %+v, %v (after rerun %+v)", again, err, res)
			}
			var staged []string
			_ = store.List(ctx, "_lakectl/tables/orders/staging/", func(oi lake.ObjectInfo) error { staged = append(staged, oi.Key); return nil })
			if len(staged) > 0 {
				t.Fatalf("staging left behind: %v", staged)
			}
		})
	}
}

func TestCompactionConcurrentWithAppendsLosesNothing(t *testing.T) {
	for _, sf := range stores() {
		t.Run(sf.name, func(t *testing.T) {
			ctx := context.Background()
			store := sf.open(t)
			tbl := openTable(t, store, "orders")
			seedPartitions(ctx, t, tbl, []string{"region_part=eu", "region_part=us"}, 30, 500)
			before := readSnapshot(ctx, t, tbl)

			const appends = 20
			var wg sync.WaitGroup
			wg.Go(func() {
				for i := range appends {
					part := "region_part=eu"
					if i%2 == 1 {
						part = "region_part=us"
					}
					writeFiles(ctx, t, tbl, mixedSchema, part, [][]schema.Row{mixedRows(1_000_000+i*100, 100)})
				}
			})
			var runs int
			for range 3 {
				if _, err := Compact(ctx, store, Options{Table: "orders"}); err != nil {
					t.Fatal(err)
				}
				runs++
			}
			wg.Wait()
			if _, err := Compact(ctx, store, Options{Table: "orders"}); err != nil {
				t.Fatal(err)
			}
			after := readSnapshot(ctx, t, tbl)
			if want := before.Rows + appends*100; after.Rows != want || int64(len(after.IDs)) != want {
				t.Fatalf("after %d compactions with appends: %d rows, %d distinct ids, want %d", runs+1, after.Rows, len(after.IDs), want)
			}
			for id, n := range after.IDs {
				if n != 1 {
					t.Fatalf("id %d appears %d times", id, n)
				}
			}
		})
	}
}
