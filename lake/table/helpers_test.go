package table

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
)

// storeFactory makes a fresh empty lake for one test.
type storeFactory struct {
	name string
	open func(t *testing.T) lake.Store
}

func fileStore(t *testing.T) lake.Store {
	t.Helper()
	s, err := lake.NewFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// stores lists the stores every protocol test runs against; s3_test.go
// adds MinIO.
func stores() []storeFactory {
	return append([]storeFactory{{"file", fileStore}}, extraStores()...)
}

var testSchema = schema.Schema{Columns: []schema.Column{
	{Name: "id", Type: schema.TInt64},
	{Name: "created_at", Type: schema.TTimestamp},
	{Name: "code", Type: schema.TString, Nullable: true},
	{Name: "amount", Type: schema.TInt64},
}}

var baseTime = time.Date(2026, 11, 23, 22, 0, 0, 0, time.UTC)

// makeRows returns n rows with ids from first, timestamps spread over
// hours, codes cycling through codes (nil = NULL), amount = id*3.
func makeRows(first, n int, codes []*string) []schema.Row {
	rows := make([]schema.Row, n)
	for i := range rows {
		id := int64(first + i)
		code := schema.NullValue()
		if len(codes) > 0 {
			if c := codes[i%len(codes)]; c != nil {
				code = schema.StringValue(*c)
			}
		}
		rows[i] = schema.Row{schema.Int64Value(id), schema.TimestampValue(baseTime.Add(time.Duration(id) * 17 * time.Minute)), code, schema.Int64Value(id * 3)}
	}
	return rows
}

func strp(s string) *string { return &s }

// appendRows commits one append of rows through a writer.
func appendRows(ctx context.Context, t *testing.T, tbl *Table, rows []schema.Row, opts WriterOptions, job string, state any) *CommitRecord {
	t.Helper()
	tx, err := tbl.Begin(ctx, TxOptions{Op: OpAppend, Job: job})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Abort(ctx) }()
	w, err := tx.NewWriter(testSchema, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(ctx, rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if job != "" {
		if err := tx.SetState(job, state); err != nil {
			t.Fatal(err)
		}
	}
	rec, err := tx.Commit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// liveKeys lists the table's live files.
func liveKeys(ctx context.Context, t *testing.T, tbl *Table) []string {
	t.Helper()
	var keys []string
	if err := tbl.Files(ctx, func(f File) error { keys = append(keys, f.Key); return nil }); err != nil {
		t.Fatal(err)
	}
	return keys
}

// liveRows sums the footers' row counts of the live files.
func liveRows(ctx context.Context, t *testing.T, tbl *Table) int64 {
	t.Helper()
	parts, err := tbl.Partitions(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, p := range parts {
		n += p.Rows
	}
	return n
}

// keysUnder lists every key under prefix.
func keysUnder(ctx context.Context, t *testing.T, s lake.Store, prefix string) []string {
	t.Helper()
	var keys []string
	if err := s.List(ctx, prefix, func(oi lake.ObjectInfo) error { keys = append(keys, oi.Key); return nil }); err != nil {
		t.Fatal(err)
	}
	return keys
}

// killMarker makes a transaction's owner look dead (heartbeat an hour old),
// as after kill -9 on another host.
func killMarker(ctx context.Context, t *testing.T, tbl *Table, txid string) {
	t.Helper()
	var m marker
	err := lake.GetJSON(ctx, tbl.store, markerKey(tbl.name, txid), &m)
	if errors.Is(err, lake.ErrNotExist) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	m.Heartbeat = time.Now().Add(-time.Hour)
	m.Host = "elsewhere"
	if _, err := lake.PutJSON(ctx, tbl.store, markerKey(tbl.name, txid), m, lake.PutOptions{}); err != nil {
		t.Fatal(err)
	}
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

func expectKeys(t *testing.T, what string, got, want []string) {
	t.Helper()
	got, want = sortedCopy(got), sortedCopy(want)
	if !slices.Equal(got, want) {
		t.Fatalf("%s:\n got  %s\n want %s", what, strings.Join(got, "\n      "), strings.Join(want, "\n      "))
	}
}

func keysOf(es []FileEntry) []string {
	var k []string
	for _, e := range es {
		k = append(k, e.Key)
	}
	return k
}

func time2(i int) time.Duration { return time.Duration(i) * 17 * time.Minute }

func mustFileStore(t *testing.T, dir string) lake.Store {
	t.Helper()
	s, err := lake.NewFileStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func fileStoreFor(t *testing.T) lake.Store { return fileStore(t) }
