package scale_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/awsfake"
	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/warehouse/scale"
)

// newScaler points a Scaler at the fake with fast polling.
func newScaler(t *testing.T, fake *awsfake.RedshiftServer, cfg scale.Config) *scale.Scaler {
	t.Helper()
	fake.Env(t)
	cfg.PollInterval = 5 * time.Millisecond
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	cfg.MaxBackoff = 20 * time.Millisecond
	s, err := scale.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newCluster(fake *awsfake.RedshiftServer, nodes, polls int) {
	fake.AddCluster(&awsfake.RedshiftCluster{ID: "analytics", NodeType: "ra3.4xlarge", Nodes: nodes, Allowed: []int{1, 2, 3, 4, 8}, ResizePolls: polls})
}

func TestScaleClusterIsElasticAndWaitsForDescribeResize(t *testing.T) {
	fake := awsfake.StartRedshift(t)
	newCluster(fake, 2, 3)
	s := newScaler(t, fake, scale.Config{Cluster: "analytics"})
	res, err := s.Scale(context.Background(), scale.Options{To: 4, Wait: true})
	if err != nil {
		t.Fatal(err)
	}
	nodes, status := fake.ClusterNodes("analytics")
	if nodes != 4 || status != "available" || !res.Changed || !res.Waited || res.From != 2 || res.To != 4 {
		t.Fatalf("cluster %d nodes %s, result %+v", nodes, status, res)
	}
	if !slices.Contains(res.Allowed, 8) || slices.Contains(res.Allowed, 5) {
		t.Fatalf("allowed sizes not from DescribeNodeConfigurationOptions: %v", res.Allowed)
	}
	if n := fake.Count("DescribeResize"); n < 4 {
		t.Fatalf("DescribeResize polled %d times, want until SUCCEEDED (>= 4)", n)
	}
	c := fake.Calls()
	if i, j := slices.Index(c, "DescribeNodeConfigurationOptions"), slices.Index(c, "ResizeCluster"); i < 0 || j < i {
		t.Fatalf("allowed options not asked before resizing: %v", c)
	}
}

func TestScaleRefusesNodeCountTheClusterDoesNotOffer(t *testing.T) {
	fake := awsfake.StartRedshift(t)
	newCluster(fake, 2, 0)
	s := newScaler(t, fake, scale.Config{Cluster: "analytics"})
	_, err := s.Scale(context.Background(), scale.Options{To: 6, Wait: true})
	if !input.Is(err) || !strings.Contains(err.Error(), "allowed: 1, 2, 3, 4, 8") {
		t.Fatalf("err = %v, want bad input naming the allowed sizes", err)
	}
	if fake.Count("ResizeCluster") != 0 {
		t.Fatal("ResizeCluster was called for a refused size")
	}
}

func TestScaleStuckResizeTimesOutWithClearError(t *testing.T) {
	fake := awsfake.StartRedshift(t)
	newCluster(fake, 2, -1)
	s := newScaler(t, fake, scale.Config{Cluster: "analytics", Timeout: 100 * time.Millisecond})
	_, err := s.Scale(context.Background(), scale.Options{To: 4, Wait: true})
	if err == nil || !strings.Contains(err.Error(), "still in_progress after") || !strings.Contains(err.Error(), "cannot be cancelled") {
		t.Fatalf("err = %v, want a timeout that says the resize is still in progress", err)
	}
}

func TestScaleFailedResizeIsAnError(t *testing.T) {
	fake := awsfake.StartRedshift(t)
	fake.AddCluster(&awsfake.RedshiftCluster{ID: "analytics", NodeType: "ra3.4xlarge", Nodes: 2, Allowed: []int{2, 4}, ResizePolls: 1, FailResize: true})
	s := newScaler(t, fake, scale.Config{Cluster: "analytics"})
	_, err := s.Scale(context.Background(), scale.Options{To: 4, Wait: true})
	if err == nil || !strings.Contains(err.Error(), "insufficient capacity") {
		t.Fatalf("err = %v, want the FAILED resize's message", err)
	}
	if nodes, _ := fake.ClusterNodes("analytics"); nodes != 2 {
		t.Fatalf("nodes = %d after a failed resize", nodes)
	}
}

func TestScaleThrottledCallsAreRetried(t *testing.T) {
	for _, kind := range []string{"cluster", "workgroup"} {
		t.Run(kind, func(t *testing.T) {
			fake := awsfake.StartRedshift(t)
			newCluster(fake, 2, 1)
			fake.AddWorkgroup(&awsfake.RedshiftWorkgroup{Name: "etl", RPU: 32, UpdatePolls: 1})
			cfg := scale.Config{Cluster: "analytics"}
			if kind == "workgroup" {
				cfg = scale.Config{Workgroup: "etl"}
			}
			s := newScaler(t, fake, cfg)
			fake.Throttle(2)
			res, err := s.Scale(context.Background(), scale.Options{To: 8, Wait: true})
			if err != nil {
				t.Fatalf("throttled calls not retried: %v", err)
			}
			if res.From == 8 || !res.Waited {
				t.Fatalf("result %+v", res)
			}
		})
	}
}

func TestScaleServerlessBaseCapacityInStepsOfEight(t *testing.T) {
	fake := awsfake.StartRedshift(t)
	fake.AddWorkgroup(&awsfake.RedshiftWorkgroup{Name: "etl", RPU: 32, UpdatePolls: 2})
	s := newScaler(t, fake, scale.Config{Workgroup: "etl"})
	for _, bad := range []int{12, 520} {
		if _, err := s.Scale(context.Background(), scale.Options{To: bad}); !input.Is(err) {
			t.Fatalf("%d RPUs: err = %v, want a usage error", bad, err)
		}
	}
	res, err := s.Scale(context.Background(), scale.Options{To: 128, Wait: true})
	if err != nil {
		t.Fatal(err)
	}
	if rpu, st := fake.WorkgroupRPU("etl"); rpu != 128 || st != "AVAILABLE" || res.From != 32 {
		t.Fatalf("workgroup %d RPUs %s, result %+v", rpu, st, res)
	}
	if fake.Count("UpdateWorkgroup") != 1 {
		t.Fatalf("calls %v", fake.Calls())
	}
}

func TestScaleDryRunChangesNothing(t *testing.T) {
	fake := awsfake.StartRedshift(t)
	newCluster(fake, 2, 0)
	s := newScaler(t, fake, scale.Config{Cluster: "analytics"})
	res, err := s.Scale(context.Background(), scale.Options{To: 4, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if fake.Count("ResizeCluster") != 0 || !res.DryRun || res.From != 2 || len(res.Plan) == 0 || !strings.Contains(res.Plan[0], "elastic resize") {
		t.Fatalf("dry run: %+v, calls %v", res, fake.Calls())
	}
}

func openLake(t *testing.T) lake.Store {
	t.Helper()
	store, err := lake.Open(context.Background(), filepath.Join(t.TempDir(), "lake"), lake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

func TestTemporarilyRestoresOnSuccessFailureAndCancel(t *testing.T) {
	boom := errors.New("boom")
	cases := []struct {
		name string
		work func(ctx context.Context, cancel context.CancelFunc) error
		want error
	}{
		{"success", func(context.Context, context.CancelFunc) error { return nil }, nil},
		{"failure", func(context.Context, context.CancelFunc) error { return boom }, boom},
		{"interrupt", func(ctx context.Context, cancel context.CancelFunc) error { cancel(); <-ctx.Done(); return ctx.Err() }, context.Canceled},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := awsfake.StartRedshift(t)
			newCluster(fake, 2, 2)
			s := newScaler(t, fake, scale.Config{Cluster: "analytics"})
			store := openLake(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var during int
			var recorded *scale.Record
			up, restore, err := s.Temporarily(ctx, store, 8, func(ctx context.Context) error {
				during, _ = fake.ClusterNodes("analytics")
				recorded, _ = scale.ReadRecord(ctx, store, "analytics")
				return tc.work(ctx, cancel)
			})
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if during != 8 || up == nil || up.To != 8 {
				t.Fatalf("work ran at %d nodes (up %+v), want 8", during, up)
			}
			if recorded == nil || recorded.Original != 2 {
				t.Fatalf("original size not recorded before the work: %+v", recorded)
			}
			if nodes, _ := fake.ClusterNodes("analytics"); nodes != 2 || restore == nil || restore.To != 2 {
				t.Fatalf("after the work: %d nodes, restore %+v; want 2", nodes, restore)
			}
			if rec, err := scale.ReadRecord(context.Background(), store, "analytics"); rec != nil || err != nil {
				t.Fatalf("record left after restore: %+v %v", rec, err)
			}
		})
	}
}

func TestRestorePutsBackTheSizeAKilledRunRecorded(t *testing.T) {
	fake := awsfake.StartRedshift(t)
	newCluster(fake, 2, 1)
	s := newScaler(t, fake, scale.Config{Cluster: "analytics"})
	store := openLake(t)
	ctx := context.Background()
	// A run recorded 2 nodes, resized to 4 and was killed (kill -9).
	if _, err := s.Scale(ctx, scale.Options{To: 4, Wait: true}); err != nil {
		t.Fatal(err)
	}
	writeRecord(t, store, scale.Record{Kind: scale.Provisioned, Name: "analytics", Unit: "nodes", Original: 2, Target: 4, PID: 1})

	// The next run at another size keeps the killed run's original.
	if _, _, err := s.Temporarily(ctx, store, 8, func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if nodes, _ := fake.ClusterNodes("analytics"); nodes != 2 {
		t.Fatalf("next run restored to %d nodes, want the recorded original 2", nodes)
	}

	// --restore with a record.
	if _, err := s.Scale(ctx, scale.Options{To: 4, Wait: true}); err != nil {
		t.Fatal(err)
	}
	writeRecord(t, store, scale.Record{Kind: scale.Provisioned, Name: "analytics", Unit: "nodes", Original: 2, Target: 4, PID: 1})
	res, err := s.Restore(ctx, store, true)
	if err != nil {
		t.Fatal(err)
	}
	if nodes, _ := fake.ClusterNodes("analytics"); nodes != 2 || res.From != 4 || res.To != 2 {
		t.Fatalf("restore: %d nodes, %+v", nodes, res)
	}
	if rec, _ := scale.ReadRecord(ctx, store, "analytics"); rec != nil {
		t.Fatalf("record left: %+v", rec)
	}
	// Without a record there is nothing to do.
	if res, err := s.Restore(ctx, store, true); err != nil || res.Changed {
		t.Fatalf("restore without record: %+v %v", res, err)
	}
}
