package cmd

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/awsfake"
	"github.com/lakectl/lakectl/lake"
)

func TestRebuildPlanApplyStatusOnDuckDB(t *testing.T) {
	dir := t.TempDir()
	lakeDir := filepath.Join(dir, "lake")
	store, err := lake.Open(context.Background(), lakeDir, lake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	writeTable(t, store, "orders", 0, 10)
	writeTable(t, store, "orders", 10, 5)
	migration := filepath.Join(dir, "m.sql")
	if err := os.WriteFile(migration, []byte("CREATE TABLE {{.NewTable}} (id DECIMAL(18,0), created_at TIMESTAMPTZ);\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	whPath := filepath.Join(dir, "wh.duckdb")
	base := []string{"--lake", lakeDir, "--warehouse", "duckdb://" + whPath}
	if code, _, errOut := run(t, append(base, "warehouse", "load", "orders")...); code != 0 {
		t.Fatalf("load: %s", errOut)
	}

	code, out, errOut := run(t, append(base, "rebuild", "plan", "orders", "--migration", migration)...)
	if code != 0 || !strings.Contains(out, "orders__rebuild") || !strings.Contains(out, "RENAME TO") || !strings.Contains(out, "estimated") || !strings.Contains(out, "(no --scale-to)") {
		t.Fatalf("plan: exit %d\n%s%s", code, out, errOut)
	}
	// Steps an option skips are worded with the flag, in text and JSON.
	code, out, errOut = run(t, append(base, "-o", "json", "rebuild", "apply", "orders", "--migration", migration, "--keep-old", "--dry-run")...)
	if code != 0 || !strings.Contains(out, `"detail": "--keep-old: main.orders__old stays"`) || !strings.Contains(out, `"skip": "keep_old"`) || !strings.Contains(out, `"detail": "no --scale-to"`) {
		t.Fatalf("apply --keep-old --dry-run: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, _ := run(t, append(base, "rebuild", "apply", "orders", "--migration", migration)...); code != 2 {
		t.Fatalf("apply without --yes when not interactive: exit %d, want 2", code)
	}
	code, out, errOut = run(t, append(base, "-o", "json", "rebuild", "apply", "orders", "--migration", migration, "--yes")...)
	if code != 0 {
		t.Fatalf("apply: exit %d %s", code, errOut)
	}
	var res struct {
		State     string  `json:"state"`
		Rows      int64   `json:"rows"`
		Files     int     `json:"files"`
		Bytes     int64   `json:"bytes"`
		DurationS float64 `json:"duration_s"`
		TableRows int64   `json:"table_rows"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.State != "done" || res.Rows != 15 || res.Files != 4 || res.Bytes == 0 || res.TableRows != 15 {
		t.Fatalf("apply result %+v %v\n%s", res, err, out)
	}
	code, out, _ = run(t, append(base, "-o", "json", "rebuild", "status")...)
	if code != 0 || !strings.Contains(out, `"state": "done"`) {
		t.Fatalf("status: exit %d %s", code, out)
	}
	if code, _, errOut := run(t, append(base, "rebuild", "resume")...); code != 2 || !strings.Contains(errOut, "no unfinished") {
		t.Fatalf("resume with nothing to resume: exit %d %s", code, errOut)
	}
	db, err := sql.Open("duckdb", whPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n, sum int64
	var typ string
	if err := db.QueryRow("SELECT count(*), sum(id)::BIGINT, any_value(typeof(id)) FROM orders").Scan(&n, &sum, &typ); err != nil || n != 15 || sum != 105 || !strings.HasPrefix(typ, "DECIMAL") {
		t.Fatalf("rebuilt orders: %d rows, sum %d, id %s, %v", n, sum, typ, err)
	}
}

func TestWarehouseScaleAndReprocessScaleToWithFakeControlPlane(t *testing.T) {
	fake := awsfake.StartRedshift(t)
	fake.Env(t)
	fake.AddCluster(&awsfake.RedshiftCluster{ID: "analytics", NodeType: "ra3.xlplus", Nodes: 2, Allowed: []int{1, 2, 4}, ResizePolls: 0})
	dir := t.TempDir()
	lakeDir := filepath.Join(dir, "lake")
	store, err := lake.Open(context.Background(), lakeDir, lake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	writeTable(t, store, "orders", 0, 10)
	duck := "duckdb://" + filepath.Join(dir, "wh.duckdb")

	if code, _, errOut := run(t, "--lake", lakeDir, "--warehouse", duck, "warehouse", "scale", "--nodes", "4", "--yes"); code != 2 || !strings.Contains(errOut, "Redshift") {
		t.Fatalf("scale of a DuckDB warehouse without --cluster: exit %d %s", code, errOut)
	}
	base := []string{"--lake", lakeDir, "--warehouse", duck, "--cluster", "analytics"}
	code, out, errOut := run(t, append(base, "warehouse", "scale", "--nodes", "4", "--dry-run")...)
	if code != 0 || !strings.Contains(out, "allowed: 1, 2, 4") || fake.Count("ResizeCluster") != 0 {
		t.Fatalf("scale --dry-run: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := run(t, append(base, "warehouse", "scale", "--nodes", "3", "--yes")...); code != 2 || !strings.Contains(errOut, "not allowed") {
		t.Fatalf("scale to a refused size: exit %d %s", code, errOut)
	}
	if code, _, errOut := run(t, append(base, "warehouse", "scale", "--rpu", "16", "--yes")...); code != 2 {
		t.Fatalf("--rpu on a cluster: exit %d %s", code, errOut)
	}
	code, out, errOut = run(t, append(base, "-o", "json", "warehouse", "reprocess", "orders", "--scale-to", "4", "--yes")...)
	if code != 0 {
		t.Fatalf("reprocess --scale-to: exit %d %s", code, errOut)
	}
	var res struct {
		Rows    int64 `json:"rows"`
		ScaleUp struct {
			To int `json:"to"`
		} `json:"scale_up"`
		Restore struct {
			To int `json:"to"`
		} `json:"restore"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Rows != 10 || res.ScaleUp.To != 4 || res.Restore.To != 2 {
		t.Fatalf("reprocess --scale-to result %+v %v\n%s", res, err, out)
	}
	if nodes, _ := fake.ClusterNodes("analytics"); nodes != 2 {
		t.Fatalf("cluster left at %d nodes", nodes)
	}
	code, out, _ = run(t, append(base, "warehouse", "status")...)
	if code != 0 || !strings.Contains(out, "provisioned analytics: 2 ra3.xlplus nodes, available") {
		t.Fatalf("status does not show the size: exit %d\n%s", code, out)
	}
	if code, out, errOut := run(t, append(base, "warehouse", "scale", "--restore", "--yes")...); code != 0 || !strings.Contains(out, "at 2 nodes") {
		t.Fatalf("--restore without a record: exit %d %s %s", code, out, errOut)
	}
}
