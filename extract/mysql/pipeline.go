package mysql

import (
	"context"
	"database/sql"
	"fmt"

	"golang.org/x/sync/errgroup"

	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/lake/parquetfile"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

// readAhead is how many converted batches wait between a reader and its
// writer: enough that the server keeps streaming while a Parquet page is
// encoded and flushed, small enough to bound memory.
const readAhead = 8

// minRowGroupBytes is the smallest row group a reader's writer buffers
// when Parallel splits the budget: engines read large row groups best.
const minRowGroupBytes = 16 << 20

// reader is one connection's share of the read.
type reader struct {
	conn   *sql.Conn
	spec   *scanSpec
	cv     *converter
	filter rowFilter
}

// pumpStats count what the readers read.
type pumpStats struct {
	sourceRows, sourceBytes int64
	zeroDates               int64
}

// pump runs every reader into its own lake writer of the transaction, a
// reader and a writer goroutine per connection, and closes the writers.
func (r *run) pump(ctx context.Context, tx *table.Tx, sch schema.Schema, readers []reader, rep progress.Reporter) (pumpStats, error) {
	g, gctx := errgroup.WithContext(ctx)
	read := make([]int64, len(readers))
	bytes := make([]int64, len(readers))
	// One row-group budget shared by the writers, so that memory does not
	// grow with Parallel (partitioned writers keep table's own bound).
	var rgBytes int64
	if r.rule.IsZero() {
		rgBytes = max(parquetfile.DefaultRowGroupBytes/int64(len(readers)), minRowGroupBytes)
	}
	for i, rd := range readers {
		w, err := tx.NewWriter(sch, table.WriterOptions{Partition: r.rule, TargetFileBytes: r.opts.TargetFileBytes,
			Codec: r.opts.Codec, Progress: rep, RowGroupBytes: rgBytes, NoStatistics: rd.spec.ti.longText()})
		if err != nil {
			return pumpStats{}, err
		}
		ch := make(chan batch, readAhead)
		free := make(chan batch, readAhead+2)
		g.Go(func() error {
			defer close(ch)
			n, err := scan(gctx, rd.conn, rd.spec, rd.cv, rd.filter, ch, free)
			read[i] = n
			return err
		})
		g.Go(func() error {
			for b := range ch {
				bytes[i] += b.bytes
				if err := w.Write(gctx, b.rows); err != nil {
					_ = w.Close(gctx)
					for range ch { // let the reader finish
					}
					return fmt.Errorf("write table %s: %w", r.res.Table, err)
				}
				select {
				case free <- b:
				default:
				}
			}
			if err := gctx.Err(); err != nil {
				_ = w.Close(gctx)
				return err
			}
			if err := w.Close(gctx); err != nil {
				return fmt.Errorf("write table %s: %w", r.res.Table, err)
			}
			return nil
		})
	}
	err := g.Wait()
	var st pumpStats
	for i, rd := range readers {
		st.sourceRows += read[i]
		st.sourceBytes += bytes[i]
		st.zeroDates += rd.cv.zeroDates
	}
	return st, err
}
