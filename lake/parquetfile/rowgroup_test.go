package parquetfile_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/lakectl/lakectl/lake/parquetfile"
	"github.com/lakectl/lakectl/lake/schema"
)

// TestWriteRowGroupAppendsAnotherFilesRowsExactly is compaction's use of the
// Writer: rows written one way, then whole row groups of other files (same
// codec: copied; other codec: re-encoded), then rows again. The output holds
// every row in order, and Rows/BytesWritten/EstimatedSize stay right.
func TestWriteRowGroupAppendsAnotherFilesRowsExactly(t *testing.T) {
	rows := allTypesRows(t)
	dir := t.TempDir()
	var inputs []string
	for _, codec := range []string{"snappy", "zstd"} {
		p := filepath.Join(dir, codec+".parquet")
		writeFile(t, p, allTypes, rows, parquetfile.Options{Codec: codec})
		inputs = append(inputs, p)
	}

	var out bytes.Buffer
	w, err := parquetfile.NewWriter(&out, allTypes, parquetfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(rows[:1]); err != nil {
		t.Fatal(err)
	}
	want := append([]schema.Row{}, rows[:1]...)
	est := w.EstimatedSize()
	for _, p := range inputs {
		f, size := fileSize(t, p)
		pf, err := parquet.OpenFile(f, size)
		if err != nil {
			t.Fatal(err)
		}
		for _, rg := range pf.RowGroups() {
			n, err := w.WriteRowGroup(rg, nil)
			if err != nil || n != rg.NumRows() {
				t.Fatalf("WriteRowGroup of %s: %d rows, %v; want %d", p, n, err, rg.NumRows())
			}
		}
		want = append(want, rows...)
		if got := w.EstimatedSize(); got <= est || got < w.BytesWritten() {
			t.Fatalf("after %s: EstimatedSize %d (was %d), BytesWritten %d", p, got, est, w.BytesWritten())
		}
		est = w.EstimatedSize()
	}
	if _, err := w.Write(rows[1:]); err != nil {
		t.Fatal(err)
	}
	want = append(want, rows[1:]...)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if w.Rows() != int64(len(want)) {
		t.Fatalf("Rows() = %d, want %d", w.Rows(), len(want))
	}
	if w.BytesWritten() != int64(out.Len()) {
		t.Fatalf("BytesWritten %d, output has %d bytes", w.BytesWritten(), out.Len())
	}
	s, got := readAll(t, bytes.NewReader(out.Bytes()), int64(out.Len()))
	if !s.Equal(allTypes) {
		t.Fatalf("schema read back: %v", s.Names())
	}
	if len(got) != len(want) {
		t.Fatalf("read %d rows, want %d", len(got), len(want))
	}
	for i := range want {
		for c, col := range allTypes.Columns {
			g, x := schema.Go(col.Type, got[i][c]), schema.Go(col.Type, want[i][c])
			if !reflect.DeepEqual(g, x) && fmt.Sprint(g) != fmt.Sprint(x) { // NaN != NaN
				t.Errorf("row %d column %s: got %v, want %v", i, col.Name, g, x)
			}
		}
	}
}

func TestWriteRowGroupOfAnotherSchemaIsAnError(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "other.parquet")
	other := schema.Schema{Columns: []schema.Column{{Name: "x", Type: schema.TInt32}}}
	writeFile(t, p, other, []schema.Row{{schema.Int32Value(1)}}, parquetfile.Options{})
	f, size := fileSize(t, p)
	pf, err := parquet.OpenFile(f, size)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w, err := parquetfile.NewWriter(&out, allTypes, parquetfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteRowGroup(pf.RowGroups()[0], nil); err == nil {
		t.Fatal("WriteRowGroup of a row group of another schema succeeded")
	}
	if w.Rows() != 0 {
		t.Fatalf("Rows() = %d after a failed write", w.Rows())
	}
}

func TestCodecNamesRoundTrip(t *testing.T) {
	for _, name := range []string{"snappy", "zstd", "gzip", "none"} {
		if err := parquetfile.CheckCodec(name); err != nil {
			t.Errorf("CheckCodec(%q): %v", name, err)
		}
	}
	if err := parquetfile.CheckCodec("lz5"); err == nil {
		t.Error("CheckCodec(lz5) accepted an unknown codec")
	}
	var out bytes.Buffer
	w, err := parquetfile.NewWriter(&out, allTypes, parquetfile.Options{Codec: "zstd"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(allTypesRows(t)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	pf, err := parquet.OpenFile(bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if got := parquetfile.CodecName(pf.Metadata().RowGroups[0].Columns[0].MetaData.Codec); got != "zstd" {
		t.Fatalf("CodecName of a zstd file = %q", got)
	}
}
