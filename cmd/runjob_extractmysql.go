package cmd

import (
	"context"

	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/pipeline"
)

// extractMySQLJob is the extract-mysql job: the command's extract with
// the job's keys as its flags.
func extractMySQLJob(f *Factory) pipeline.KindFunc {
	return func(ctx context.Context, j config.Job, dryRun bool) (pipeline.Result, error) {
		if dryRun {
			return planned("extract %s into tables/%s", j.Table, lakeTableName(j.Table, j.As)), nil
		}
		o := &extractMySQLFlags{dsn: j.DSN, table: j.Table, as: j.As, cursor: j.Cursor, lookback: j.Lookback,
			partitionBy: j.PartitionBy, where: j.Where, key: j.Key, incremental: j.Incremental,
			tinyInt1AsBool: j.TinyInt1AsBool, chunkRows: j.ChunkRows, parallel: j.Parallel, spatial: j.Spatial}
		r, err := extractMySQL(ctx, f, o)
		if r == nil {
			return pipeline.Result{}, err
		}
		return pipeline.Result{Rows: r.Rows, Files: r.Files, Bytes: r.Bytes, Value: r}, err
	}
}
