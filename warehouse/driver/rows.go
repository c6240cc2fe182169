package driver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/parquetfile"
	"github.com/lakectl/lakectl/lake/schema"
)

// batchRows is how many rows a reader hands over at a time.
const batchRows = 1024

// rowBufs are batches of rows for EachBatchAt, reused.
var rowBufs = sync.Pool{New: func() any {
	b := make([]schema.Row, batchRows)
	return &b
}}

// EachBatch streams the rows of lake file f (ranged reads, nothing
// downloaded whole) and calls fn with batches of rows, in the file's
// column order, and the row number of the first one. With f.Ranges only
// rows inside them reach fn; the others are read and skipped.
func EachBatch(ctx context.Context, store lake.Store, f StageFile, fn func(first int64, rows []schema.Row) error) error {
	return EachBatchAt(ctx, parquetfile.StoreReaderAt(ctx, store, f.Key, f.Size), f, fn)
}

// EachBatchFetched is EachBatch over a prefetched file: its bytes when
// they were fetched whole, else ranged reads of the store.
func EachBatchFetched(ctx context.Context, store lake.Store, f StageFile, fd *Fetched, fn func(first int64, rows []schema.Row) error) error {
	if fd != nil && fd.Data != nil {
		return EachBatchAt(ctx, bytes.NewReader(fd.Data), f, fn)
	}
	return EachBatch(ctx, store, f, fn)
}

// EachBatchAt is EachBatch over the file's bytes as r reads them.
func EachBatchAt(ctx context.Context, ra io.ReaderAt, f StageFile, fn func(first int64, rows []schema.Row) error) error {
	r, err := parquetfile.OpenReader(ra, f.Size)
	if err != nil {
		return fmt.Errorf("lake file %s: %w", f.Key, err)
	}
	defer r.Close()
	// Rows keep their backing arrays from file to file: a fresh batch
	// grows each row value by value.
	bp := rowBufs.Get().(*[]schema.Row)
	defer rowBufs.Put(bp)
	buf := *bp
	var pos int64
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := r.Read(buf)
		if n > 0 {
			if err := eachInRanges(pos, buf[:n], f.Ranges, fn); err != nil {
				return err
			}
			pos += int64(n)
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("lake file %s: %w", f.Key, err)
		}
	}
}

// eachInRanges passes the parts of a batch starting at row first that lie
// inside ranges (nil: all of it).
func eachInRanges(first int64, rows []schema.Row, ranges []RowRange, fn func(int64, []schema.Row) error) error {
	if ranges == nil {
		return fn(first, rows)
	}
	end := first + int64(len(rows))
	for _, r := range ranges {
		lo, hi := max(r.Start, first), min(r.End, end)
		if lo >= hi {
			continue
		}
		if err := fn(lo, rows[lo-first:hi-first]); err != nil {
			return err
		}
	}
	return nil
}
