package cmd

import (
	"context"
	"fmt"

	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/pipeline"
)

// extractMySQLJob is the extract-mysql job: the command's extract with
// the job's keys as its flags.
type extractMySQLJob struct{ f *Factory }

func (extractMySQLJob) Plan(_ context.Context, j config.Job) (any, error) {
	return fmt.Sprintf("extract %s into tables/%s", j.Table, lakeTableName(j.Table, j.As)), nil
}

func (k extractMySQLJob) Run(ctx context.Context, j config.Job, _ bool) (pipeline.Result, error) {
	o := &extractMySQLFlags{dsn: j.DSN, table: j.Table, as: j.As, cursor: j.Cursor, lookback: j.Lookback,
		partitionBy: j.PartitionBy, where: j.Where, key: j.Key, incremental: j.Incremental,
		tinyInt1AsBool: j.TinyInt1AsBool, chunkRows: j.ChunkRows, parallel: j.Parallel, spatial: j.Spatial}
	r, err := extractMySQL(ctx, k.f, o)
	if r == nil {
		return pipeline.Result{}, err
	}
	return pipeline.Result{Rows: r.Rows, Files: r.Files, Bytes: r.Bytes, Value: r}, err
}
