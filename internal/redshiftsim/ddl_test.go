package redshiftsim_test

import (
	"bytes"
	"context"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/catalog"
	"github.com/lakectl/lakectl/internal/redshiftsim"
	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake/parquetfile"
	"github.com/lakectl/lakectl/lake/schema"
)

// everyKind is one column of every lake kind.
var everyKind = schema.Schema{Columns: []schema.Column{
	{Name: "id", Type: schema.TInt64},
	{Name: "flag", Type: schema.TBool, Nullable: true},
	{Name: "i8", Type: schema.TInt8, Nullable: true},
	{Name: "i16", Type: schema.TInt16, Nullable: true},
	{Name: "i32", Type: schema.TInt32, Nullable: true},
	{Name: "u32", Type: schema.TUint32, Nullable: true},
	{Name: "u64", Type: schema.TUint64, Nullable: true},
	{Name: "f32", Type: schema.TFloat32, Nullable: true},
	{Name: "f64", Type: schema.TFloat64, Nullable: true},
	{Name: "d38", Type: schema.DecimalOf(38, 9), Nullable: true},
	{Name: "d18", Type: schema.DecimalOf(18, 4), Nullable: true},
	{Name: "d9", Type: schema.DecimalOf(9, 2), Nullable: true},
	{Name: "s", Type: schema.TString, Nullable: true},
	{Name: "j", Type: schema.TJSON, Nullable: true},
	{Name: "raw", Type: schema.TBytes, Nullable: true},
	{Name: "dt", Type: schema.TDate, Nullable: true},
	{Name: "ts", Type: schema.TTimestamp, Nullable: true},
	{Name: "tm", Type: schema.TTime, Nullable: true},
}}

func dec(t schema.Type, n int64) schema.Value {
	return schema.DecimalFromUnscaled(t, big.NewInt(n))
}

// TestCatalogDDLAndCopyOfEveryKind creates the table with lakectl's
// Redshift DDL and COPYs a file of every kind that lakectl's writer made.
func TestCatalogDDLAndCopyOfEveryKind(t *testing.T) {
	srv := redshiftsim.StartServer(t)
	env := testenv.S3(t)
	c := connect(t, srv)
	ddl, err := catalog.DDL(catalog.Redshift, "kinds", everyKind, catalog.DDLOptions{DistKey: "id", SortKey: []string{"ts", "id"}, VarcharBytes: map[string]int{"s": 10}})
	if err != nil {
		t.Fatal(err)
	}
	if err := exec(t, c, ddl); err != nil {
		t.Fatalf("%s: %v", ddl, err)
	}
	ts := time.Date(2026, 3, 4, 5, 6, 7, 123456000, time.UTC)
	cols := everyKind.Columns
	row := schema.Row{schema.Int64Value(7), schema.BoolValue(true), schema.Int32Value(-8), schema.Int32Value(-16), schema.Int32Value(-32),
		schema.Uint32Value(4000000000), schema.Uint64Value(18446744073709551615), schema.Float32Value(1.5), schema.Float64Value(-2.25),
		dec(cols[9].Type, -1234567890123), dec(cols[10].Type, 98765), dec(cols[11].Type, -5), schema.StringValue(`a'b\c`),
		schema.StringValue(`{"k": [1, 2]}`), schema.BytesValue([]byte{0, 0xff}), schema.DateValue(ts), schema.TimestampValue(ts),
		schema.TimeValue(5*time.Hour + 6*time.Second)}
	nulls := make(schema.Row, len(row))
	nulls[0] = schema.Int64Value(8)
	for i := 1; i < len(nulls); i++ {
		nulls[i] = schema.NullValue()
	}
	var buf bytes.Buffer
	w, err := parquetfile.NewWriter(&buf, everyKind, parquetfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]schema.Row{row, nulls}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	put(t, env, "k.parquet", buf.Bytes())
	put(t, env, "k.json", manifest([]string{env.URL("k.parquet")}, []int64{int64(buf.Len())}))
	if err := exec(t, c, fmt.Sprintf("COPY kinds FROM '%s' IAM_ROLE default FORMAT AS PARQUET MANIFEST", env.URL("k.json"))); err != nil {
		t.Fatal(err)
	}
	var got string
	q := `SELECT concat_ws('|', id, flag, i8, i16, i32, u32, u64, f32, f64, d38, d18, d9, s, j, encode(raw, 'hex'), dt, ts, tm) FROM kinds WHERE id = 7`
	if err := c.QueryRow(context.Background(), q).Scan(&got); err != nil {
		t.Fatal(err)
	}
	want := `7|t|-8|-16|-32|4000000000|18446744073709551615|1.5|-2.25|-1234.567890123|9.8765|-0.05|a'b\c|{"k": [1, 2]}|00ff|2026-03-04|2026-03-04 05:06:07.123456+00|05:00:06`
	if got != want {
		t.Errorf("row\n got %s\nwant %s", got, want)
	}
	var n int64
	if err := c.QueryRow(context.Background(), "SELECT count(*) FROM kinds WHERE id = 8 AND s IS NULL AND ts IS NULL AND raw IS NULL").Scan(&n); err != nil || n != 1 {
		t.Errorf("row of NULLs: %d, %v", n, err)
	}
	if strings.Contains(ddl, "SUPER") {
		t.Error("JSON became SUPER without JSONAsSuper")
	}
}
