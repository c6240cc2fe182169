package whtest

import (
	"context"
	"testing"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

// Append commits rows of schema s to the lake table name in one append
// transaction, as an extract does, and returns the keys of the files it
// added.
func Append(t testing.TB, store lake.Store, name string, s schema.Schema, rows []schema.Row, rule table.PartitionRule) []string {
	t.Helper()
	ctx := context.Background()
	tbl, err := table.Open(store, name)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := tbl.Begin(ctx, table.TxOptions{Op: table.OpAppend})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Abort(ctx) }()
	w, err := tx.NewWriter(s, table.WriterOptions{Partition: rule})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(ctx, rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, e := range tx.Added() {
		keys = append(keys, e.Key)
	}
	if _, err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return keys
}
