package compact

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/parquetfile"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

// TestCompactionKeepsLongTextWithoutBounds: extract mysql writes LONGTEXT
// columns without min/max statistics; compacting their files must not put
// every value's bounds back whole (the compacted file was 1.3x DuckDB's).
func TestCompactionKeepsLongTextWithoutBounds(t *testing.T) {
	ctx := context.Background()
	store := fileStore(t)
	tbl := openTable(t, store, "notes")
	s := schema.Schema{Columns: []schema.Column{{Name: "id", Type: schema.TInt64}, {Name: "body", Type: schema.TString, Nullable: true}, {Name: "tag", Type: schema.TString}}}
	for i := int64(0); i < 4; i++ {
		b := make([]byte, 5000)
		_, _ = rand.Read(b)
		writeNoStats(ctx, t, tbl, s, []schema.Row{{schema.Int64Value(i), schema.StringValue(hex.EncodeToString(b)), schema.StringValue("t")}})
	}
	res, err := Compact(ctx, store, Options{Table: "notes"})
	if err != nil || res.Files != 1 || res.InputFiles != 4 {
		t.Fatalf("compact: %+v %v", res, err)
	}
	var files []table.File
	if err := tbl.Files(ctx, func(f table.File) error { files = append(files, f); return nil }); err != nil || len(files) != 1 {
		t.Fatalf("%d live files: %v", len(files), err)
	}
	rc, err := store.Get(ctx, files[0].Key)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(rc)
	_ = rc.Close()
	f, err := parquet.OpenFile(bytesReaderAt(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, rg := range f.Metadata().RowGroups {
		for _, cc := range rg.Columns {
			st := cc.MetaData.Statistics
			bounded := len(st.MinValue)+len(st.MaxValue) > 0
			switch cc.MetaData.PathInSchema[0] {
			case "body":
				if bounded {
					t.Errorf("body has bounds of %d and %d bytes after compaction", len(st.MinValue), len(st.MaxValue))
				}
			case "tag":
				if !bounded {
					t.Errorf("tag lost its bounds")
				}
			}
		}
	}
}

type bytesReaderAt []byte

func (b bytesReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// writeNoStats commits one file written as extract mysql writes LONGTEXT:
// column body without statistics.
func writeNoStats(ctx context.Context, t *testing.T, tbl *table.Table, s schema.Schema, rows []schema.Row) {
	t.Helper()
	tx, err := tbl.Begin(ctx, table.TxOptions{Op: table.OpAppend})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Abort(ctx) }()
	key := tx.NewFileKey("")
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := tbl.Store().Put(ctx, tx.StagingKey(key), pr, -1, lake.PutOptions{})
		_ = pr.CloseWithError(err)
		done <- err
	}()
	w, err := parquetfile.NewWriter(pw, s, parquetfile.Options{NoStatistics: []string{"body"}})
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
	if err := tx.AddFile(ctx, table.FileEntry{Key: key, Rows: int64(len(rows)), SchemaFingerprint: s.Fingerprint()}); err != nil {
		t.Fatal(err)
	}
	tx.SetSchema(s)
	if _, err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}
