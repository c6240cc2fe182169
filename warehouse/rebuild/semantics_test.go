package rebuild_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
	"github.com/lakectl/lakectl/warehouse"
	"github.com/lakectl/lakectl/warehouse/internal/whtest"
	"github.com/lakectl/lakectl/warehouse/rebuild"
)

// writeVersion appends ids first..first+n-1 with amount = id * factor.
func writeVersion(t *testing.T, store lake.Store, first, n int, factor float64) {
	t.Helper()
	s := schema.Schema{Columns: []schema.Column{
		{Name: "id", Type: schema.TInt64},
		{Name: "amount", Type: schema.TFloat64, Nullable: true},
		{Name: "name", Type: schema.TString, Nullable: true},
	}}
	rows := make([]schema.Row, n)
	for i := range rows {
		id := first + i
		rows[i] = schema.Row{schema.Int64Value(int64(id)), schema.Float64Value(float64(id) * factor), schema.StringValue(fmt.Sprintf("n%d", id%7))}
	}
	whtest.Append(t, store, "orders", s, rows, table.PartitionRule{})
}

// A target first loaded by upsert is rebuilt and reprocessed by upsert:
// one row per key, the latest version, not every version the lake holds.
func TestRebuildAndReprocessKeepTheTargetsUpsertMode(t *testing.T) {
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			ctx := context.Background()
			store, err := lake.Open(ctx, t.TempDir(), lake.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			writeVersion(t, store, 1, 50, 1)  // ids 1..50, version 1
			writeVersion(t, store, 26, 50, 2) // ids 26..75, version 2 of 26..50
			wh, err := warehouse.Open(ctx, tg.url, warehouse.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer wh.Close()
			if _, err := warehouse.Load(ctx, store, wh, warehouse.LoadOptions{Table: "orders", Into: tg.into, Mode: warehouse.ModeUpsert, Key: []string{"id"}}); err != nil {
				t.Fatal(err)
			}
			qual := qualify(tg, wh)
			// 1..25 at 1x, 26..75 at 2x.
			want := aggregates{rows: 75, sumID: 75 * 76 / 2}
			wantAmount := float64(25*26/2) + 2*float64(75*76/2-25*26/2)
			check := func(what string) {
				t.Helper()
				var rows, sumID int64
				var amount float64
				err := wh.Query(ctx, "SELECT count(*), sum(id), sum(amount) FROM "+qual, nil, func(scan func(...any) error) error { return scan(&rows, &sumID, &amount) })
				if err != nil || rows != want.rows || sumID != want.sumID || amount != wantAmount {
					t.Fatalf("%s: %d rows, sum(id) %d, sum(amount) %v (%v); want %d, %d, %v", what, rows, sumID, amount, err, want.rows, want.sumID, wantAmount)
				}
			}
			check("upsert load")

			res, err := warehouse.Reprocess(ctx, store, wh, warehouse.ReprocessOptions{Table: "orders", Into: tg.into})
			if err != nil || res.Mode != "reprocess" {
				t.Fatalf("reprocess: %+v %v", res, err)
			}
			check("reprocess")

			plan, err := rebuild.Plan(ctx, store, wh, rebuild.Options{Table: "orders", Into: tg.into, Migration: migration})
			if err != nil || plan.Mode != warehouse.ModeUpsert || len(plan.Key) != 1 {
				t.Fatalf("plan: mode %q key %v, %v", plan.Mode, plan.Key, err)
			}
			run, err := rebuild.Apply(ctx, store, wh, rebuild.Options{Table: "orders", Into: tg.into, Migration: migration})
			if err != nil {
				t.Fatal(err)
			}
			if run.State != rebuild.RunDone || run.TableRows != 75 || run.LakeRows != 100 {
				t.Fatalf("rebuild: state %s, table %d rows, lake %d", run.State, run.TableRows, run.LakeRows)
			}
			check("rebuild")
		})
	}
}
