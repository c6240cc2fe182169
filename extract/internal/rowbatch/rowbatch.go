// Package rowbatch hands rows to a lake table writer in batches of Rows:
// each Write of the Parquet writer runs a round of goroutines per column,
// which costs more than one page's or one object's rows when the machine
// is busy. extract/api and extract/files share it.
package rowbatch

import (
	"context"

	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

// Rows is how many rows a Write hands to the table writer at once.
const Rows = 4096

// Writer batches rows for W.
type Writer struct {
	W    *table.Writer
	rows []schema.Row
}

// New returns a Writer of w.
func New(w *table.Writer) *Writer { return &Writer{W: w} }

// Write adds rows, handing the batch to W once it holds Rows.
func (b *Writer) Write(ctx context.Context, rows ...schema.Row) error {
	b.rows = append(b.rows, rows...)
	if len(b.rows) >= Rows {
		return b.Flush(ctx)
	}
	return nil
}

// Flush hands the rows held to W.
func (b *Writer) Flush(ctx context.Context) error {
	if len(b.rows) == 0 {
		return nil
	}
	rows := b.rows
	b.rows = make([]schema.Row, 0, Rows) // W may keep rows
	return b.W.Write(ctx, rows)
}

// Close flushes and closes W (after a failed flush: closes only).
func (b *Writer) Close(ctx context.Context) error {
	err := b.Flush(ctx)
	if cerr := b.W.Close(ctx); err == nil {
		err = cerr
	}
	return err
}
