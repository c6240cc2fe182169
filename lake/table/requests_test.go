package table

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/lakectl/lakectl/lake"
)

// commitUnfinished commits a TableState append of 10 rows whose finish
// stops after step (as a kill would), leaving its marker alive.
func commitUnfinished(ctx context.Context, t *testing.T, tbl *Table, job, step string, state any) *Tx {
	t.Helper()
	tx, err := tbl.Begin(ctx, TxOptions{Job: job, TableState: true})
	if err != nil {
		t.Fatal(err)
	}
	w, _ := tx.NewWriter(testSchema, WriterOptions{})
	if err := w.Write(ctx, makeRows(100, 10, nil)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := tx.SetState(job, state); err != nil {
		t.Fatal(err)
	}
	tx.crash = func(s string) bool { return s == step }
	if _, err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return tx
}

// A TableState job writes no pending pointer: a committed state whose
// cache write has not happened is found through the transaction's marker,
// also when its owner is alive (Recover leaves it alone).
func TestTableStateOfLiveCommittedTransaction(t *testing.T) {
	for _, sf := range stores() {
		t.Run(sf.name, func(t *testing.T) {
			ctx := context.Background()
			store := sf.open(t)
			tbl, _ := Open(store, "ts")
			appendRows(ctx, t, tbl, makeRows(0, 10, nil), WriterOptions{}, "j", watermark{1})
			tx := commitUnfinished(ctx, t, tbl, "j", "record", watermark{2})
			defer tx.endHeartbeat()
			if left := keysUnder(ctx, t, store, pendingDir("j")); len(left) != 0 {
				t.Fatalf("pending pointers of a TableState job: %v", left)
			}
			next, _ := Open(store, "ts")
			res, err := next.Recover(ctx)
			if err != nil || len(res.RolledBack)+len(res.RolledForward) != 0 {
				t.Fatalf("Recover touched a live transaction: %+v, %v", res, err)
			}
			var wm watermark
			if err := next.LoadState(ctx, "j", &wm); err != nil || wm.Cursor != 2 {
				t.Fatalf("state = %+v, %v; want cursor 2 (committed, not cached yet)", wm, err)
			}
			// Once its owner is dead, recovery finishes it, cache included.
			killMarker(ctx, t, tbl, tx.ID())
			if _, err := next.Recover(ctx); err != nil {
				t.Fatal(err)
			}
			var c stateCache
			if err := lake.GetJSON(ctx, store, stateKey("j"), &c); err != nil || c.TxID != tx.ID() {
				t.Fatalf("state cache after recovery: %+v, %v; want txid %s", c, err, tx.ID())
			}
			if n := liveRows(ctx, t, tbl); n != 20 {
				t.Fatalf("live rows = %d, want 20", n)
			}
		})
	}
}

// A file published by a committed transaction that has not finished
// (marker still there, its staged copy maybe too) cannot be removed:
// recovery could publish it again.
func TestNoRemovalOfFilesOfUnfinishedCommits(t *testing.T) {
	for _, sf := range stores() {
		t.Run(sf.name, func(t *testing.T) {
			ctx := context.Background()
			store := sf.open(t)
			tbl, _ := Open(store, "uf")
			tx := commitUnfinished(ctx, t, tbl, "j", "state", watermark{1})
			defer tx.endHeartbeat()
			published := keysOf(tx.Added())
			expectKeys(t, "live files", liveKeys(ctx, t, tbl), published)
			replace := func() error {
				rtx, err := tbl.Begin(ctx, TxOptions{Op: OpReplace})
				if err != nil {
					t.Fatal(err)
				}
				defer rtx.Abort(ctx)
				if err := rtx.RemoveLive(ctx); err != nil {
					t.Fatal(err)
				}
				_, err = rtx.Commit(ctx)
				return err
			}
			if err := replace(); !errors.Is(err, ErrConflict) {
				t.Fatalf("removing a file of an unfinished commit: %v, want ErrConflict", err)
			}
			killMarker(ctx, t, tbl, tx.ID())
			if _, err := tbl.Recover(ctx); err != nil {
				t.Fatal(err)
			}
			if err := replace(); err != nil {
				t.Fatalf("removing it once recovery finished the commit: %v", err)
			}
			if keys := liveKeys(ctx, t, tbl); len(keys) != 0 {
				t.Fatalf("live files after the replace: %v", keys)
			}
			if left := keysUnder(ctx, t, store, metaDir("uf")+"staging/"); len(left) != 0 {
				t.Fatalf("staged files left: %v", left)
			}
		})
	}
}

// Recover deletes staged files whose transaction has no marker, and keeps
// those of a live transaction (one listing on S3).
func TestRecoverDeletesOrphanStagingOnly(t *testing.T) {
	for _, sf := range stores() {
		t.Run(sf.name, func(t *testing.T) {
			ctx := context.Background()
			store := sf.open(t)
			tbl, _ := Open(store, "or")
			appendRows(ctx, t, tbl, makeRows(0, 10, nil), WriterOptions{}, "j", watermark{1})
			orphan := stagingDir("or", NewTxID(baseTime)) + "part-x.parquet"
			if _, err := store.Put(ctx, orphan, bytes.NewReader([]byte("x")), 1, lake.PutOptions{}); err != nil {
				t.Fatal(err)
			}
			tx, err := tbl.Begin(ctx, TxOptions{Job: "k"})
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Abort(ctx)
			w, _ := tx.NewWriter(testSchema, WriterOptions{})
			if err := w.Write(ctx, makeRows(100, 10, nil)); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(ctx); err != nil {
				t.Fatal(err)
			}
			res, err := tbl.Recover(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.RolledBack) != 1 || len(res.RolledForward) != 0 {
				t.Fatalf("recovered %+v, want one orphan rolled back", res)
			}
			left := keysUnder(ctx, t, store, metaDir("or")+"staging/")
			if len(left) != 1 || left[0] != tx.StagingKey(tx.Added()[0].Key) {
				t.Fatalf("staged files after Recover: %v, want only the live transaction's", left)
			}
			if _, err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			if n := liveRows(ctx, t, tbl); n != 20 {
				t.Fatalf("live rows = %d, want 20", n)
			}
		})
	}
}
