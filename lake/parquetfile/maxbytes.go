package parquetfile

import (
	"encoding/json"
	"errors"
	"io"

	"github.com/parquet-go/parquet-go"

	"github.com/lakectl/lakectl/lake/schema"
)

// KeyMaxBytes is the key-value metadata key of the maximum byte length
// of each string, JSON and bytes column's values in the file: a JSON
// object {"column": bytes, ...} (0 when the column holds only NULLs).
// Warehouses that size VARCHAR in bytes (Redshift) read it from the
// footer instead of scanning the data. Files written by other tools lack
// it.
const KeyMaxBytes = "lakectl.max_bytes"

// sized reports whether a column of kind k has its maximum byte length
// recorded.
func sized(k schema.Kind) bool {
	return k == schema.String || k == schema.JSON || k == schema.Bytes
}

// HasMaxBytes reports whether files of schema s written by Writer carry
// KeyMaxBytes: whether s has a string, JSON or bytes column.
func HasMaxBytes(s schema.Schema) bool {
	for _, c := range s.Columns {
		if sized(c.Type.Kind) {
			return true
		}
	}
	return false
}

// observeMaxBytes updates the column's maximum byte length from a batch.
func (w *Writer) observeMaxBytes(c int, vals []parquet.Value) {
	if w.maxBytes[c] < 0 {
		return
	}
	m := w.maxBytes[c]
	for i := range vals {
		m = max(m, byteLen(&vals[i]))
	}
	w.maxBytes[c] = m
}

// observeRowGroup updates the maxima from a row group copied as is: from
// known, its file's maxima, or else by reading its sized columns
// (decoded, not re-encoded).
func (w *Writer) observeRowGroup(rg parquet.RowGroup, known map[string]int) error {
	chunks := rg.ColumnChunks()
	buf := make([]parquet.Value, 1024)
	for c := range w.maxBytes {
		if w.maxBytes[c] < 0 || c >= len(chunks) {
			continue
		}
		if n, ok := known[w.schema.Columns[c].Name]; ok {
			w.maxBytes[c] = max(w.maxBytes[c], n)
			continue
		}
		pages := chunks[c].Pages()
		for {
			p, err := pages.ReadPage()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				_ = pages.Close()
				return err
			}
			vr := p.Values()
			for {
				n, err := vr.ReadValues(buf)
				w.observeMaxBytes(c, buf[:n])
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					_ = pages.Close()
					return err
				}
			}
		}
		_ = pages.Close()
	}
	return nil
}

// MaxBytes is the maximum byte length of each string, JSON and bytes
// column's values written so far, by column name: after Close, what the
// footer's KeyMaxBytes says. nil when the schema has no such column (the
// footer then has no KeyMaxBytes).
func (w *Writer) MaxBytes() map[string]int {
	m := map[string]int{}
	for c, n := range w.maxBytes {
		if n >= 0 {
			m[w.schema.Columns[c].Name] = n
		}
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

// maxBytesJSON is the KeyMaxBytes value of what was written.
func (w *Writer) maxBytesJSON() (string, bool) {
	m := w.MaxBytes()
	if m == nil {
		return "", false
	}
	b, err := json.Marshal(m)
	return string(b), err == nil
}

// MaxBytes reads KeyMaxBytes from a footer's key-value metadata: the
// maximum byte length by column name, and whether the file has it.
func MaxBytes(kv map[string]string) (map[string]int, bool) {
	raw, ok := kv[KeyMaxBytes]
	if !ok {
		return nil, false
	}
	var m map[string]int
	if json.Unmarshal([]byte(raw), &m) != nil {
		return nil, false
	}
	return m, true
}
