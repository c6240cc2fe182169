package table

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/lakectl/lakectl/lake"
)

func putRaw(ctx context.Context, t *testing.T, s lake.Store, key, body string) {
	t.Helper()
	if _, err := s.Put(ctx, key, strings.NewReader(body), int64(len(body)), lake.PutOptions{}); err != nil {
		t.Fatal(err)
	}
}

// doctorRepairs runs Doctor without and then with repair, expecting kinds
// found and everything repaired, and a clean lake afterwards.
func doctorRepairs(ctx context.Context, t *testing.T, s lake.Store, kinds ...string) {
	t.Helper()
	rep, err := Doctor(ctx, s, DoctorOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range rep.Problems {
		got = append(got, p.Kind)
	}
	if strings.Join(got, ",") != strings.Join(kinds, ",") || rep.Unrepaired != len(kinds) {
		t.Fatalf("check found %+v, want kinds %v", rep.Problems, kinds)
	}
	if rep, err = Doctor(ctx, s, DoctorOptions{Repair: true}); err != nil || rep.Repaired != len(kinds) || rep.Unrepaired != 0 {
		t.Fatalf("repair: %+v, %v", rep, err)
	}
	if rep, err = Doctor(ctx, s, DoctorOptions{}); err != nil || len(rep.Problems) != 0 {
		t.Fatalf("after repair: %+v, %v", rep, err)
	}
}

type wm struct{ Cursor int }

func TestDoctorRepairsGarbageMarker(t *testing.T) {
	ctx := context.Background()
	s := fileStore(t)
	tbl, _ := Open(s, "t")
	appendRows(ctx, t, tbl, makeRows(1, 50, nil), WriterOptions{}, "j", wm{1})
	txid := NewTxID(baseTime)
	putRaw(ctx, t, s, markerKey("t", txid), "{garbage")
	putRaw(ctx, t, s, stagingDir("t", txid)+"part-x.parquet", "half a file")
	if _, err := tbl.Recover(ctx); !errors.Is(err, lake.ErrCorrupt) {
		t.Fatalf("recover = %v, want an unreadable-record error", err)
	}
	if n, err := tbl.Unfinished(ctx); err != nil || n != 1 {
		t.Fatalf("unfinished = %d, %v", n, err)
	}
	doctorRepairs(ctx, t, s, ProblemUnreadable)
	if _, err := tbl.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	if n := liveRows(ctx, t, tbl); n != 50 {
		t.Fatalf("rows %d, want 50", n)
	}
	if left := keysUnder(ctx, t, s, QuarantinePrefix); len(left) != 1 {
		t.Fatalf("quarantine holds %v", left)
	}
}

func TestCorruptStateCacheIsRebuilt(t *testing.T) {
	ctx := context.Background()
	s := fileStore(t)
	tbl, _ := Open(s, "t")
	appendRows(ctx, t, tbl, makeRows(1, 10, nil), WriterOptions{}, "j", wm{1})
	appendRows(ctx, t, tbl, makeRows(11, 10, nil), WriterOptions{}, "j", wm{2})
	putRaw(ctx, t, s, stateKey("j"), `{"job":"j","sta`)
	var got wm
	if err := LoadState(ctx, s, "j", &got); err != nil || got.Cursor != 2 {
		t.Fatalf("state = %+v, %v; want cursor 2 rebuilt from the commits", got, err)
	}
	putRaw(ctx, t, s, stateKey("j"), `{"job":"j","sta`)
	doctorRepairs(ctx, t, s, ProblemUnreadable)
	if err := LoadState(ctx, s, "j", &got); err != nil || got.Cursor != 2 {
		t.Fatalf("state after repair = %+v, %v", got, err)
	}
	appendRows(ctx, t, tbl, makeRows(21, 10, nil), WriterOptions{}, "j", wm{3})
}

func TestDoctorRemovesGarbageAndStaleLocks(t *testing.T) {
	ctx := context.Background()
	s := fileStore(t)
	putRaw(ctx, t, s, lockKey("extract-t"), "\x00\x01not json")
	if _, err := AcquireLock(ctx, s, "extract-t", LockOptions{}); !errors.Is(err, lake.ErrCorrupt) {
		t.Fatalf("acquire = %v, want an unreadable-record error", err)
	}
	stale := `{"host":"elsewhere","pid":1,"refreshed":"2020-01-01T00:00:00Z","stale_after_s":60}`
	putRaw(ctx, t, s, lockKey("load-t"), stale)
	doctorRepairs(ctx, t, s, ProblemUnreadable, ProblemStaleLock)
	l, err := AcquireLock(ctx, s, "extract-t", LockOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_ = l.Release(ctx)
}

// A kill -9 during the publish of a replace leaves both snapshots under
// tables/; the doctor names the table torn and finishes the publish.
func TestDoctorFinishesTornReplace(t *testing.T) {
	ctx := context.Background()
	s := fileStore(t)
	tbl, _ := Open(s, "t")
	appendRows(ctx, t, tbl, makeRows(1, 100, nil), WriterOptions{TargetFileBytes: 1}, "", nil)
	tx, err := tbl.Begin(ctx, TxOptions{Op: OpReplace})
	if err != nil {
		t.Fatal(err)
	}
	w, _ := tx.NewWriter(testSchema, WriterOptions{})
	if err := w.Write(ctx, makeRows(1, 120, nil)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := tx.RemoveLive(ctx); err != nil {
		t.Fatal(err)
	}
	tx.crash = func(step string) bool { return step == "move" }
	_, _ = tx.Commit(ctx)
	tx.endHeartbeat()
	killMarker(ctx, t, tbl, tx.ID())
	if n := liveRows(ctx, t, tbl); n != 220 {
		t.Fatalf("torn table holds %d rows, want old 100 + new 120", n)
	}
	doctorRepairs(ctx, t, s, ProblemTorn)
	if n := liveRows(ctx, t, tbl); n != 120 {
		t.Fatalf("rows after repair %d, want 120", n)
	}
}

// countGets counts the GETs of commit records.
type countGets struct {
	lake.Store
	n atomic.Int64
}

func (c *countGets) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if strings.Contains(key, "/commits/") {
		c.n.Add(1)
	}
	return c.Store.Get(ctx, key)
}

// A lost state cache is rebuilt from the latest commit carrying the job's
// state, in whichever table, read newest first: not every record of the
// lake.
func TestStateIsRebuiltFromTheLatestCommitReadNewestFirst(t *testing.T) {
	ctx := context.Background()
	s := &countGets{Store: fileStore(t)}
	a, _ := Open(s, "a")
	b, _ := Open(s, "b")
	const older = 3 * inFlight
	for i := range older {
		appendRows(ctx, t, a, makeRows(i*10, 10, nil), WriterOptions{}, "j", wm{i})
	}
	appendRows(ctx, t, b, makeRows(1000, 10, nil), WriterOptions{}, "j", wm{42})
	appendRows(ctx, t, a, makeRows(2000, 10, nil), WriterOptions{}, "other", wm{7})
	putRaw(ctx, t, s, stateKey("j"), `{"job":"j","sta`)
	s.n.Store(0)
	if err := RebuildState(ctx, s, "j"); err != nil {
		t.Fatal(err)
	}
	var got wm
	if err := LoadState(ctx, s, "j", &got); err != nil || got.Cursor != 42 {
		t.Fatalf("state = %+v, %v; want cursor 42 from table b's commit", got, err)
	}
	// Reads run inFlight ahead of the match, the second newest record.
	if n := s.n.Load(); n > inFlight+2 {
		t.Errorf("%d of %d commit records read, want at most %d", n, older+2, inFlight+2)
	}
}
