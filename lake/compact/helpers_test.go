package compact

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/big"
	"sort"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/parquetfile"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

type storeFactory struct {
	name string
	open func(t testing.TB) lake.Store
}

func fileStore(t testing.TB) lake.Store {
	t.Helper()
	s, err := lake.NewFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// dirStore is a local lake in a fresh folder, and the folder (for
// DuckDB to read its files).
func dirStore(t testing.TB) (string, lake.Store) {
	t.Helper()
	dir := t.TempDir()
	s, err := lake.NewFileStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return dir, s
}

func s3Store(t testing.TB) lake.Store {
	t.Helper()
	env := testenv.S3(t)
	env.SetAWSEnv(t)
	s, err := lake.Open(context.Background(), env.URL("lake"), lake.Options{S3Endpoint: env.Endpoint, S3PathStyle: true, Region: env.Region})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func stores() []storeFactory {
	return []storeFactory{{"file", fileStore}, {"s3", s3Store}}
}

// mixedSchema is a 10-column schema of the kinds extract writes.
var mixedSchema = schema.Schema{Columns: []schema.Column{
	{Name: "id", Type: schema.TInt64},
	{Name: "created_at", Type: schema.TTimestamp},
	{Name: "customer", Type: schema.TString},
	{Name: "amount", Type: schema.DecimalOf(12, 2)},
	{Name: "qty", Type: schema.TInt32},
	{Name: "price", Type: schema.TFloat64, Nullable: true},
	{Name: "active", Type: schema.TBool},
	{Name: "note", Type: schema.TString, Nullable: true},
	{Name: "day", Type: schema.TDate},
	{Name: "payload", Type: schema.TJSON, Nullable: true},
}}

var baseTime = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// mixedRows returns n rows with ids from first.
func mixedRows(first, n int) []schema.Row {
	rows := make([]schema.Row, n)
	for i := range rows {
		id := int64(first + i)
		price, note, payload := schema.NullValue(), schema.NullValue(), schema.NullValue()
		if id%7 != 0 {
			price = schema.Float64Value(float64(id) * 1.25)
		}
		if id%3 == 0 {
			note = schema.StringValue(fmt.Sprintf("note %d with some text to compress", id))
		}
		if id%5 == 0 {
			payload = schema.StringValue(fmt.Sprintf(`{"id":%d,"tags":["a","b"]}`, id))
		}
		ts := baseTime.Add(time.Duration(id) * time.Second)
		rows[i] = schema.Row{
			schema.Int64Value(id),
			schema.TimestampValue(ts),
			schema.StringValue(fmt.Sprintf("customer-%04d", id%997)),
			schema.DecimalFromUnscaled(schema.DecimalOf(12, 2), big.NewInt(id*101-5000)),
			schema.Int32Value(int32(id % 1000)),
			price,
			schema.BoolValue(id%2 == 0),
			note,
			schema.DateValue(ts),
			payload,
		}
	}
	return rows
}

// writeFiles commits one transaction adding one file per batch in
// partition part ("" for none), written with lake/parquetfile as extract
// does, and returns the keys.
func writeFiles(ctx context.Context, t testing.TB, tbl *table.Table, s schema.Schema, part string, batches [][]schema.Row) []string {
	t.Helper()
	return writeFilesWith(ctx, t, tbl, s, part, batches, parquetfile.Options{})
}

// writeFilesWith is writeFiles with the writer's options.
func writeFilesWith(ctx context.Context, t testing.TB, tbl *table.Table, s schema.Schema, part string, batches [][]schema.Row, wopts parquetfile.Options) []string {
	t.Helper()
	tx, err := tbl.Begin(ctx, table.TxOptions{Op: table.OpAppend})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Abort(ctx) }()
	var keys []string
	for _, rows := range batches {
		key := tx.NewFileKey(part)
		pr, pw := io.Pipe()
		done := make(chan error, 1)
		go func() {
			_, err := tbl.Store().Put(ctx, tx.StagingKey(key), pr, -1, lake.PutOptions{})
			_ = pr.CloseWithError(err)
			done <- err
		}()
		w, err := parquetfile.NewWriter(pw, s, wopts)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(rows); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		_ = pw.Close()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if err := tx.AddFile(ctx, table.FileEntry{Key: key, Rows: int64(len(rows)), Partition: part, SchemaFingerprint: s.Fingerprint()}); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, key)
	}
	tx.SetSchema(s)
	if _, err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return keys
}

// snapshot is what a user checks of a table: rows and per-column
// aggregates, read back from the live files.
type snapshot struct {
	Rows    int64
	Files   int
	IDs     map[int64]int     // id -> occurrences (every id must appear once)
	Columns map[string]agg    // by column name
	Keys    []string          // live file keys
	Types   map[string]string // column -> type in the files (last seen)
}

// agg is an order-independent aggregate of one column.
type agg struct {
	Nulls int64
	Hash  uint64 // sum of FNV hashes of the values' text
}

func readSnapshot(ctx context.Context, t testing.TB, tbl *table.Table) snapshot {
	t.Helper()
	snap := snapshot{IDs: map[int64]int{}, Columns: map[string]agg{}, Types: map[string]string{}}
	err := tbl.Files(ctx, func(f table.File) error {
		snap.Files++
		snap.Keys = append(snap.Keys, f.Key)
		r, err := parquetfile.OpenReader(parquetfile.StoreReaderAt(ctx, tbl.Store(), f.Key, f.Size), f.Size)
		if err != nil {
			return fmt.Errorf("%s: %w", f.Key, err)
		}
		defer r.Close()
		s := r.Schema()
		for _, c := range s.Columns {
			snap.Types[c.Name] = c.Type.String()
		}
		buf := make([]schema.Row, 512)
		for {
			n, err := r.Read(buf)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return fmt.Errorf("%s: %w", f.Key, err)
			}
			for _, row := range buf[:n] {
				snap.Rows++
				for c, col := range s.Columns {
					a := snap.Columns[col.Name]
					v := row[c]
					if v.IsNull() {
						a.Nulls++
					} else {
						h := fnv.New64a()
						fmt.Fprintf(h, "%v", schema.Go(col.Type, v))
						a.Hash += h.Sum64()
					}
					snap.Columns[col.Name] = a
					if col.Name == "id" && !v.IsNull() {
						snap.IDs[schema.Go(col.Type, v).(int64)]++
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(snap.Keys)
	return snap
}

// sameData fails unless got holds exactly want's rows.
func sameData(t testing.TB, want, got snapshot) {
	t.Helper()
	if got.Rows != want.Rows {
		t.Fatalf("rows: got %d, want %d", got.Rows, want.Rows)
	}
	for id, n := range got.IDs {
		if n != 1 {
			t.Fatalf("id %d appears %d times", id, n)
		}
	}
	if len(got.IDs) != len(want.IDs) {
		t.Fatalf("distinct ids: got %d, want %d", len(got.IDs), len(want.IDs))
	}
	for name, a := range want.Columns {
		if got.Columns[name] != a {
			t.Fatalf("column %s aggregate: got %+v, want %+v", name, got.Columns[name], a)
		}
	}
}

// seedPartitions writes files per partition, each of rowsPerFile rows,
// ids unique across the table.
func seedPartitions(ctx context.Context, t testing.TB, tbl *table.Table, parts []string, files, rowsPerFile int) {
	t.Helper()
	id := 0
	for _, p := range parts {
		batches := make([][]schema.Row, files)
		for i := range batches {
			batches[i] = mixedRows(id, rowsPerFile)
			id += rowsPerFile
		}
		writeFiles(ctx, t, tbl, mixedSchema, p, batches)
	}
}

func openTable(t testing.TB, store lake.Store, name string) *table.Table {
	t.Helper()
	tbl, err := table.Open(store, name)
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}
