package parquetfile_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/parquetfile"
	"github.com/lakectl/lakectl/lake/schema"
)

func readAll(t *testing.T, r io.ReaderAt, size int64) (schema.Schema, []schema.Row) {
	t.Helper()
	rd, err := parquetfile.OpenReader(r, size)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	var out []schema.Row
	for {
		batch := make([]schema.Row, 2)
		n, err := rd.Read(batch)
		out = append(out, batch[:n]...)
		if err == io.EOF {
			return rd.Schema(), out
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func fileSize(t *testing.T, path string) (*os.File, int64) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return f, st.Size()
}

func TestReadsFilesWrittenByDuckDB(t *testing.T) {
	path := filepath.Join(t.TempDir(), "duck.parquet")
	db := openDuckDB(t)
	_, err := db.Exec(fmt.Sprintf(`COPY (SELECT * FROM (VALUES
		(1, TIMESTAMP '1900-01-01 00:00:00', CAST(TIMESTAMP '2100-12-31 23:59:59.123456' AS TIMESTAMP_NS),
		    CAST(TIMESTAMP '1969-12-31 23:59:59.999' AS TIMESTAMP_MS), CAST('-12345678901234567890.1234567890' AS DECIMAL(38,10)),
		    CAST('123.45' AS DECIMAL(5,2)), CAST(200 AS UTINYINT), CAST(-5 AS TINYINT), 'héllo 😀', '\x00\x01'::BLOB,
		    TIME '23:59:59.999999', DATE '1900-01-01', CAST(18446744073709551615 AS UBIGINT),
		    '0b7fa5e2-9c1d-4f3a-8e2b-ffee00112233'::UUID),
		(2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
	) t(id, ts, ts_ns, ts_ms, d38, d5, u8, i8, s, b, tm, dt, u64, u)) TO '%s' (FORMAT parquet)`, path))
	if err != nil {
		t.Fatal(err)
	}
	want := []schema.Type{schema.TInt32, schema.TTimestamp, schema.TTimestamp, schema.TTimestamp,
		schema.DecimalOf(38, 10), schema.DecimalOf(5, 2), schema.TUint8, schema.TInt8, schema.TString,
		schema.TBytes, schema.TTime, schema.TDate, schema.TUint64, schema.TString}

	f, size := fileSize(t, path)
	foot, err := parquetfile.ReadFooter(context.Background(), f, size)
	if err != nil {
		t.Fatal(err)
	}
	if foot.Rows != 2 || len(foot.Schema.Columns) != len(want) || !strings.Contains(strings.ToLower(foot.CreatedBy), "duckdb") {
		t.Fatalf("footer %+v", foot)
	}
	for i, c := range foot.Schema.Columns {
		if c.Type != want[i] {
			t.Errorf("column %s: mapped to %s, want %s", c.Name, c.Type, want[i])
		}
	}
	s, rows := readAll(t, f, size)
	if !s.Equal(foot.Schema) || len(rows) != 2 {
		t.Fatalf("reader schema %v, %d rows", s, len(rows))
	}
	exprs := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		exprs[i] = duckSelect(c)
	}
	res, err := db.Query(fmt.Sprintf("SELECT %s FROM read_parquet('%s') ORDER BY id", strings.Join(exprs, ", "), path))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()
	for n := 0; res.Next(); n++ {
		got := make([]any, len(exprs))
		ptrs := make([]any, len(exprs))
		for i := range got {
			ptrs[i] = &got[i]
		}
		if err := res.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for c, col := range s.Columns {
			ours := schema.Go(col.Type, rows[n][c])
			if !sameValue(col, got[c], ours) {
				t.Errorf("row %d column %s: duckdb %#v, ours %#v", n, col.Name, got[c], ours)
			}
		}
	}
}

func TestNestedColumnsAreAnErrorNamingTheColumn(t *testing.T) {
	dir := t.TempDir()
	db := openDuckDB(t)
	for col, expr := range map[string]string{"tags": "[1, 2]", "attrs": "{'a': 1}", "kv": "MAP {'a': 1}"} {
		path := filepath.Join(dir, col+".parquet")
		if _, err := db.Exec(fmt.Sprintf("COPY (SELECT 1 AS id, %s AS %s) TO '%s' (FORMAT parquet)", expr, col, path)); err != nil {
			t.Fatal(err)
		}
		f, size := fileSize(t, path)
		_, err := parquetfile.ReadFooter(context.Background(), f, size)
		if err == nil || !strings.Contains(err.Error(), `"`+col+`"`) {
			t.Errorf("footer of a file with %s column %s: %v, want an error naming it", expr, col, err)
		}
		if _, err := parquetfile.OpenReader(f, size); err == nil || !strings.Contains(err.Error(), `"`+col+`"`) {
			t.Errorf("reader of a file with %s column %s: %v, want an error naming it", expr, col, err)
		}
	}
}

func TestReadsInt96AndMillisecondTimestamps(t *testing.T) {
	times := []time.Time{
		time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999000000, time.UTC),
		time.Date(2100, 12, 31, 23, 59, 59, 999000000, time.UTC),
	}
	path := filepath.Join(t.TempDir(), "legacy.parquet")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	// Spark and Impala store timestamps as INT96: nanoseconds of the day,
	// then the Julian day.
	ps := parquet.NewSchema("spark", parquet.Group{
		"a_int96":  parquet.Leaf(parquet.Int96Type),
		"b_millis": parquet.Timestamp(parquet.Millisecond),
	})
	w := parquet.NewWriter(out, ps)
	for _, tm := range times {
		days := tm.Unix()/86400 + 2440588
		if tm.Unix()%86400 < 0 {
			days--
		}
		nanos := uint64(tm.UnixNano() - (days-2440588)*86400*1e9)
		i96 := deprecated.Int96{uint32(nanos), uint32(nanos >> 32), uint32(days)}
		row := parquet.Row{parquet.Int96Value(i96).Level(0, 0, 0), parquet.Int64Value(tm.UnixMilli()).Level(0, 0, 1)}
		if _, err := w.WriteRows([]parquet.Row{row}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out.Close()
	f, size := fileSize(t, path)
	s, rows := readAll(t, f, size)
	if s.Columns[0].Type != schema.TTimestamp || s.Columns[1].Type != schema.TTimestamp {
		t.Fatalf("schema %v", s)
	}
	for i, tm := range times {
		for c := range 2 {
			if got := schema.Go(schema.TTimestamp, rows[i][c]).(time.Time); !got.Equal(tm) {
				t.Errorf("row %d column %s: %s, want %s", i, s.Columns[c].Name, got, tm)
			}
		}
	}
}

// rangeCounter counts the ranged GETs made against a real store.
type rangeCounter struct {
	lake.Store
	gets  int
	bytes int64
}

func (c *rangeCounter) GetRange(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	c.gets++
	c.bytes += n
	return c.Store.GetRange(ctx, key, off, n)
}

func TestFooterAndRowsFromAStoreWithRangedReads(t *testing.T) {
	ctx := context.Background()
	fs, err := lake.NewFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// A file far bigger than the footer read: 200k rows.
	s := schema.Schema{Columns: []schema.Column{{Name: "id", Type: schema.TInt64}, {Name: "note", Type: schema.TString, Nullable: true}}}
	rows := make([]schema.Row, 200_000)
	var sum int64
	for i := range rows {
		rows[i] = schema.Row{schema.Int64Value(int64(i)), schema.StringValue(fmt.Sprintf("row %d of many, padded to be bigger", i))}
		sum += int64(i)
	}
	local := filepath.Join(t.TempDir(), "x.parquet")
	size := writeFile(t, local, s, rows, parquetfile.Options{Codec: "none", RowGroupBytes: 2 << 20})
	data, err := os.ReadFile(local)
	if err != nil {
		t.Fatal(err)
	}
	key := "tables/t/part-1.parquet"
	if _, err := fs.Put(ctx, key, strings.NewReader(string(data)), size, lake.PutOptions{}); err != nil {
		t.Fatal(err)
	}

	store := &rangeCounter{Store: fs}
	foot, err := parquetfile.ReadFooterFrom(ctx, store, key, size)
	if err != nil {
		t.Fatal(err)
	}
	if foot.Rows != int64(len(rows)) || foot.RowGroups < 2 || !foot.Schema.Equal(s) {
		t.Fatalf("footer rows %d row groups %d schema %v", foot.Rows, foot.RowGroups, foot.Schema)
	}
	if store.gets != 1 || store.bytes > 64<<10 {
		t.Fatalf("footer took %d GETs of %d bytes, want 1 of at most 64 KiB (file is %d bytes)", store.gets, store.bytes, size)
	}

	// A tail shorter than the footer takes a second GET; the length it
	// returns lets the next read take the footer in one.
	store.gets, store.bytes = 0, 0
	short, n, err := parquetfile.ReadFooterTail(ctx, store, key, size, 16)
	if err != nil || short.Rows != foot.Rows || store.gets != 2 || n <= 16 {
		t.Fatalf("footer from a 16-byte tail: rows %d, length %d, %d GETs, %v", short.Rows, n, store.gets, err)
	}
	store.gets = 0
	if _, _, err := parquetfile.ReadFooterTail(ctx, store, key, size, n+8); err != nil || store.gets != 1 {
		t.Fatalf("footer from a tail of its length took %d GETs: %v", store.gets, err)
	}

	store.gets, store.bytes = 0, 0
	_, got := readAll(t, parquetfile.StoreReaderAt(ctx, store, key, size), size)
	var gotSum int64
	for _, r := range got {
		gotSum += r[0].Int64()
	}
	if len(got) != len(rows) || gotSum != sum {
		t.Fatalf("read %d rows summing to %d, want %d summing to %d", len(got), gotSum, len(rows), sum)
	}
	if store.bytes > 2*size || store.gets > int(size/(64<<10)) {
		t.Fatalf("reading a %d-byte file took %d GETs of %d bytes", size, store.gets, store.bytes)
	}
	t.Logf("read %d bytes in %d GETs (%d bytes)", size, store.gets, store.bytes)

	if _, err := parquetfile.ReadFooterFrom(ctx, store, "missing.parquet", -1); err == nil {
		t.Fatal("footer of a missing object succeeded")
	}
}
