package cmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/awsfake"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/warehouse/scale"
)

// A run killed (kill -9) while scaled up leaves the cluster resized and a
// record of its original size. Every command that touches the warehouse
// restores it first; status shows it; a manual resize elsewhere refuses.
func TestEveryWarehouseCommandRestoresWhatAKilledRunLeft(t *testing.T) {
	fake := awsfake.StartRedshift(t)
	fake.Env(t)
	t.Setenv("LAKECTL_SCALE_POLL_INTERVAL", "10ms")
	fake.AddCluster(&awsfake.RedshiftCluster{ID: "analytics", NodeType: "ra3.xlplus", Nodes: 2, Allowed: []int{2, 4, 8}, ResizePolls: 1})
	dir, lakeDir, store := ordersLake(t)
	migration := filepath.Join(dir, "m.sql")
	if err := os.WriteFile(migration, []byte("CREATE TABLE {{.NewTable}} (id BIGINT, created_at TIMESTAMP);"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := []string{"--lake", lakeDir, "--warehouse", "duckdb://" + filepath.Join(dir, "wh.duckdb"), "--cluster", "analytics"}
	leave := func() {
		t.Helper()
		if code, _, errOut := run(t, append(base, "warehouse", "scale", "--nodes", "4", "--wait", "--yes")...); code != 0 {
			t.Fatalf("scale up: %s", errOut)
		}
		if _, err := lake.PutJSON(context.Background(), store, scale.RecordKey("analytics"),
			scale.Record{Kind: scale.Provisioned, Name: "analytics", Unit: "nodes", Original: 2, Target: 4, PID: 999999, Host: "gone"}, lake.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	restored := func(what string, code int, errOut string) {
		t.Helper()
		nodes, status := fake.ClusterNodes("analytics")
		rec, _ := scale.ReadRecord(context.Background(), store, "analytics")
		if code != 0 || nodes != 2 || status != "available" || rec != nil || !strings.Contains(errOut, "restored provisioned analytics from 4 to 2 nodes") {
			t.Fatalf("%s: exit %d, cluster %d nodes %s, record %+v\n%s", what, code, nodes, status, rec, errOut)
		}
	}

	leave()
	code, out, _ := run(t, append(base, "warehouse", "status")...)
	if nodes, _ := fake.ClusterNodes("analytics"); code != 0 || nodes != 4 || !strings.Contains(out, "pending: resized from 2 nodes") || !strings.Contains(out, "warehouse scale --restore") {
		t.Fatalf("status: exit %d, %d nodes\n%s", code, nodes, out)
	}
	code, _, errOut := run(t, append(base, "warehouse", "scale", "--nodes", "8", "--yes")...)
	if nodes, _ := fake.ClusterNodes("analytics"); code == 0 || nodes != 4 || !strings.Contains(errOut, "restore it first: run `lakectl warehouse scale --restore --wait`") {
		t.Fatalf("manual resize over a pending restore: exit %d, %d nodes\n%s", code, nodes, errOut)
	}
	code, _, errOut = run(t, append(base, "warehouse", "load", "orders")...)
	restored("warehouse load", code, errOut)

	leave()
	code, _, errOut = run(t, append(base, "warehouse", "reprocess", "orders", "--yes")...)
	restored("warehouse reprocess", code, errOut)

	leave()
	code, out, errOut = run(t, append(base, "rebuild", "plan", "orders", "--migration", migration)...)
	if nodes, _ := fake.ClusterNodes("analytics"); code != 0 || nodes != 4 || !strings.Contains(errOut, "would restore cluster analytics to 2 nodes first") {
		t.Fatalf("rebuild plan: exit %d, %d nodes\n%s%s", code, nodes, out, errOut)
	}
	code, _, errOut = run(t, append(base, "rebuild", "apply", "orders", "--migration", migration, "--yes")...)
	restored("rebuild apply", code, errOut)

	leave()
	cfg := filepath.Join(dir, "lakectl.yaml")
	if err := os.WriteFile(cfg, []byte("jobs:\n  - name: orders-load\n    type: load\n    tables: [orders]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = run(t, append([]string{"--config", cfg}, append(base, "run", "orders-load")...)...)
	restored("run (load job)", code, errOut)

	leave()
	code, _, errOut = run(t, append(base, "warehouse", "scale", "--nodes", "2", "--wait", "--yes")...)
	if rec, _ := scale.ReadRecord(context.Background(), store, "analytics"); code != 0 || rec != nil {
		t.Fatalf("scale to the recorded size does not clear the record: exit %d %+v %s", code, rec, errOut)
	}
}

// ordersLake is a file lake under a fresh directory holding orders rows
// 0..9: the directory, the lake's path and the open store.
func ordersLake(t *testing.T) (string, string, lake.Store) {
	t.Helper()
	dir := t.TempDir()
	lakeDir := filepath.Join(dir, "lake")
	store, err := lake.Open(context.Background(), lakeDir, lake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	writeTable(t, store, "orders", 0, 10)
	return dir, lakeDir, store
}
