package cmd

import (
	"cmp"
	"context"
	"fmt"

	"github.com/lakectl/lakectl/extract/mysql"
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

// Validate checks the keys as the command checks its flags, then as the
// extract does before it connects (with tables.<t>'s cursor and
// partition rule, as the extract takes them).
func (k extractMySQLJob) Validate(ctx context.Context, j config.Job) error {
	if err := positiveKeys(k.f, j, intKey{"chunk-rows", j.ChunkRows}, intKey{"parallel", j.Parallel}); err != nil {
		return err
	}
	lookback, err := config.ParseDuration("lookback", j.Lookback)
	if err != nil {
		return err
	}
	tc := k.f.Config().Tables[lakeTableName(j.Table, j.As)]
	o := mysql.Options{DSN: j.DSN, Table: j.Table, As: j.As, Incremental: j.Incremental, Cursor: j.Cursor,
		Lookback: lookback, PartitionBy: cmp.Or(j.PartitionBy, tc.PartitionBy), ChunkRows: j.ChunkRows,
		Parallel: j.Parallel, Spatial: j.Spatial}
	if o.Incremental {
		o.Cursor = cmp.Or(o.Cursor, tc.Cursor)
	}
	if err := partitionRule(o.PartitionBy); err != nil {
		return err
	}
	return o.Validate(ctx)
}
