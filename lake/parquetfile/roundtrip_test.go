package parquetfile_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // DuckDB reads what we write

	"github.com/lakectl/lakectl/lake/parquetfile"
	"github.com/lakectl/lakectl/lake/schema"
)

// allTypes is one column of every lake type; "id" orders the rows.
var allTypes = schema.Schema{Columns: []schema.Column{
	{Name: "id", Type: schema.TInt64},
	{Name: "flag", Type: schema.TBool, Nullable: true},
	{Name: "i8", Type: schema.TInt8, Nullable: true},
	{Name: "i16", Type: schema.TInt16, Nullable: true},
	{Name: "i32", Type: schema.TInt32, Nullable: true},
	{Name: "i64", Type: schema.TInt64, Nullable: true},
	{Name: "u8", Type: schema.TUint8, Nullable: true},
	{Name: "u16", Type: schema.TUint16, Nullable: true},
	{Name: "u32", Type: schema.TUint32, Nullable: true},
	{Name: "u64", Type: schema.TUint64, Nullable: true},
	{Name: "f32", Type: schema.TFloat32, Nullable: true},
	{Name: "f64", Type: schema.TFloat64, Nullable: true},
	{Name: "d38", Type: schema.DecimalOf(38, 9), Nullable: true},
	{Name: "d18", Type: schema.DecimalOf(18, 4), Nullable: true},
	{Name: "d9", Type: schema.DecimalOf(9, 2), Nullable: true},
	{Name: "s", Type: schema.TString, Nullable: true},
	{Name: "s_req", Type: schema.TString},
	{Name: "j", Type: schema.TJSON, Nullable: true},
	{Name: "raw", Type: schema.TBytes, Nullable: true},
	{Name: "dt", Type: schema.TDate, Nullable: true},
	{Name: "ts", Type: schema.TTimestamp, Nullable: true},
	{Name: "tm", Type: schema.TTime, Nullable: true},
}}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func dec(t *testing.T, typ schema.Type, s string) schema.Value {
	t.Helper()
	v, err := schema.ParseDecimal(typ, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func allTypesRows(t *testing.T) []schema.Row {
	d38, d18, d9 := schema.DecimalOf(38, 9), schema.DecimalOf(18, 4), schema.DecimalOf(9, 2)
	null := schema.NullValue()
	return []schema.Row{
		{ // minimums, and values before 1970
			schema.Int64Value(0), schema.BoolValue(false),
			schema.Int32Value(math.MinInt8), schema.Int32Value(math.MinInt16), schema.Int32Value(math.MinInt32), schema.Int64Value(math.MinInt64),
			schema.Uint32Value(0), schema.Uint32Value(0), schema.Uint32Value(0), schema.Uint64Value(0),
			schema.Float32Value(float32(math.Inf(-1))), schema.Float64Value(math.NaN()),
			dec(t, d38, "-99999999999999999999999999999.999999999"), dec(t, d18, "-99999999999999.9999"), dec(t, d9, "-9999999.99"),
			schema.StringValue(""), schema.StringValue(""), schema.StringValue(`{"a":[1,2,{"b":null}],"e":"😀"}`),
			schema.BytesValue([]byte{0, 1, 0, 255}),
			schema.DateValue(day(1900, 1, 1)), schema.TimestampValue(day(1900, 1, 1)), schema.TimeValue(0),
		},
		{ // maximums, and values after 2038
			schema.Int64Value(1), schema.BoolValue(true),
			schema.Int32Value(math.MaxInt8), schema.Int32Value(math.MaxInt16), schema.Int32Value(math.MaxInt32), schema.Int64Value(math.MaxInt64),
			schema.Uint32Value(math.MaxUint8), schema.Uint32Value(math.MaxUint16), schema.Uint32Value(math.MaxUint32), schema.Uint64Value(math.MaxUint64),
			schema.Float32Value(float32(math.Inf(1))), schema.Float64Value(math.Inf(1)),
			dec(t, d38, "99999999999999999999999999999.999999999"), dec(t, d18, "99999999999999.9999"), dec(t, d9, "9999999.99"),
			schema.StringValue("héllo 😀 世界 🏳️‍🌈"), schema.StringValue("😀"), schema.StringValue(`[]`),
			schema.BytesValue([]byte{}),
			schema.DateValue(day(2100, 12, 31)),
			schema.TimestampValue(time.Date(2100, 12, 31, 23, 59, 59, 999999000, time.UTC)),
			schema.TimeValue(24*time.Hour - time.Microsecond),
		},
		{ // every nullable column NULL
			schema.Int64Value(2), null, null, null, null, null, null, null, null, null, null, null, null, null, null,
			null, schema.StringValue("not null"), null, null, null, null, null,
		},
		{ // middle values, one microsecond before the epoch
			schema.Int64Value(3), schema.BoolValue(true),
			schema.Int32Value(-1), schema.Int32Value(1), schema.Int32Value(0), schema.Int64Value(-1),
			schema.Uint32Value(1), schema.Uint32Value(2), schema.Uint32Value(1 << 31), schema.Uint64Value(1 << 63),
			schema.Float32Value(float32(math.NaN())), schema.Float64Value(-1.5e300),
			dec(t, d38, "-0.000000001"), dec(t, d18, "0.0001"), dec(t, d9, "-0.01"),
			schema.StringValue("a\x00b"), schema.StringValue("x"), schema.StringValue(`null`),
			schema.BytesValue([]byte{0}),
			schema.DateValue(day(1969, 12, 31)),
			schema.TimestampValue(time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC)),
			schema.TimeValue(12*time.Hour + 34*time.Minute + 56*time.Second + 789*time.Microsecond),
		},
	}
}

func writeFile(t testing.TB, path string, s schema.Schema, rows []schema.Row, opts parquetfile.Options) int64 {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := parquetfile.NewWriter(f, s, opts)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := w.Write(rows); err != nil || n != len(rows) {
		t.Fatalf("write: %d rows, %v", n, err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if w.BytesWritten() != st.Size() {
		t.Fatalf("BytesWritten %d, file has %d bytes", w.BytesWritten(), st.Size())
	}
	return st.Size()
}

func openDuckDB(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec("SET TimeZone = 'UTC'"); err != nil {
		t.Fatal(err)
	}
	return db
}

// duckSelect renders a column so that DuckDB's value compares exactly with
// schema.Go's: decimals, JSON and strings (another tool's UUIDs) as text.
func duckSelect(c schema.Column) string {
	switch c.Type.Kind {
	case schema.Decimal, schema.JSON, schema.String:
		return fmt.Sprintf("CAST(%q AS VARCHAR)", c.Name)
	}
	return fmt.Sprintf("%q", c.Name)
}

// sameValue compares a value as DuckDB or our Reader returned it with the
// Go value schema.Go gives for what was written.
func sameValue(c schema.Column, got, want any) bool {
	if got == nil || want == nil {
		return got == nil && want == nil
	}
	switch w := want.(type) {
	case int64:
		return reflect.ValueOf(got).CanInt() && reflect.ValueOf(got).Int() == w
	case uint64:
		return reflect.ValueOf(got).CanUint() && reflect.ValueOf(got).Uint() == w
	case float64:
		g := reflect.ValueOf(got).Float()
		return g == w || (math.IsNaN(g) && math.IsNaN(w))
	case []byte:
		g, ok := got.([]byte)
		return ok && bytes.Equal(g, w)
	case time.Time:
		g, ok := got.(time.Time)
		return ok && g.Equal(w)
	case time.Duration:
		if g, ok := got.(time.Duration); ok {
			return g == w
		}
		g, ok := got.(time.Time)
		if !ok {
			return false
		}
		h, m, s := g.Clock()
		return time.Duration(h)*time.Hour+time.Duration(m)*time.Minute+time.Duration(s)*time.Second+
			time.Duration(g.Nanosecond()) == w
	}
	return reflect.DeepEqual(got, want)
}

func TestRoundTripEveryTypeThroughDuckDBAndReader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "all.parquet")
	rows := allTypesRows(t)
	writeFile(t, path, allTypes, rows, parquetfile.Options{})

	db := openDuckDB(t)
	exprs := make([]string, len(allTypes.Columns))
	for i, c := range allTypes.Columns {
		exprs[i] = duckSelect(c)
	}
	q := fmt.Sprintf("SELECT %s FROM read_parquet('%s') ORDER BY id", strings.Join(exprs, ", "), path)
	res, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()
	n := 0
	for ; res.Next(); n++ {
		got := make([]any, len(exprs))
		ptrs := make([]any, len(exprs))
		for i := range got {
			ptrs[i] = &got[i]
		}
		if err := res.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for c, col := range allTypes.Columns {
			want := schema.Go(col.Type, rows[n][c])
			if !sameValue(col, got[c], want) {
				t.Errorf("duckdb row %d column %s: got %#v (%T), want %#v", n, col.Name, got[c], got[c], want)
			}
		}
	}
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	if n != len(rows) {
		t.Fatalf("duckdb read %d rows, wrote %d", n, len(rows))
	}

	// Our own Reader, in batches smaller than the file.
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	r, err := parquetfile.OpenReader(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if !r.Schema().Equal(allTypes) || r.NumRows() != int64(len(rows)) {
		t.Fatalf("reader schema %v rows %d", r.Schema(), r.NumRows())
	}
	var read []schema.Row
	batch := make([]schema.Row, 3)
	for {
		k, err := r.Read(batch)
		read = append(read, batch[:k]...)
		batch = make([]schema.Row, 3) // keep the rows read so far
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(read) != len(rows) {
		t.Fatalf("reader read %d rows, wrote %d", len(read), len(rows))
	}
	for i := range rows {
		for c, col := range allTypes.Columns {
			got, want := schema.Go(col.Type, read[i][c]), schema.Go(col.Type, rows[i][c])
			if !sameValue(col, got, want) {
				t.Errorf("reader row %d column %s: got %#v, want %#v", i, col.Name, got, want)
			}
		}
	}
}

func TestDuckDBSeesDeclaredColumnOrderAndTypes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "all.parquet")
	writeFile(t, path, allTypes, allTypesRows(t), parquetfile.Options{Codec: "zstd"})
	want := map[string]string{
		"id": "BIGINT", "flag": "BOOLEAN", "i8": "TINYINT", "i16": "SMALLINT", "i32": "INTEGER", "i64": "BIGINT",
		"u8": "UTINYINT", "u16": "USMALLINT", "u32": "UINTEGER", "u64": "UBIGINT", "f32": "FLOAT", "f64": "DOUBLE",
		"d38": "DECIMAL(38,9)", "d18": "DECIMAL(18,4)", "d9": "DECIMAL(9,2)", "s": "VARCHAR", "s_req": "VARCHAR",
		"j": "JSON", "raw": "BLOB", "dt": "DATE", "ts": "TIMESTAMP WITH TIME ZONE", "tm": "TIME",
	}
	db := openDuckDB(t)
	res, err := db.Query(fmt.Sprintf("DESCRIBE SELECT * FROM read_parquet('%s')", path))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()
	cols, _ := res.Columns()
	var names []string
	for res.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := res.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		name, typ := vals[0].(string), vals[1].(string)
		names = append(names, name)
		if want[name] != typ {
			t.Errorf("column %s: duckdb type %s, want %s", name, typ, want[name])
		}
	}
	if !reflect.DeepEqual(names, allTypes.Names()) {
		t.Fatalf("duckdb column order %v, want %v", names, allTypes.Names())
	}
}

func TestFooterCarriesSchemaRowsAndMetadata(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.parquet")
	rows := allTypesRows(t)
	size := writeFile(t, path, allTypes, rows, parquetfile.Options{KeyValue: map[string]string{"job": "orders"}})
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	counter := &countingReaderAt{r: f}
	foot, err := parquetfile.ReadFooter(context.Background(), counter, size)
	if err != nil {
		t.Fatal(err)
	}
	if !foot.Schema.Equal(allTypes) || foot.Rows != int64(len(rows)) || foot.RowGroups != 1 {
		t.Fatalf("footer: schema %v rows %d row groups %d", foot.Schema, foot.Rows, foot.RowGroups)
	}
	if foot.KeyValue["job"] != "orders" || foot.KeyValue[parquetfile.KeyFingerprint] != allTypes.Fingerprint() || foot.Fingerprint != allTypes.Fingerprint() {
		t.Fatalf("footer key-value metadata %v", foot.KeyValue)
	}
	if counter.reads != 1 {
		t.Fatalf("footer took %d reads, want 1", counter.reads)
	}
}

func TestFooterOfNonParquetSaysSo(t *testing.T) {
	for _, data := range []string{"", "PAR1", "hello, this is a CSV file\n1,2,3\n", "PAR1" + strings.Repeat("x", 20) + "PAR1"} {
		_, err := parquetfile.ReadFooter(context.Background(), strings.NewReader(data), int64(len(data)))
		if err == nil || !strings.Contains(err.Error(), "not a Parquet file") {
			t.Errorf("footer of %q: %v, want an error saying it is not Parquet", data, err)
		}
	}
}

func TestWriteRejectsNullInNotNullAndWrongKinds(t *testing.T) {
	s := schema.Schema{Columns: []schema.Column{
		{Name: "id", Type: schema.TInt64},
		{Name: "name", Type: schema.TString, Nullable: true},
		{Name: "small", Type: schema.TInt8, Nullable: true},
		{Name: "amount", Type: schema.DecimalOf(20, 2), Nullable: true},
	}}
	ok := schema.Row{schema.Int64Value(1), schema.StringValue("a"), schema.Int32Value(1), dec(t, schema.DecimalOf(20, 2), "1.50")}
	cases := []struct {
		name string
		bad  schema.Row
		want []string
	}{
		{"null in not null", schema.Row{schema.NullValue(), ok[1], ok[2], ok[3]}, []string{`"id"`, "row 1", "NULL"}},
		{"string in int64", schema.Row{schema.StringValue("1"), ok[1], ok[2], ok[3]}, []string{`"id"`, "row 1"}},
		{"int in string", schema.Row{ok[0], schema.Int64Value(5), ok[2], ok[3]}, []string{`"name"`, "row 1"}},
		{"int8 out of range", schema.Row{ok[0], ok[1], schema.Int32Value(300), ok[3]}, []string{`"small"`, "row 1", "range"}},
		{"int64 in decimal(20,2)", schema.Row{ok[0], ok[1], ok[2], schema.Int64Value(150)}, []string{`"amount"`, "row 1"}},
		{"short row", schema.Row{ok[0]}, []string{"row 1", "1 values"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			w, err := parquetfile.NewWriter(&buf, s, parquetfile.Options{})
			if err != nil {
				t.Fatal(err)
			}
			n, err := w.Write([]schema.Row{ok, tc.bad})
			if err == nil {
				t.Fatal("write succeeded")
			}
			for _, sub := range tc.want {
				if !strings.Contains(err.Error(), sub) {
					t.Errorf("error %q does not contain %q", err, sub)
				}
			}
			if n != 0 || w.Rows() != 0 {
				t.Errorf("wrote %d rows (Rows %d) of a failing batch", n, w.Rows())
			}
		})
	}
}

func TestUint64MaxReadsExactInDuckDB(t *testing.T) {
	path := filepath.Join(t.TempDir(), "u.parquet")
	s := schema.Schema{Columns: []schema.Column{{Name: "u", Type: schema.TUint64}}}
	writeFile(t, path, s, []schema.Row{{schema.Uint64Value(math.MaxUint64)}}, parquetfile.Options{})
	var got string
	if err := openDuckDB(t).QueryRow(fmt.Sprintf("SELECT CAST(u AS VARCHAR) FROM read_parquet('%s')", path)).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if want := new(big.Int).SetUint64(math.MaxUint64).String(); got != want {
		t.Fatalf("duckdb read %s, want %s", got, want)
	}
}

type countingReaderAt struct {
	r     io.ReaderAt
	reads int
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	c.reads++
	return c.r.ReadAt(p, off)
}
