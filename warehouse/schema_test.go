package warehouse_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
	"github.com/lakectl/lakectl/warehouse"
	"github.com/lakectl/lakectl/warehouse/internal/whtest"
)

// appendWith commits rows of schema s.
func appendWith(t *testing.T, store lake.Store, name string, s schema.Schema, rows []schema.Row) {
	t.Helper()
	whtest.Append(t, store, name, s, rows, table.PartitionRule{})
}

func TestNewLakeColumnIsAddedAndDroppedColumnStopsTheLoad(t *testing.T) {
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			store := newLake(t)
			b1 := makeRecs(1, 50, 1)
			appendBatch(t, store, "evolve", b1, table.PartitionRule{})
			load(t, tg, store, warehouse.LoadOptions{Table: "evolve"})

			wider := schema.Schema{Columns: append(append([]schema.Column(nil), testSchema.Columns...), schema.Column{Name: "extra", Type: schema.TString, Nullable: true})}
			b2 := makeRecs(51, 30, 1)
			var rows []schema.Row
			for _, r := range b2 {
				rows = append(rows, append(r.row(), schema.StringValue(fmt.Sprint("x", r.id))))
			}
			appendWith(t, store, "evolve", wider, rows)
			res := load(t, tg, store, warehouse.LoadOptions{Table: "evolve"})
			if len(res.Altered) != 1 || res.Rows != 30 {
				t.Fatalf("load with a new column: altered %v, %d rows; want one ALTER and 30 rows", res.Altered, res.Rows)
			}
			checkAggregates(t, tg.agg(t, "evolve"), expected(append(b1, b2...)))
			if n := tg.count(t, "SELECT count(extra) FROM evolve"); n != 30 {
				t.Errorf("%d rows have the new column, want 30", n)
			}

			narrower := schema.Schema{Columns: append([]schema.Column(nil), wider.Columns[:2]...)}
			narrower.Columns = append(narrower.Columns, wider.Columns[3:]...) // amount dropped
			var rows3 []schema.Row
			for _, r := range makeRecs(81, 5, 1) {
				full := append(r.row(), schema.StringValue("y"))
				rows3 = append(rows3, append(append(schema.Row{}, full[:2]...), full[3:]...))
			}
			appendWith(t, store, "evolve", narrower, rows3)
			_, err := tryLoad(tg, store, warehouse.LoadOptions{Table: "evolve"})
			var be *schema.BreakingChangeError
			if !errors.As(err, &be) {
				t.Fatalf("load after a dropped column: err = %v, want a breaking-change error", err)
			}
			var re *warehouse.RebuildError
			if !errors.As(err, &re) || re.Table != "evolve" {
				t.Fatalf("load after a dropped column: err = %v, want a rebuild error naming lake table evolve", err)
			}
			checkAggregates(t, tg.agg(t, "evolve"), expected(append(b1, b2...)))
		})
	}
}
