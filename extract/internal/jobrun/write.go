package jobrun

import (
	"context"
	"fmt"

	"github.com/lakectl/lakectl/lake/parquetfile"
	"github.com/lakectl/lakectl/lake/table"
)

// minRowGroupBytes is the smallest row group a writer buffers when
// parallel readers split the budget: engines read large row groups best.
const minRowGroupBytes = 16 << 20

// RowGroupBytes is the row-group budget of each of n writers: one budget
// shared, so that memory does not grow with parallel readers, down to
// minRowGroupBytes. Partitioned writers keep the table's own bound (0).
func RowGroupBytes(rule table.PartitionRule, n int) int64 {
	if !rule.IsZero() {
		return 0
	}
	return max(parquetfile.DefaultRowGroupBytes/int64(n), minRowGroupBytes)
}

// Closer is the end of a lake writer.
type Closer interface {
	Close(ctx context.Context) error
}

// WriteAll is the writer side of a reader/writer pair: it hands each batch
// from ch to write, then closes w. After a failed write it closes w and
// drains ch, so that the reader can finish; tableName names the lake
// table in its errors.
func WriteAll[B any](ctx context.Context, w Closer, tableName string, ch <-chan B, write func(B) error) error {
	for b := range ch {
		if err := write(b); err != nil {
			_ = w.Close(ctx)
			for range ch { // let the reader finish
			}
			return fmt.Errorf("write table %s: %w", tableName, err)
		}
	}
	if err := ctx.Err(); err != nil {
		_ = w.Close(ctx)
		return err
	}
	if err := w.Close(ctx); err != nil {
		return fmt.Errorf("write table %s: %w", tableName, err)
	}
	return nil
}
