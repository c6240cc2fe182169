package table

import (
	"context"
	"errors"
	"sync"
	"testing"
)

// compactInto rewrites inputs (whose rows are known) into one file the way
// compaction does: a new file with their rows, lineage, inputs removed.
func compactInto(ctx context.Context, tbl *Table, inputs []string, rows int) error {
	tx, err := tbl.Begin(ctx, TxOptions{Op: OpCompact, Job: "compact-" + tbl.Name()})
	if err != nil {
		return err
	}
	defer func() { _ = tx.Abort(ctx) }()
	w, err := tx.NewWriter(testSchema, WriterOptions{})
	if err != nil {
		return err
	}
	if err := w.Write(ctx, makeRows(0, rows, nil)); err != nil {
		_ = w.Close(ctx)
		return err
	}
	if err := w.Close(ctx); err != nil {
		return err
	}
	out := tx.Added()[0]
	var lin []Segment
	for _, in := range inputs {
		segs, err := tbl.Lineage(ctx, in)
		if err != nil {
			return err
		}
		lin = append(lin, segs...)
		if err := tx.RemoveFile(in); err != nil {
			return err
		}
	}
	// Replace the writer's entry by one carrying lineage.
	tx.mu.Lock()
	tx.added = tx.added[:0]
	tx.mu.Unlock()
	out.Lineage = lin
	if err := tx.AddFile(ctx, out); err != nil {
		return err
	}
	_, err = tx.Commit(ctx)
	return err
}

// TestAppendDuringCompactionLosesNothing runs appends while compactions
// replace files: every row stays exactly once, and two compactions of the
// same inputs cannot both commit.
func TestAppendDuringCompactionLosesNothing(t *testing.T) {
	for _, sf := range stores() {
		t.Run(sf.name, func(t *testing.T) {
			ctx := context.Background()
			store := sf.open(t)
			tbl, _ := Open(store, "mixed")
			var inputs []string
			for i := range 3 {
				rec := appendRows(ctx, t, tbl, makeRows(i*10, 10, nil), WriterOptions{}, "", nil)
				inputs = append(inputs, rec.Added[0].Key)
			}
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i := range 2 { // two compactions of the same inputs
				wg.Go(func() { errs[i] = compactInto(ctx, tbl, inputs, 30) })
			}
			for i := range 4 { // appends meanwhile
				wg.Go(func() {
					tx, err := tbl.Begin(ctx, TxOptions{})
					if err != nil {
						t.Error(err)
						return
					}
					w, _ := tx.NewWriter(testSchema, WriterOptions{})
					if err := w.Write(ctx, makeRows(100+i*5, 5, nil)); err != nil {
						t.Error(err)
					}
					if err := w.Close(ctx); err != nil {
						t.Error(err)
					}
					if _, err := tx.Commit(ctx); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			ok := 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case !errors.Is(err, ErrConflict):
					t.Fatalf("compaction failed with %v, want ErrConflict", err)
				}
			}
			if ok != 1 {
				t.Fatalf("%d compactions of the same inputs committed, want exactly 1 (errors %v)", ok, errs)
			}
			if n := liveRows(ctx, t, tbl); n != 30+20 {
				t.Fatalf("live rows = %d, want 50", n)
			}
			if keys := liveKeys(ctx, t, tbl); len(keys) != 1+4 {
				t.Fatalf("live files = %d (%v), want 5", len(keys), keys)
			}
			// The compacted file's lineage is its three inputs in order.
			for _, k := range liveKeys(ctx, t, tbl) {
				segs, err := tbl.Lineage(ctx, k)
				if err != nil {
					t.Fatal(err)
				}
				if len(segs) == 3 {
					for i, s := range segs {
						if s.File != inputs[i] || s.Rows != 10 {
							t.Fatalf("lineage[%d] = %+v, want %s with 10 rows", i, s, inputs[i])
						}
					}
				}
			}
		})
	}
}
