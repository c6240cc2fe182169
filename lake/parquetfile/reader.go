package parquetfile

import (
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go"

	"github.com/lakectl/lakectl/lake/schema"
)

// readBufferBytes is each column's read size: large enough that reads from
// object storage are few, small enough that a wide file stays cheap.
const readBufferBytes = 1 << 20

// Reader streams the rows of one Parquet file, one row group at a time,
// as lake rows. It is not safe for concurrent use.
type Reader struct {
	file   *parquet.File
	schema schema.Schema
	cols   []fileColumn
	group  int          // next row group to open
	rows   parquet.Rows // current row group, nil between groups
	buf    []parquet.Row
}

// OpenReader reads the footer of the size-byte Parquet file in r and
// prepares to read its rows. Column and offset indexes and bloom filters
// are not read.
func OpenReader(r io.ReaderAt, size int64) (*Reader, error) {
	f, err := parquet.OpenFile(r, size,
		parquet.SkipPageIndex(true),
		parquet.SkipBloomFilters(true),
		parquet.ReadBufferSize(readBufferBytes),
	)
	if err != nil {
		if size < 12 {
			return nil, fmt.Errorf("open parquet file: %w: %v", ErrNotParquet, err)
		}
		return nil, fmt.Errorf("open parquet file: %w", err)
	}
	md := f.Metadata()
	cols, err := fileColumns(md.Schema)
	if err != nil {
		return nil, fmt.Errorf("open parquet file: %w", err)
	}
	kv := make(map[string]string, len(md.KeyValueMetadata))
	for _, e := range md.KeyValueMetadata {
		kv[e.Key] = e.Value
	}
	return &Reader{file: f, schema: schemaOf(cols, kv), cols: cols}, nil
}

// Schema is the file's lake schema (see Footer.Schema).
func (r *Reader) Schema() schema.Schema { return r.schema }

// NumRows is the file's row count from its footer.
func (r *Reader) NumRows() int64 { return r.file.NumRows() }

// File is the underlying parquet-go file, for verbatim row-group copies
// (parquet.Writer.WriteRowGroup) in compaction.
func (r *Reader) File() *parquet.File { return r.file }

// Read fills rows with the next rows, values in lake/schema's physical form
// and columns in schema order, reusing the rows' backing arrays. It returns
// 0 and io.EOF after the last row. Values stay valid after the next Read.
func (r *Reader) Read(rows []schema.Row) (int, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	if cap(r.buf) < len(rows) {
		r.buf = make([]parquet.Row, len(rows))
	}
	buf := r.buf[:len(rows)]
	for {
		if r.rows == nil {
			groups := r.file.RowGroups()
			if r.group >= len(groups) {
				return 0, io.EOF
			}
			r.rows = groups[r.group].Rows()
			r.group++
		}
		n, err := r.rows.ReadRows(buf)
		if err != nil && !errors.Is(err, io.EOF) {
			return 0, fmt.Errorf("read parquet rows: %w", err)
		}
		if err != nil || n == 0 {
			if cerr := r.rows.Close(); cerr != nil {
				return 0, fmt.Errorf("read parquet rows: %w", cerr)
			}
			r.rows = nil
		}
		if n > 0 {
			if err := r.convert(rows[:n], buf[:n]); err != nil {
				return 0, err
			}
			return n, nil
		}
	}
}

// convert copies parquet rows into lake rows, converting other tools'
// physical forms and copying byte arrays (which point into page buffers
// that the next read reuses) into one allocation per batch.
func (r *Reader) convert(dst []schema.Row, src []parquet.Row) error {
	total := 0
	for _, row := range src {
		for _, v := range row {
			if k := v.Kind(); !v.IsNull() && (k == parquet.ByteArray || k == parquet.FixedLenByteArray) {
				total += len(v.ByteArray())
			}
		}
	}
	arena := make([]byte, 0, total)
	ncol := len(r.cols)
	for i, row := range src {
		if len(row) != ncol {
			return fmt.Errorf("read parquet rows: row has %d values, file has %d columns", len(row), ncol)
		}
		out := dst[i][:0]
		for c, v := range row {
			switch {
			case v.IsNull():
				v = schema.NullValue()
			case v.Kind() == parquet.ByteArray || v.Kind() == parquet.FixedLenByteArray:
				start := len(arena)
				arena = append(arena, v.ByteArray()...)
				b := arena[start:len(arena):len(arena)]
				if v.Kind() == parquet.ByteArray {
					v = schema.BytesValue(b)
				} else {
					v = parquet.FixedLenByteArrayValue(b)
				}
				fallthrough
			default:
				if conv := r.cols[c].conv; conv != convNone {
					v = conv.apply(r.schema.Columns[c].Type, v)
				}
			}
			out = append(out, v)
		}
		dst[i] = out
	}
	return nil
}

// Close releases the current row group's readers.
func (r *Reader) Close() error {
	if r.rows == nil {
		return nil
	}
	err := r.rows.Close()
	r.rows = nil
	return err
}
