package warehouse_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/table"
	"github.com/lakectl/lakectl/warehouse"
)

func s3Lake(t *testing.T) lake.Store {
	env := testenv.S3(t)
	env.SetAWSEnv(t)
	store, err := lake.Open(context.Background(), env.URL("lake"), lake.Options{S3Endpoint: env.Endpoint, S3PathStyle: true, Region: env.Region})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	return store
}

func TestS3LakeLoadsIntoEveryWarehouse(t *testing.T) {
	store := s3Lake(t)
	b1 := makeRecs(1, 300, 1)
	appendBatch(t, store, "orders", b1, table.PartitionRule{Column: "ts", Unit: table.UnitDay})
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			res := load(t, tg, store, warehouse.LoadOptions{Table: "orders"})
			if res.Rows != 300 {
				t.Fatalf("loaded %d rows, want 300", res.Rows)
			}
			checkAggregates(t, tg.agg(t, "orders"), expected(b1))
		})
	}
}

func TestRedshiftDryRunPrintsCopyAndManifestOfTheS3Lake(t *testing.T) {
	store := s3Lake(t)
	appendBatch(t, store, "orders", makeRecs(1, 300, 1), table.PartitionRule{Column: "ts", Unit: table.UnitDay})
	ctx := context.Background()
	wh, err := warehouse.Open(ctx, "redshift://loader:pw12345@127.0.0.1:1/dev?iam_role=arn:aws:iam::1:role/r&cluster=c&connect_timeout=2", warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := warehouse.Load(ctx, store, wh, warehouse.LoadOptions{Table: "orders", Mode: "upsert", Key: []string{"id"}, Cursor: "updated", DryRun: true, LoadID: "L1"})
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(res.Statements, "\n")
	for _, want := range []string{"LOCK \"public\".\"lakectl_loads\"", "COPY \"lakectl_stage_orders\" (\"id\", \"code\"", "FORMAT AS PARQUET", "_lakectl/manifests/L1.json", "ROW_NUMBER()"} {
		if !strings.Contains(all, want) {
			t.Errorf("dry run lacks %s:\n%s", want, all)
		}
	}
	type manifest struct {
		Entries []struct {
			URL       string `json:"url"`
			Mandatory bool   `json:"mandatory"`
			Meta      struct {
				ContentLength int64 `json:"content_length"`
			} `json:"meta"`
		} `json:"entries"`
	}
	// An upsert COPYs file by file (each file's rows are stamped with its
	// position), so the plan shows one manifest per COPY.
	var ms []manifest
	if err := json.Unmarshal(res.Manifest, &ms); err != nil {
		t.Fatalf("manifest: %v: %s", err, res.Manifest)
	}
	var m manifest
	for _, one := range ms {
		m.Entries = append(m.Entries, one.Entries...)
	}
	if len(m.Entries) != res.Files || res.Files != 3 {
		t.Fatalf("manifest has %d entries for %d files, want 3", len(m.Entries), res.Files)
	}
	var bytes int64
	for _, e := range m.Entries {
		if !e.Mandatory || e.Meta.ContentLength <= 0 || !strings.HasPrefix(e.URL, "s3://") {
			t.Errorf("bad manifest entry %+v", e)
		}
		bytes += e.Meta.ContentLength
	}
	if bytes != res.Bytes {
		t.Errorf("manifest content_length sum %d, plan bytes %d", bytes, res.Bytes)
	}
	if _, err := store.Stat(ctx, "_lakectl/manifests/L1.json"); err == nil {
		t.Error("dry run wrote the manifest")
	}
}
