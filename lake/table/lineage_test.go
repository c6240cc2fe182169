package table

import (
	"context"
	"testing"
)

// TestLineageFlattensRepeatedCompactions compacts A+B into X, then X+C into
// Y naming X itself as a source: Y's lineage is A, B, C.
func TestLineageFlattensRepeatedCompactions(t *testing.T) {
	ctx := context.Background()
	tbl, _ := Open(fileStore(t), "lin")
	var leaves []string
	for i := range 3 {
		rec := appendRows(ctx, t, tbl, makeRows(i*10, 10+i, nil), WriterOptions{}, "", nil)
		leaves = append(leaves, rec.Added[0].Key)
	}
	compact := func(inputs []Segment, rows int) string {
		tx, _ := tbl.Begin(ctx, TxOptions{Op: OpCompact})
		defer tx.Abort(ctx)
		key := tx.NewFileKey("")
		w, _ := tx.NewWriter(testSchema, WriterOptions{})
		_ = w.Write(ctx, makeRows(0, rows, nil))
		if err := w.Close(ctx); err != nil {
			t.Fatal(err)
		}
		written := tx.Added()[0]
		tx.added = nil
		if err := tbl.store.Move(ctx, tx.StagingKey(written.Key), tx.StagingKey(key)); err != nil {
			t.Fatal(err)
		}
		if err := tx.AddFile(ctx, FileEntry{Key: key, Rows: int64(rows), Lineage: inputs}); err != nil {
			t.Fatal(err)
		}
		for _, s := range inputs {
			_ = tx.RemoveFile(s.File)
		}
		if _, err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		return key
	}
	x := compact([]Segment{{leaves[0], 10}, {leaves[1], 11}}, 21)
	y := compact([]Segment{{x, 21}, {leaves[2], 12}}, 33)
	segs, err := tbl.Lineage(ctx, y)
	if err != nil {
		t.Fatal(err)
	}
	want := []Segment{{leaves[0], 10}, {leaves[1], 11}, {leaves[2], 12}}
	if len(segs) != len(want) {
		t.Fatalf("lineage %+v, want %+v", segs, want)
	}
	for i := range want {
		if segs[i] != want[i] {
			t.Fatalf("lineage %+v, want %+v", segs, want)
		}
	}
	if keys := liveKeys(ctx, t, tbl); len(keys) != 1 || keys[0] != y {
		t.Fatalf("live files %v, want only %s", keys, y)
	}
}
