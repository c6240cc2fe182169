package parquetfile_test

import (
	"bytes"
	"context"
	"maps"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/lakectl/lakectl/lake/parquetfile"
	"github.com/lakectl/lakectl/lake/schema"
)

func TestFooterRecordsTheMaxByteLengthOfStringColumns(t *testing.T) {
	s := schema.Schema{Columns: []schema.Column{
		{Name: "id", Type: schema.TInt64},
		{Name: "name", Type: schema.TString, Nullable: true},
		{Name: "blob", Type: schema.TBytes, Nullable: true},
		{Name: "none", Type: schema.TString, Nullable: true},
	}}
	long := strings.Repeat("é", 150) // 300 bytes, 150 characters
	rows := []schema.Row{
		{schema.Int64Value(1), schema.StringValue("a"), schema.BytesValue([]byte{1, 2, 3}), schema.NullValue()},
		{schema.Int64Value(2), schema.StringValue(long), schema.NullValue(), schema.NullValue()},
	}
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
	f, err := parquetfile.ReadFooter(context.Background(), bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	got, ok := parquetfile.MaxBytes(f.KeyValue)
	want := map[string]int{"name": 300, "blob": 3, "none": 0}
	if !ok || !maps.Equal(got, want) {
		t.Fatalf("%s = %v (%v), want %v", parquetfile.KeyMaxBytes, got, ok, want)
	}

	// A row group copied as is (compaction) keeps the maximum.
	pf, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w2, err := parquetfile.NewWriter(&out, s, parquetfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w2.WriteRowGroup(pf.RowGroups()[0], nil); err != nil {
		t.Fatal(err)
	}
	if err := w2.Close(); err != nil {
		t.Fatal(err)
	}
	f2, err := parquetfile.ReadFooter(context.Background(), bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := parquetfile.MaxBytes(f2.KeyValue); !maps.Equal(got, want) {
		t.Errorf("after WriteRowGroup: %v, want %v", got, want)
	}
}
