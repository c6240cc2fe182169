package parquetfile

import (
	"errors"
	"fmt"

	"github.com/parquet-go/parquet-go"
)

// WriteColumns writes one row group column by column, columns in
// parallel, after the rows Write buffered (which become their own row
// group). fill(c, write) passes column c's values to write in row order,
// their levels set as parquet-go's value readers set them; every column
// must receive the same rows. Values are not checked: they are Parquet
// already, of this very schema (compaction merging files column-wise
// without assembling rows).
func (w *Writer) WriteColumns(fill func(c int, write func([]parquet.Value) error) error) (int64, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.closed {
		return 0, errors.New("parquet writer: write after close")
	}
	rg := w.pw.BeginRowGroup()
	cols := rg.ColumnWriters()
	errs := w.parallel(func(c int) error {
		return fill(c, func(vals []parquet.Value) error {
			w.observeMaxBytes(c, vals)
			if _, err := cols[c].WriteRowValues(vals); err != nil {
				return fmt.Errorf("column %q: %w", w.schema.Columns[c].Name, err)
			}
			return nil
		})
	})
	if err := errors.Join(errs...); err != nil {
		w.err = fmt.Errorf("parquet writer: %w", err)
		return 0, w.err
	}
	return w.wroteRowGroup(rg.Commit())
}

// wroteRowGroup counts the n rows of a row group just written, or makes
// err the writer's.
func (w *Writer) wroteRowGroup(n int64, err error) (int64, error) {
	w.rows += n
	if err != nil {
		w.err = fmt.Errorf("parquet writer: write row group: %w", err)
		return n, w.err
	}
	w.rgBase = w.pw.Size()
	return n, nil
}
