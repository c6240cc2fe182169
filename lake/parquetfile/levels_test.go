package parquetfile

import (
	"bytes"
	"strconv"
	"testing"

	"github.com/lakectl/lakectl/lake/schema"
)

// The writer's fast path sets levels through a mirror of parquet.Value;
// this fails when a parquet-go upgrade changes the layout (the writer then
// falls back to Value.Level, correct but slower).
func TestLevelsMirrorMatchesParquetGo(t *testing.T) {
	if !levelsInline {
		t.Fatal("parquet.Value's layout changed: update valueLayout in levels.go")
	}
}

// The mirror and parquet-go's methods write the same file, NULLs,
// required columns and a value of the wrong kind included.
func TestLevelsMirrorWritesWhatMethodsWrite(t *testing.T) {
	s := schema.Schema{Columns: []schema.Column{
		{Name: "id", Type: schema.TInt64},
		{Name: "name", Type: schema.TString, Nullable: true},
		{Name: "n", Type: schema.TInt32, Nullable: true},
	}}
	rows := make([]schema.Row, 5000)
	for i := range rows {
		name, n := schema.BytesValue([]byte(strconv.Itoa(i))), schema.Int32Value(int32(i))
		if i%3 == 0 {
			name = schema.NullValue()
		}
		if i%5 == 0 {
			n = schema.NullValue()
		}
		rows[i] = schema.Row{schema.Int64Value(int64(i)), name, n}
	}
	write := func(inline bool, rows []schema.Row) ([]byte, error) {
		defer func(was bool) { levelsInline = was }(levelsInline)
		levelsInline = inline
		var buf bytes.Buffer
		w, err := NewWriter(&buf, s, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(rows); err != nil {
			return nil, err
		}
		return buf.Bytes(), w.Close()
	}
	fast, err1 := write(true, rows)
	slow, err2 := write(false, rows)
	if err1 != nil || err2 != nil || !bytes.Equal(fast, slow) {
		t.Fatalf("mirror: %d bytes, %v; methods: %d bytes, %v", len(fast), err1, len(slow), err2)
	}
	rows[4100][2] = schema.Int64Value(1)
	rows[4200][0] = schema.NullValue()
	_, err1 = write(true, rows)
	_, err2 = write(false, rows)
	if err1 == nil || err2 == nil || err1.Error() != err2.Error() {
		t.Fatalf("bad rows: mirror %v, methods %v", err1, err2)
	}
}
