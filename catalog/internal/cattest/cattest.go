// Package cattest holds the fixtures that the catalog's tests share with
// the tests that run its DDL against real engines (catalog/ddlexec).
package cattest

import (
	"bytes"
	"testing"

	"github.com/lakectl/lakectl/lake/parquetfile"
	"github.com/lakectl/lakectl/lake/schema"
)

// EveryType is a table with one column of every lake type; one name is a
// reserved word in mixed case.
func EveryType() schema.Schema {
	col := func(name string, t schema.Type, nullable bool) schema.Column {
		return schema.Column{Name: name, Type: t, Nullable: nullable}
	}
	return schema.Schema{Columns: []schema.Column{
		col("id", schema.TInt64, false),
		col("flag", schema.TBool, true),
		col("tiny", schema.TInt8, true),
		col("small", schema.TInt16, true),
		col("medium", schema.TInt32, true),
		col("u8", schema.TUint8, true),
		col("u16", schema.TUint16, true),
		col("u32", schema.TUint32, true),
		col("u64", schema.TUint64, true),
		col("ratio", schema.TFloat32, true),
		col("score", schema.TFloat64, true),
		col("amount", schema.DecimalOf(12, 2), true),
		col("big_amount", schema.DecimalOf(38, 9), true),
		col("name", schema.TString, false),
		col("comment", schema.TString, true),
		col("payload", schema.TBytes, true),
		col("birthday", schema.TDate, true),
		col("created_at", schema.TTimestamp, false),
		col("opens_at", schema.TTime, true),
		col("attrs", schema.TJSON, true),
		col("Select", schema.TString, true),
	}}
}

// Parquet is rows of schema s as one Parquet file written by the lake's
// writer.
func Parquet(t testing.TB, s schema.Schema, rows []schema.Row) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := parquetfile.NewWriter(&buf, s, parquetfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
