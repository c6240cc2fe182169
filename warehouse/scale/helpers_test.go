package scale_test

import (
	"context"
	"testing"
	"time"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
	"github.com/lakectl/lakectl/warehouse/internal/whtest"
	"github.com/lakectl/lakectl/warehouse/scale"
)

func writeRecord(t *testing.T, store lake.Store, rec scale.Record) {
	t.Helper()
	if _, err := lake.PutJSON(context.Background(), store, scale.RecordKey(rec.Name), rec, lake.PutOptions{}); err != nil {
		t.Fatal(err)
	}
}

// writeTable appends rows first..first+n-1 (id, created_at) to a lake table.
func writeTable(t *testing.T, store lake.Store, name string, first, n int) {
	t.Helper()
	s := schema.Schema{Columns: []schema.Column{{Name: "id", Type: schema.TInt64}, {Name: "created_at", Type: schema.TTimestamp}}}
	base := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	rows := make([]schema.Row, n)
	for i := range rows {
		rows[i] = schema.Row{schema.Int64Value(int64(first + i)), schema.TimestampValue(base.Add(time.Duration(i) * time.Hour))}
	}
	whtest.Append(t, store, name, s, rows, table.PartitionRule{})
}
