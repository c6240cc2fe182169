package driver

import (
	"context"

	"github.com/lakectl/lakectl/internal/netx"
	"github.com/lakectl/lakectl/lake"
)

// Optional abilities. A warehouse or a lake store has one when it
// implements its small interface; As and StoreAs find it through
// wrappers (a dry run's recorder, the lake's retry wrapper), as restic's
// AsBackend and rclone's Features do, so no caller parses URLs or asserts
// concrete types.

// OutsideTx is a warehouse that can run a statement outside any
// transaction, on its own connection (Redshift's ALTER COLUMN TYPE
// cannot run inside one).
type OutsideTx interface {
	ExecOutsideTx(ctx context.Context, sql string) error
}

// Timeouts is a warehouse whose connections can be bounded in time (a
// server; an embedded DuckDB has no connections to bound).
type Timeouts interface {
	SetTimeouts(t netx.Timeouts)
}

// FileReader is a warehouse whose Stage reads the lake files through
// StageJob.Store (not from S3 by itself): a plan that read a small file
// whole to take its footer hands the bytes over in StageJob.Cache.
type FileReader interface {
	ReadsLakeFiles()
}

// LocalFiles is a lake store whose files are files on this machine (a
// local folder): engines that read Parquet by path read them in place
// instead of downloading them.
type LocalFiles = lake.LocalPather

// As finds ability T of wh, looking through wrappers that have
// Unwrap() Warehouse.
func As[T any](wh Warehouse) (T, bool) {
	for wh != nil {
		if a, ok := wh.(T); ok {
			return a, true
		}
		u, ok := wh.(interface{ Unwrap() Warehouse })
		if !ok {
			break
		}
		wh = u.Unwrap()
	}
	var zero T
	return zero, false
}
