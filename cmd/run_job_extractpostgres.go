package cmd

import (
	"cmp"
	"context"

	"github.com/lakectl/lakectl/extract/postgres"
	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/pipeline"
)

// extractPostgresJob is the extract-postgres job (runExtractPostgresJob,
// which the command's file keeps beside its options).
type extractPostgresJob struct{ f *Factory }

func (k extractPostgresJob) Run(ctx context.Context, j config.Job, dryRun bool) (pipeline.Result, error) {
	var jr JobResult
	err := runExtractPostgresJob(ctx, k.f, j, dryRun, &jr)
	return pipeline.Result{Rows: jr.Rows, Files: jr.Files, Bytes: jr.Bytes, Value: jr.Result}, err
}

// Validate checks the keys as the command checks its flags, then as the
// extract does before it connects (with tables.<t>'s cursor and
// partition rule, as the extract takes them).
func (k extractPostgresJob) Validate(_ context.Context, j config.Job) error {
	if err := postgresJobModes(j); err != nil {
		return err
	}
	if err := positiveKeys(k.f, j, intKey{"parallel", j.Parallel}); err != nil {
		return err
	}
	if j.ChunkRows < 0 { // 0 is the default, as --chunk-rows 0 is
		return input.Errorf("%s %d: must be positive", input.Option("chunk-rows"), j.ChunkRows)
	}
	lookback, err := config.ParseDuration("lookback", j.Lookback)
	if err != nil {
		return err
	}
	var maxRetained int64
	if j.MaxSlotRetained != "" {
		if maxRetained, err = config.ParseSize("max_slot_retained", j.MaxSlotRetained); err != nil {
			return err
		}
	}
	tc := k.f.Config().Tables[lakeTableName(j.Table, j.As)]
	o := postgres.Options{DSN: j.DSN, Table: j.Table, As: j.As, Incremental: j.Incremental, Cursor: j.Cursor,
		Lookback: lookback, CDC: j.CDC, Slot: j.Slot, Publication: j.Publication, MaxSlotRetained: maxRetained,
		PartitionBy: cmp.Or(j.PartitionBy, tc.PartitionBy), ChunkRows: j.ChunkRows, Parallel: j.Parallel}
	if o.Incremental {
		if o.Cursor = cmp.Or(o.Cursor, tc.Cursor); o.Cursor == "" {
			return input.Errorf("%s needs %s COL (an integer, date, timestamp or timestamptz column)", input.Option("incremental"), input.Option("cursor"))
		}
	}
	if err := partitionRule(o.PartitionBy); err != nil {
		return err
	}
	err = o.Validate()
	return err
}

// postgresJobModes refuses the keys that contradict the job's mode, as
// the command refuses the flags.
func postgresJobModes(j config.Job) error {
	switch {
	case j.DSN == "":
		return input.Errorf("%s is required: postgres://user:password@host:port/db", input.Option("dsn"))
	case j.CDC && j.Incremental:
		return input.Errorf("%s and %s exclude each other: CDC already reads only the changes", input.Option("cdc"), input.Option("incremental"))
	case !j.Incremental && (j.Cursor != "" || j.Lookback != ""):
		return input.Errorf("%s and %s apply only with %s", input.Option("cursor"), input.Option("lookback"), input.Option("incremental"))
	case !j.CDC && (j.Slot != "" || j.Publication != "" || j.MaxSlotRetained != ""):
		return input.Errorf("%s, %s and %s apply only with %s", input.Option("slot"), input.Option("publication"), input.Option("max-slot-retained"), input.Option("cdc"))
	}
	return nil
}
