package table

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/lakectl/lakectl/lake"
)

type watermark struct {
	Cursor int `json:"cursor"`
}

func TestCommitPublishesFilesAndAdvancesState(t *testing.T) {
	for _, sf := range stores() {
		t.Run(sf.name, func(t *testing.T) {
			ctx := context.Background()
			store := sf.open(t)
			tbl, err := Open(store, "orders")
			if err != nil {
				t.Fatal(err)
			}
			var wm watermark
			if err := LoadState(ctx, store, "job1", &wm); !errors.Is(err, lake.ErrNotExist) {
				t.Fatalf("state before any commit: %v, want ErrNotExist", err)
			}
			rec := appendRows(ctx, t, tbl, makeRows(0, 100, nil), WriterOptions{}, "job1", watermark{100})
			expectKeys(t, "live files", liveKeys(ctx, t, tbl), keysOf(rec.Added))
			if n := liveRows(ctx, t, tbl); n != 100 {
				t.Fatalf("live rows = %d, want 100", n)
			}
			if err := LoadState(ctx, store, "job1", &wm); err != nil || wm.Cursor != 100 {
				t.Fatalf("state = %+v, %v; want cursor 100", wm, err)
			}
			if left := keysUnder(ctx, t, store, metaDir("orders")+"txns/"); len(left) != 0 {
				t.Fatalf("markers left after commit: %v", left)
			}
			if left := keysUnder(ctx, t, store, metaDir("orders")+"staging/"); len(left) != 0 {
				t.Fatalf("staged files left after commit: %v", left)
			}
			got, err := tbl.Commit(ctx, rec.TxID)
			if err != nil || got.Op != OpAppend || len(got.Added) != 1 || got.Added[0].Rows != 100 || got.Schema == nil {
				t.Fatalf("commit record = %+v, %v", got, err)
			}
			names, err := List(ctx, store)
			if err != nil || !slices.Equal(names, []string{"orders"}) {
				t.Fatalf("List = %v, %v", names, err)
			}
		})
	}
}

// TestCrashAtEveryCommitStepLeavesRowsExactlyOnce runs a replace that
// crashes after each step of Commit, then recovers: the table holds either
// the old rows or the new ones, each once, and the state matches.
func TestCrashAtEveryCommitStepLeavesRowsExactlyOnce(t *testing.T) {
	cases := []struct {
		name      string
		step      string // crash after the nth time Commit passes this step; "" never
		nth       int
		noCommit  bool // crash before Commit is called at all
		committed bool
	}{
		{name: "files staged, no commit", noCommit: true},
		{name: "after state pointers", step: "pending", nth: 1},
		{name: "after commit record", step: "record", nth: 1, committed: true},
		{name: "after first move", step: "move", nth: 1, committed: true},
		{name: "after all moves", step: "move", nth: 2, committed: true},
		{name: "after deleting the removed file", step: "delete", nth: 1, committed: true},
		{name: "after state cache", step: "state", nth: 1, committed: true},
		{name: "after state pointer deleted", step: "unpending", nth: 1, committed: true},
		{name: "no crash", committed: true},
	}
	for _, sf := range stores() {
		for _, c := range cases {
			for _, tableState := range []bool{false, true} {
				name := sf.name + "/" + c.name
				if tableState {
					name += "/table state"
				}
				t.Run(name, func(t *testing.T) {
					ctx := context.Background()
					store := sf.open(t)
					tbl, _ := Open(store, "events")
					old := appendRows(ctx, t, tbl, makeRows(0, 100, nil), WriterOptions{}, "load", watermark{1})
					// A TableState job's state is read with Table.LoadState:
					// a fresh Table before recovery (it lists the markers),
					// the recovered one after.
					loadState := func(tbl *Table, v any) error {
						if tableState {
							return tbl.LoadState(ctx, "load", v)
						}
						return LoadState(ctx, store, "load", v)
					}

					tx, err := tbl.Begin(ctx, TxOptions{Op: OpReplace, Job: "load", TableState: tableState})
					if err != nil {
						t.Fatal(err)
					}
					rule, _ := ParsePartitionRule("code")
					w, err := tx.NewWriter(testSchema, WriterOptions{Partition: rule})
					if err != nil {
						t.Fatal(err)
					}
					if err := w.Write(ctx, makeRows(1000, 150, []*string{strp("a"), strp("b")})); err != nil {
						t.Fatal(err)
					}
					if err := w.Close(ctx); err != nil {
						t.Fatal(err)
					}
					if err := tx.RemoveLive(ctx); err != nil {
						t.Fatal(err)
					}
					if err := tx.SetState("load", watermark{2}); err != nil {
						t.Fatal(err)
					}
					added := keysOf(tx.Added())
					if len(added) != 2 {
						t.Fatalf("writer made %d files, want 2 (one per partition)", len(added))
					}
					if !c.noCommit {
						seen := 0
						tx.crash = func(step string) bool {
							if step == c.step {
								seen++
								return seen == c.nth
							}
							return false
						}
						_, _ = tx.Commit(ctx)
					}
					tx.endHeartbeat() // the process dies: no more heartbeats
					killMarker(ctx, t, tbl, tx.ID())

					wantState, wantKeys, wantRows := 1, keysOf(old.Added), int64(100)
					if c.committed {
						wantState, wantKeys, wantRows = 2, added, 150
					}
					// The state is right even before recovery.
					var wm watermark
					fresh, _ := Open(store, "events")
					if err := loadState(fresh, &wm); err != nil || wm.Cursor != wantState {
						t.Fatalf("state before recovery = %+v, %v; want cursor %d", wm, err, wantState)
					}
					res, err := tbl.Recover(ctx)
					if err != nil {
						t.Fatal(err)
					}
					t.Logf("recovered: %+v", res)
					expectKeys(t, "live files after recovery", liveKeys(ctx, t, tbl), wantKeys)
					if n := liveRows(ctx, t, tbl); n != wantRows {
						t.Fatalf("live rows after recovery = %d, want %d", n, wantRows)
					}
					if err := loadState(tbl, &wm); err != nil || wm.Cursor != wantState {
						t.Fatalf("state after recovery = %+v, %v; want cursor %d", wm, err, wantState)
					}
					for _, p := range []string{metaDir("events") + "txns/", metaDir("events") + "staging/", pendingDir("load")} {
						if left := keysUnder(ctx, t, store, p); len(left) != 0 {
							t.Fatalf("left under %s after recovery: %v", p, left)
						}
					}
					// The dead run can never commit after recovery decided.
					if !c.committed && !c.noCommit {
						if _, err := tx.Commit(ctx); err == nil {
							t.Fatal("commit of a rolled-back transaction succeeded")
						}
					}
					// The table goes on working.
					appendRows(ctx, t, tbl, makeRows(5000, 10, nil), WriterOptions{}, "load", watermark{3})
					if n := liveRows(ctx, t, tbl); n != wantRows+10 {
						t.Fatalf("live rows after next append = %d, want %d", n, wantRows+10)
					}
				})
			}
		}
	}
}

func TestRecoverLeavesLiveTransactionsAlone(t *testing.T) {
	ctx := context.Background()
	store := fileStore(t)
	tbl, _ := Open(store, "live")
	tx, err := tbl.Begin(ctx, TxOptions{Job: "j"})
	if err != nil {
		t.Fatal(err)
	}
	w, _ := tx.NewWriter(testSchema, WriterOptions{})
	if err := w.Write(ctx, makeRows(0, 10, nil)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := tbl.Recover(ctx)
	if err != nil || len(res.RolledBack)+len(res.RolledForward) != 0 {
		t.Fatalf("Recover touched a live transaction: %+v, %v", res, err)
	}
	if _, err := tx.Commit(ctx); err != nil {
		t.Fatalf("commit after a concurrent Recover: %v", err)
	}
	if n := liveRows(ctx, t, tbl); n != 10 {
		t.Fatalf("live rows = %d, want 10", n)
	}
}

func TestAbortLeavesNothing(t *testing.T) {
	ctx := context.Background()
	store := fileStore(t)
	tbl, _ := Open(store, "ab")
	tx, _ := tbl.Begin(ctx, TxOptions{Job: "j"})
	w, _ := tx.NewWriter(testSchema, WriterOptions{})
	_ = w.Write(ctx, makeRows(0, 10, nil))
	_ = w.Close(ctx)
	_ = tx.SetState("j", watermark{9})
	if err := tx.Abort(ctx); err != nil {
		t.Fatal(err)
	}
	if keys := liveKeys(ctx, t, tbl); len(keys) != 0 {
		t.Fatalf("live files after abort: %v", keys)
	}
	for _, p := range []string{metaDir("ab") + "txns/", metaDir("ab") + "staging/"} {
		if left := keysUnder(ctx, t, store, p); len(left) != 0 {
			t.Fatalf("left under %s after abort: %v", p, left)
		}
	}
	var wm watermark
	if err := LoadState(ctx, store, "j", &wm); !errors.Is(err, lake.ErrNotExist) {
		t.Fatalf("state after abort: %+v %v", wm, err)
	}
}
