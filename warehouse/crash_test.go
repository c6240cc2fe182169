package warehouse_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/table"
	"github.com/lakectl/lakectl/warehouse"
)

// stall marks that copying has begun, then blocks, so the parent test can
// kill the process in the middle of the load's transaction.
type stall struct{ marker string }

func (stall) SetTotal(int64) {}
func (s stall) Add(int64, int64) {
	_ = os.WriteFile(s.marker, []byte("copying"), 0o644)
	time.Sleep(time.Hour)
}
func (stall) Done() {}

// TestHelperLoadUntilKilled is the child process of the kill -9 test.
func TestHelperLoadUntilKilled(t *testing.T) {
	if os.Getenv("LAKECTL_WH_CHILD") != "1" {
		t.Skip("child process of TestKilledLoadThenRerunLoadsExactlyOnce")
	}
	ctx := context.Background()
	opts := lake.Options{}
	if ep := os.Getenv("LAKECTL_WH_S3_ENDPOINT"); ep != "" {
		opts = lake.Options{S3Endpoint: ep, S3PathStyle: true}
	}
	store, err := lake.Open(ctx, os.Getenv("LAKECTL_WH_LAKE"), opts)
	if err != nil {
		t.Fatal(err)
	}
	wh, err := warehouse.Open(ctx, os.Getenv("LAKECTL_WH_URL"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = warehouse.Load(ctx, store, wh, warehouse.LoadOptions{Table: "crash", Progress: stall{os.Getenv("LAKECTL_WH_MARKER")}})
	t.Fatalf("load returned (%v) instead of being killed", err)
}

func TestKilledLoadThenRerunLoadsExactlyOnce(t *testing.T) {
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			dir := t.TempDir()
			store, err := lake.Open(context.Background(), dir, lake.Options{})
			if err != nil {
				t.Fatal(err)
			}
			b1, b2 := makeRecs(1, 400, 1), makeRecs(401, 400, 1)
			appendBatch(t, store, "crash", b1, table.PartitionRule{})
			load(t, tg, store, warehouse.LoadOptions{Table: "crash"})
			appendBatch(t, store, "crash", b2, table.PartitionRule{})

			marker := filepath.Join(t.TempDir(), "copying")
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperLoadUntilKilled$", "-test.count=1")
			cmd.Env = append(os.Environ(), "LAKECTL_WH_CHILD=1", "LAKECTL_WH_LAKE="+dir, "LAKECTL_WH_URL="+tg.url, "LAKECTL_WH_MARKER="+marker)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(60 * time.Second)
			for {
				if _, err := os.Stat(marker); err == nil {
					break
				}
				if time.Now().After(deadline) {
					_ = cmd.Process.Kill()
					t.Fatal("child never started copying")
				}
				time.Sleep(20 * time.Millisecond)
			}
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Wait()

			checkAggregates(t, tg.agg(t, "crash"), expected(b1))
			res := load(t, tg, store, warehouse.LoadOptions{Table: "crash"})
			if res.Files != 1 || res.Rows != 400 {
				t.Errorf("rerun after kill -9 loaded %d files, %d rows; want 1, 400", res.Files, res.Rows)
			}
			checkAggregates(t, tg.agg(t, "crash"), expected(append(b1, b2...)))
			if res := load(t, tg, store, warehouse.LoadOptions{Table: "crash"}); res.Files != 0 {
				t.Errorf("second rerun loaded %d files", res.Files)
			}
		})
	}
}
