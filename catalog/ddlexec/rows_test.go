package ddlexec

import (
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lakectl/lakectl/catalog/internal/cattest"
	"github.com/lakectl/lakectl/lake/parquetfile"
	"github.com/lakectl/lakectl/lake/schema"
)

func dec(t testing.TB, typ schema.Type, s string) schema.Value {
	t.Helper()
	v, err := schema.ParseDecimal(typ, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// extremeRows are the rows a lake table may hold at the edges of every
// type: minimums, maximums, and nulls.
func extremeRows(t testing.TB) []schema.Row {
	s := cattest.EveryType()
	d12, d38 := s.Columns[11].Type, s.Columns[12].Type
	return []schema.Row{
		{
			schema.Int64Value(math.MinInt64), schema.BoolValue(false), schema.Int32Value(math.MinInt8), schema.Int32Value(math.MinInt16),
			schema.Int32Value(math.MinInt32), schema.Uint32Value(0), schema.Uint32Value(0), schema.Uint32Value(0), schema.Uint64Value(0),
			schema.Float32Value(-math.MaxFloat32), schema.Float64Value(-math.MaxFloat64),
			dec(t, d12, "-9999999999.99"), dec(t, d38, "-99999999999999999999999999999.999999999"),
			schema.StringValue(""), schema.StringValue(""), schema.BytesValue([]byte{}), schema.DateValue(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)),
			schema.TimestampValue(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)), schema.TimeValue(0), schema.StringValue(`{}`), schema.StringValue("x"),
		},
		{
			schema.Int64Value(math.MaxInt64), schema.BoolValue(true), schema.Int32Value(math.MaxInt8), schema.Int32Value(math.MaxInt16),
			schema.Int32Value(math.MaxInt32), schema.Uint32Value(math.MaxUint8), schema.Uint32Value(math.MaxUint16), schema.Uint32Value(math.MaxUint32), schema.Uint64Value(math.MaxUint64),
			schema.Float32Value(math.MaxFloat32), schema.Float64Value(math.MaxFloat64),
			dec(t, d12, "9999999999.99"), dec(t, d38, "99999999999999999999999999999.999999999"),
			schema.StringValue("Grüße, 世界 🚀 'quoted' \"double\""), schema.StringValue("line\nbreak\ttab \\ backslash"), schema.BytesValue([]byte{0, 1, 0xfe, 0xff}), schema.DateValue(time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)),
			schema.TimestampValue(time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)), schema.TimeValue(24*time.Hour - time.Microsecond),
			schema.StringValue(`{"a":[1,2,{"b":null}],"s":"é"}`), schema.StringValue("y"),
		},
		{
			schema.Int64Value(42), schema.NullValue(), schema.NullValue(), schema.NullValue(), schema.NullValue(), schema.NullValue(), schema.NullValue(),
			schema.NullValue(), schema.NullValue(), schema.NullValue(), schema.NullValue(), schema.NullValue(), schema.NullValue(),
			schema.StringValue("nulls"), schema.NullValue(), schema.NullValue(), schema.NullValue(), schema.TimestampValue(time.Date(2026, 11, 23, 14, 5, 6, 123456000, time.UTC)),
			schema.NullValue(), schema.NullValue(), schema.NullValue(),
		},
	}
}

// writeFile writes rows as a Parquet file with the lake's writer and
// returns its path.
func writeFile(t testing.TB, s schema.Schema, rows []schema.Row) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "part-00001.parquet")
	if err := os.WriteFile(path, cattest.Parquet(t, s, rows), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// readFile reads the rows back with the lake's reader, as a loader would.
func readFile(t testing.TB, path string) (schema.Schema, []schema.Row) {
	t.Helper()
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
	var out []schema.Row
	buf := make([]schema.Row, 16)
	for {
		n, err := r.Read(buf)
		for _, row := range buf[:n] {
			out = append(out, append(schema.Row(nil), row...))
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return r.Schema(), out
}
