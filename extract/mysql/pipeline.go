package mysql

import (
	"context"
	"database/sql"

	"golang.org/x/sync/errgroup"

	"github.com/lakectl/lakectl/extract/internal/jobrun"
	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

// readAhead is how many converted batches wait between a reader and its
// writer: enough that the server keeps streaming while a Parquet page is
// encoded and flushed, small enough to bound memory.
const readAhead = 8

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
	rgBytes := jobrun.RowGroupBytes(r.rule, len(readers))
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
			return jobrun.WriteAll(gctx, w, r.res.Table, ch, func(b batch) error {
				bytes[i] += b.bytes
				if err := w.Write(gctx, b.rows); err != nil {
					return err
				}
				select {
				case free <- b:
				default:
				}
				return nil
			})
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
