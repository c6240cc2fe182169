// Package jobrun holds the steps every table extract takes around its
// reads: the job's lock (a lost lock cancels the run), the writers that
// take the converted rows, and the commit that stores the job's state
// with the files.
package jobrun

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/table"
)

// Locked runs fn holding the job's lock. fn's context is cancelled when
// the lock is lost (taken over by another run); the error is then that
// cause. Failing to take the lock is lake/table's error (a
// *lake.LockedError when another run holds it).
func Locked(ctx context.Context, store lake.Store, job, command string, staleAfter time.Duration, log *slog.Logger,
	fn func(context.Context) error) error {
	lock, err := table.AcquireLock(ctx, store, job, table.LockOptions{StaleAfter: staleAfter, Command: command, Logger: log})
	if err != nil {
		return err
	}
	defer func() { _ = lock.Release(context.WithoutCancel(ctx)) }()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		select {
		case <-lock.Lost():
			cancel(fmt.Errorf("lock %s was lost (taken over by another run?)", job))
		case <-ctx.Done():
		}
	}()
	if err := fn(ctx); err != nil {
		if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
			return cause
		}
		return err
	}
	return nil
}

// Totals are what a commit added and removed.
type Totals struct {
	TxID               string
	Files, Rows, Bytes int64
	RemovedFiles       int64
}

// Commit stores the job's state in the transaction and commits it. A
// commit whose publishing was cut short is done (the next run finishes
// publishing) and only logged.
func Commit(ctx context.Context, tx *table.Tx, job string, state any, log *slog.Logger) (Totals, error) {
	if err := tx.SetState(job, state); err != nil {
		return Totals{}, err
	}
	rec, err := tx.Commit(ctx)
	if err != nil && (rec == nil || errors.Is(err, table.ErrConflict)) {
		return Totals{}, fmt.Errorf("commit %s: %w", tx.Table().Name(), err)
	}
	if err != nil {
		log.Warn("committed; publishing will be finished by the next run", "error", err.Error())
	}
	t := Totals{TxID: rec.TxID, RemovedFiles: int64(len(rec.Removed))}
	for _, e := range rec.Added {
		t.Files++
		t.Rows += e.Rows
		t.Bytes += e.Size
	}
	return t, nil
}
