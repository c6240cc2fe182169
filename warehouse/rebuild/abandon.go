package rebuild

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/warehouse"
	"github.com/lakectl/lakectl/warehouse/scale"
)

// AbandonOptions of Abandon.
type AbandonOptions struct {
	RunID string
	// Scaler restores the compute of a run that resized it.
	Scaler *scale.Scaler
}

// Abandon gives up an unfinished run: the compute's recorded size is
// restored, the new table (and its ledger rows) dropped, and the run
// marked abandoned, so that a new Apply may start. A run whose swap
// committed keeps the rebuilt table live (and TABLE__old, if any).
func Abandon(ctx context.Context, store lake.Store, wh warehouse.Warehouse, opts AbandonOptions) (*Run, error) {
	if opts.RunID == "" {
		return nil, findRunErrorf("rebuild abandon: name the run")
	}
	r, lock, err := lockRun(ctx, store, opts.RunID)
	if err != nil {
		return nil, err
	}
	defer func() { _ = lock.Release(context.WithoutCancel(ctx)) }()
	switch {
	case r.State == RunDone:
		return nil, input.Errorf("rebuild run %s finished: nothing to abandon", r.Run)
	case r.State == RunAbandoned:
		return r, nil
	case r.Warehouse != wh.String():
		return nil, input.Errorf("rebuild run %s ran on warehouse %s, not %s: configure that warehouse to abandon it", r.Run, r.Warehouse, wh.String())
	case r.ScaleTo > 0 && opts.Scaler == nil:
		return nil, input.Errorf("rebuild run %s resized %s: name it with %s / %s (or in the redshift:// URL) to restore it", r.Run, r.Compute, input.Option("cluster"), input.Option("workgroup"))
	}
	x := newExecutor(store, wh, r, opts.Scaler, 1, nil, nil)
	if r.ScaleTo > 0 {
		if _, err := opts.Scaler.Restore(ctx, store, true); err != nil {
			return nil, fmt.Errorf("abandon rebuild run %s: restore %s: %w", r.Run, r.Compute, err)
		}
		r.step(StepRestore).Status, r.step(StepRestore).Detail = Done, "restored by abandon"
	}
	if !r.InPlace && r.step(StepSwap).Status != Done {
		if err := x.dropLeftover(ctx); err != nil {
			return nil, fmt.Errorf("abandon rebuild run %s: drop %s: %w", r.Run, r.NewTable, err)
		}
	}
	now := time.Now().UTC()
	for i := range r.Steps {
		if st := &r.Steps[i]; st.Status == Pending || st.Status == Running || st.Status == Failed {
			st.Status, st.Finished = Skipped, &now
			st.Detail = "abandoned"
		}
	}
	r.State = RunAbandoned
	if err := r.save(ctx, store); err != nil {
		return nil, err
	}
	return r, nil
}

// replaceMigration takes a corrected migration at resume. It is allowed
// only while nothing of the migration committed: the create step not done
// and no statement of it checkpointed.
func (r *Run) replaceMigration(wh warehouse.Warehouse, opts ResumeOptions) error {
	text := opts.Migration
	if text == "" && opts.MigrationFile == "" {
		return nil
	}
	if text == "" {
		b, err := os.ReadFile(opts.MigrationFile)
		if err != nil {
			return input.Errorf("read %s file: %v", input.Option("migration"), err)
		}
		text = string(b)
	}
	st := r.step(StepCreate)
	if st.Status == Done || st.Done > 0 {
		return input.Wrap(&MigrationFixedError{Run: r.Run, Why: fmt.Sprintf("step %d (%s) committed %d statements of the stored migration, so a corrected one cannot replace it", st.N, st.Name, max(st.Done, 1))})
	}
	n, err := tableNames(wh, r.Table, r.Target)
	if err != nil {
		return err
	}
	stmts, err := renderMigration(text, n.migrationData(r.Table))
	if err != nil {
		return err
	}
	if isInPlace(stmts, n.migrationData(r.Table)) != r.InPlace {
		return input.Wrap(&MigrationFixedError{Run: r.Run, Why: "the corrected migration changes the kind of rebuild (in place or new table)"})
	}
	r.Migration, r.MigrationFile = text, opts.MigrationFile
	r.MigrationReplaced = opts.MigrationFile
	if r.MigrationReplaced == "" {
		r.MigrationReplaced = "(given as text)"
	}
	st.Statements = stmts
	return nil
}
