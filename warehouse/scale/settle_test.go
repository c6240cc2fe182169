package scale_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/awsfake"
	"github.com/lakectl/lakectl/warehouse"
	"github.com/lakectl/lakectl/warehouse/scale"
)

// A workgroup at 4 RPUs (the smallest base capacity AWS offers) is scaled
// up and must be restored to 4.
func TestTemporarilyRestoresAWorkgroupAtFourRPUs(t *testing.T) {
	fake := awsfake.StartRedshift(t)
	fake.AddWorkgroup(&awsfake.RedshiftWorkgroup{Name: "etl", RPU: 4, UpdatePolls: 1})
	s := newScaler(t, fake, scale.Config{Workgroup: "etl"})
	store := openLake(t)
	var during int
	_, restore, err := s.Temporarily(context.Background(), store, 64, func(context.Context) error {
		during, _ = fake.WorkgroupRPU("etl")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if rpu, st := fake.WorkgroupRPU("etl"); during != 64 || rpu != 4 || st != "AVAILABLE" || restore.To != 4 {
		t.Fatalf("ran at %d RPUs, left at %d %s, restore %+v", during, rpu, st, restore)
	}
	if rec, _ := scale.ReadRecord(context.Background(), store, "etl"); rec != nil {
		t.Fatalf("record left: %+v", rec)
	}
}

// A restore goes to the recorded size even when this code's table of
// sizes does not list it: the service decides.
func TestRestoreIsNeverRefusedLocally(t *testing.T) {
	fake := awsfake.StartRedshift(t)
	fake.AddWorkgroup(&awsfake.RedshiftWorkgroup{Name: "etl", RPU: 1024, MaxRPU: 1024, UpdatePolls: 0})
	s := newScaler(t, fake, scale.Config{Workgroup: "etl"})
	store := openLake(t)
	if _, err := s.Scale(context.Background(), scale.Options{To: 640, Wait: true}); err != nil {
		t.Fatal(err)
	}
	writeRecord(t, store, scale.Record{Kind: scale.Serverless, Name: "etl", Unit: "rpu", Original: 1024, Target: 640, PID: 1})
	if _, err := s.Restore(context.Background(), store, true); err != nil {
		t.Fatal(err)
	}
	if rpu, _ := fake.WorkgroupRPU("etl"); rpu != 1024 {
		t.Fatalf("restored to %d RPUs, want 1024", rpu)
	}
}

// SIGINT while the resize up is still running: the restore must wait for
// it to end (until then the cluster reports its old size), then resize
// back, and keep the record until the cluster is at the original size.
func TestInterruptDuringScaleUpRestoresAfterTheResizeEnds(t *testing.T) {
	fake := awsfake.StartRedshift(t)
	newCluster(fake, 2, 20)
	s := newScaler(t, fake, scale.Config{Cluster: "analytics"})
	store := openLake(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for fake.Count("ResizeCluster") == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	ran := false
	_, _, err := s.Temporarily(ctx, store, 8, func(context.Context) error { ran = true; return nil })
	if err == nil || ran {
		t.Fatalf("err = %v, work ran %v; want the interrupt", err, ran)
	}
	nodes, status := fake.ClusterNodes("analytics")
	if nodes != 2 || status != "available" || fake.Count("ResizeCluster") != 2 {
		t.Fatalf("cluster %d nodes %s after %d resizes, want back at 2 and available", nodes, status, fake.Count("ResizeCluster"))
	}
	if rec, _ := scale.ReadRecord(context.Background(), store, "analytics"); rec != nil {
		t.Fatalf("record left: %+v", rec)
	}
}

// A resize being cancelled (CANCELLING) has not ended: a new resize waits.
func TestScaleWaitsForACancellingResize(t *testing.T) {
	fake := awsfake.StartRedshift(t)
	fake.AddCluster(&awsfake.RedshiftCluster{ID: "analytics", NodeType: "ra3.4xlarge", Nodes: 2, Allowed: []int{2, 3, 4}, ResizePolls: 2, CancelPolls: 3})
	s := newScaler(t, fake, scale.Config{Cluster: "analytics"})
	if _, err := s.Scale(context.Background(), scale.Options{To: 4}); err != nil {
		t.Fatal(err)
	}
	if !fake.CancelResize("analytics") {
		t.Fatal("no resize to cancel")
	}
	res, err := s.Scale(context.Background(), scale.Options{To: 3, Wait: true})
	if err != nil {
		t.Fatalf("resize while CANCELLING: %v", err)
	}
	if nodes, _ := fake.ClusterNodes("analytics"); nodes != 3 || res.From != 2 {
		t.Fatalf("cluster at %d nodes, result %+v", nodes, res)
	}
}

// Errors left after the SDK's retries (500s) do not end a wait at once;
// a run of them does, saying the resize may still be running.
func TestWaitRetriesTransientErrorsAndGivesUpAfterARun(t *testing.T) {
	for _, tc := range []struct {
		name  string
		flaky int
		ok    bool
	}{{"cluster recovers", 7, true}, {"workgroup recovers", 7, true}, {"cluster keeps failing", 1000, false}} {
		t.Run(tc.name, func(t *testing.T) {
			fake := awsfake.StartRedshift(t)
			fake.AddCluster(&awsfake.RedshiftCluster{ID: "analytics", NodeType: "ra3.4xlarge", Nodes: 2, Allowed: []int{2, 4}, ResizePolls: 2, FlakyPolls: tc.flaky})
			fake.AddWorkgroup(&awsfake.RedshiftWorkgroup{Name: "etl", RPU: 32, UpdatePolls: 2, FlakyPolls: tc.flaky})
			cfg, to := scale.Config{Cluster: "analytics"}, 4
			if strings.HasPrefix(tc.name, "workgroup") {
				cfg, to = scale.Config{Workgroup: "etl"}, 64
			}
			s := newScaler(t, fake, cfg)
			_, err := s.Scale(context.Background(), scale.Options{To: to, Wait: true})
			if tc.ok && err != nil {
				t.Fatalf("wait gave up on a transient error: %v", err)
			}
			if !tc.ok && (err == nil || !strings.Contains(err.Error(), "polls in a row failed") || !strings.Contains(err.Error(), "may still be running")) {
				t.Fatalf("err = %v, want a bounded give-up", err)
			}
		})
	}
}

// Offline, the dry run cannot know the size to restore and must not
// invent one ("back to 0 nodes").
func TestReprocessDryRunOfflineNamesNoRestoreSize(t *testing.T) {
	fake := awsfake.StartRedshift(t)
	newCluster(fake, 2, 0)
	fake.Env(t)
	t.Setenv("AWS_ENDPOINT_URL_REDSHIFT", "http://127.0.0.1:1")
	s, err := scale.New(context.Background(), scale.Config{Cluster: "analytics", MaxBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	store := openLake(t)
	writeTable(t, store, "orders", 0, 5)
	wh, err := warehouse.Open(context.Background(), "duckdb://"+filepath.Join(t.TempDir(), "wh.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	res, err := s.Reprocess(context.Background(), store, wh, 4, warehouse.ReprocessOptions{Table: "orders", DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	plan := strings.Join(res.Restore.Plan, " ")
	if res.ScaleUp.Unreachable == "" || strings.Contains(plan, " 0 nodes") || !strings.Contains(plan, "unknown offline") {
		t.Fatalf("offline restore plan %q (unreachable %q)", plan, res.ScaleUp.Unreachable)
	}
}
