package catalog

import (
	"bytes"
	"context"
	"testing"

	"github.com/lakectl/lakectl/catalog/internal/cattest"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
)

func newStore(t testing.TB) lake.Store {
	t.Helper()
	s, err := lake.NewFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// writeParquet writes rows of schema s as a Parquet file at key.
func writeParquet(t testing.TB, store lake.Store, key string, s schema.Schema, rows []schema.Row) {
	t.Helper()
	b := cattest.Parquet(t, s, rows)
	if _, err := store.Put(context.Background(), key, bytes.NewReader(b), int64(len(b)), lake.PutOptions{}); err != nil {
		t.Fatal(err)
	}
}

// idRows is n rows of a schema whose columns are all int-like: column i
// of row r holds r (as the column's kind).
func idRows(s schema.Schema, n int) []schema.Row {
	rows := make([]schema.Row, n)
	for r := range rows {
		row := make(schema.Row, len(s.Columns))
		for i, c := range s.Columns {
			switch c.Type.Kind {
			case schema.Int64:
				row[i] = schema.Int64Value(int64(r))
			case schema.String:
				row[i] = schema.StringValue("v")
			case schema.Float64:
				row[i] = schema.Float64Value(float64(r))
			default:
				row[i] = schema.Int32Value(int32(r))
			}
		}
		rows[r] = row
	}
	return rows
}
