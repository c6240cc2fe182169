package scale_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/lakectl/lakectl/internal/awsfake"
	"github.com/lakectl/lakectl/warehouse"
	"github.com/lakectl/lakectl/warehouse/scale"
)

func TestReprocessScaledRestoresSizeOnSuccessAndFailure(t *testing.T) {
	dir := t.TempDir()
	badTransform := filepath.Join(dir, "bad.sql")
	if err := os.WriteFile(badTransform, []byte("INSERT INTO no_such_table SELECT 1;"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		transform string
		wantErr   bool
		wantRows  int64
	}{
		{"success", "", false, 30},
		{"failing reprocess", badTransform, true, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := awsfake.StartRedshift(t)
			newCluster(fake, 2, 1)
			s := newScaler(t, fake, scale.Config{Cluster: "analytics"})
			store := openLake(t)
			writeTable(t, store, "orders", 0, 20)
			writeTable(t, store, "orders", 20, 10)
			path := filepath.Join(t.TempDir(), "wh.duckdb")
			wh, err := warehouse.Open(context.Background(), "duckdb://"+path, warehouse.Options{})
			if err != nil {
				t.Fatal(err)
			}
			res, err := s.Reprocess(context.Background(), store, wh, 4, warehouse.ReprocessOptions{Table: "orders", TransformFile: tc.transform})
			wh.Close()
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if nodes, _ := fake.ClusterNodes("analytics"); nodes != 2 {
				t.Fatalf("cluster left at %d nodes, want 2 restored", nodes)
			}
			if fake.Count("ResizeCluster") != 2 {
				t.Fatalf("want a resize up and one back: %v", fake.Calls())
			}
			if rec, _ := scale.ReadRecord(context.Background(), store, "analytics"); rec != nil {
				t.Fatalf("record left: %+v", rec)
			}
			if tc.wantErr {
				return
			}
			if res.Rows != tc.wantRows || res.ScaleUp.To != 4 || res.Restore.To != 2 {
				t.Fatalf("result %+v up %+v restore %+v", res.LoadResult, res.ScaleUp, res.Restore)
			}
			db, err := sql.Open("duckdb", path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var n, sum int64
			if err := db.QueryRow("SELECT count(*), sum(id) FROM orders").Scan(&n, &sum); err != nil || n != 30 || sum != 29*30/2 {
				t.Fatalf("warehouse: %d rows, sum %d, %v", n, sum, err)
			}
		})
	}
}
