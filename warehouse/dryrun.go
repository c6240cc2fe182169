package warehouse

import (
	"context"
	"errors"

	"github.com/lakectl/lakectl/internal/redact"
	"github.com/lakectl/lakectl/warehouse/driver"
)

// dryRun is the warehouse a dry run loads into, in the spirit of restic's
// dry-run backend: its transactions record the statements a load would
// run instead of running them, so the loader has one way of working.
//
// Reads go to the warehouse it wraps (read-only, outside any
// transaction). When that warehouse cannot be reached, reads see an empty
// warehouse and the plan assumes nothing was loaded yet; a dry run works
// offline.
type dryRun struct {
	driver.Warehouse
	// stmts are the statements of committed transactions and those run
	// outside any, in order.
	stmts    []string
	manifest []byte
	// unreachable says why the wrapped warehouse could not be read.
	unreachable string
}

var _ driver.OutsideTx = (*dryRun)(nil)

// Unwrap returns the warehouse the dry run reads.
func (d *dryRun) Unwrap() driver.Warehouse { return d.Warehouse }

// Begin starts a recording transaction; it never touches the warehouse.
func (d *dryRun) Begin(context.Context) (driver.Tx, error) {
	return &recordingTx{w: d}, nil
}

// Query reads the wrapped warehouse, or nothing once it proved unreachable.
func (d *dryRun) Query(ctx context.Context, sql string, args []any, fn func(scan func(...any) error) error) error {
	if d.unreachable != "" {
		return nil
	}
	err := d.Warehouse.Query(ctx, sql, args, fn)
	if errors.Is(err, driver.ErrUnreachable) {
		d.unreachable = redact.String(ctx, err.Error())
		return nil
	}
	return err
}

// ExecOutsideTx records a statement that runs outside any transaction.
func (d *dryRun) ExecOutsideTx(_ context.Context, sql string) error {
	d.stmts = append(d.stmts, "-- outside a transaction, before the load\n"+sql)
	return nil
}

// recordingTx records what a transaction would run; what it records
// counts at Commit and is forgotten at Rollback, as the transaction's
// effects would be.
type recordingTx struct {
	w        *dryRun
	stmts    []string
	manifest []byte
}

func (t *recordingTx) Exec(_ context.Context, sql string, _ ...any) (int64, error) {
	t.stmts = append(t.stmts, sql)
	return 0, nil
}

func (t *recordingTx) Query(ctx context.Context, sql string, args []any, fn func(scan func(...any) error) error) error {
	return t.w.Query(ctx, sql, args, fn)
}

// Stage records what the driver would run to copy the files (for
// Redshift, with the manifest it would write) and reports their rows as
// copied.
func (t *recordingTx) Stage(_ context.Context, job *driver.StageJob) (int64, error) {
	stmts, manifest, err := t.w.PlanStage(job)
	if err != nil {
		return 0, err
	}
	t.stmts = append(t.stmts, stmts...)
	if manifest != nil {
		t.manifest = manifest
	}
	var n int64
	for _, f := range job.Files {
		n += f.SelectedRows()
	}
	return n, nil
}

func (t *recordingTx) Commit(context.Context) error {
	t.w.stmts = append(t.w.stmts, t.stmts...)
	if t.manifest != nil {
		t.w.manifest = t.manifest
	}
	t.stmts, t.manifest = nil, nil
	return nil
}

func (t *recordingTx) Rollback(context.Context) error {
	t.stmts, t.manifest = nil, nil
	return nil
}
