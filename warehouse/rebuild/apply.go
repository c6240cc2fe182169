package rebuild

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/internal/redact"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
	"github.com/lakectl/lakectl/warehouse"
	"github.com/lakectl/lakectl/warehouse/scale"
)

// saveTimeout bounds the final checkpoint written after an interrupt.
const saveTimeout = 30 * time.Second

// executor runs the steps of one run.
type executor struct {
	store    lake.Store
	wh       warehouse.Warehouse
	r        *Run
	n        names
	scaler   *scale.Scaler
	parallel int
	types    map[string]schema.Type // the run's folder-key types
	log      *slog.Logger
	prog     progress.Reporter
}

// Apply runs a new rebuild, checkpointing every step and every loaded
// batch of files; a crashed or interrupted run is continued by Resume. It
// refuses when the table has an unfinished run, or when <table>__rebuild
// or <table>__old exist already.
func Apply(ctx context.Context, store lake.Store, wh warehouse.Warehouse, opts Options) (*Run, error) {
	r, err := newRun(wh, opts)
	if err != nil {
		return nil, err
	}
	lock, err := table.AcquireLock(ctx, store, lockName(r.Table), table.LockOptions{})
	if err != nil {
		return nil, err
	}
	defer func() { _ = lock.Release(context.WithoutCancel(ctx)) }()
	runs, err := listRuns(ctx, store)
	if err != nil {
		return nil, err
	}
	for _, o := range runs {
		if o.Table == r.Table && !o.Finished() {
			return nil, input.Wrap(&UnfinishedError{Run: o.Run, Table: o.Table, State: o.State, MigrationCorrectable: o.migrationCorrectable()})
		}
	}
	x := newExecutor(store, wh, r, opts.Scaler, opts.Parallel, opts.Logger, opts.Progress)
	for _, t := range []string{r.NewTable, r.OldTable} {
		ok, err := x.exists(ctx, t)
		if err != nil {
			return nil, err
		}
		if ok {
			return nil, input.Errorf("warehouse table %s exists already: a rebuild needs its name free (drop it, or keep it under another name)", t)
		}
	}
	if err := r.fillPlan(ctx, store, wh, opts.Scaler, opts.Parallel); err != nil {
		return nil, err
	}
	if r.Views != nil {
		return nil, (&dependents{views: r.Views}).viewsError(r)
	}
	r.State, r.Files, r.Bytes, r.Rows = RunRunning, 0, 0, 0
	for i := range r.Steps {
		r.Steps[i].Files, r.Steps[i].Bytes, r.Steps[i].Rows = 0, 0, 0
	}
	if err := r.save(ctx, store); err != nil {
		return nil, err
	}
	return x.run(ctx)
}

// Resume continues an unfinished run (opts.RunID, or the only unfinished
// one): steps done are skipped, files the new table's ledger holds are not
// loaded again.
func Resume(ctx context.Context, store lake.Store, wh warehouse.Warehouse, opts ResumeOptions) (*Run, error) {
	id := opts.RunID
	if id == "" {
		runs, err := listRuns(ctx, store)
		if err != nil {
			return nil, err
		}
		var open []string
		for _, r := range runs {
			if !r.Finished() {
				open = append(open, r.Run+" ("+r.Table+")")
				id = r.Run
			}
		}
		switch len(open) {
		case 0:
			return nil, findRunErrorf("no unfinished rebuild run to resume")
		case 1:
		default:
			return nil, input.Errorf("several unfinished rebuild runs: name one of %s", strings.Join(open, ", "))
		}
	}
	r, lock, err := lockRun(ctx, store, id)
	if err != nil {
		return nil, err
	}
	defer func() { _ = lock.Release(context.WithoutCancel(ctx)) }()
	switch {
	case r.State == RunDone:
		return r, nil
	case r.State == RunAbandoned:
		return nil, input.Wrap(&AbandonedError{Run: r.Run})
	case r.Warehouse != wh.String():
		return nil, input.Errorf("rebuild run %s ran on warehouse %s, not %s: configure that warehouse to resume it", r.Run, r.Warehouse, wh.String())
	case r.ScaleTo > 0 && opts.Scaler == nil:
		return nil, input.Errorf("rebuild run %s resizes %s: name it with %s / %s (or in the redshift:// URL) to resume", r.Run, r.Compute, input.Option("cluster"), input.Option("workgroup"))
	}
	if err := r.replaceMigration(wh, opts); err != nil {
		return nil, err
	}
	r.State, r.Error = RunRunning, ""
	for i := range r.Steps {
		st := &r.Steps[i]
		if st.Status == Running || st.Status == Failed || (r.ScaleTo > 0 && (st.Name == StepScaleUp || st.Name == StepRestore)) {
			st.Status, st.Error = Pending, ""
		}
	}
	if _, err := r.partitionTypes(); err != nil {
		return nil, err
	}
	if err := r.save(ctx, store); err != nil {
		return nil, err
	}
	return newExecutor(store, wh, r, opts.Scaler, opts.Parallel, opts.Logger, opts.Progress).run(ctx)
}

func lockName(table string) string { return "rebuild." + table }

// lockRun takes the lock of the run's table and reads the run again under
// it: the latest checkpoint. The caller releases the lock.
func lockRun(ctx context.Context, store lake.Store, id string) (*Run, *table.Lock, error) {
	r, err := loadRun(ctx, store, id)
	if err != nil {
		return nil, nil, err
	}
	lock, err := table.AcquireLock(ctx, store, lockName(r.Table), table.LockOptions{})
	if err != nil {
		return nil, nil, err
	}
	if r, err = loadRun(ctx, store, id); err != nil {
		_ = lock.Release(context.WithoutCancel(ctx))
		return nil, nil, err
	}
	return r, lock, nil
}

func newExecutor(store lake.Store, wh warehouse.Warehouse, r *Run, s *scale.Scaler, parallel int, log *slog.Logger, p progress.Reporter) *executor {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	n, _ := tableNames(wh, r.Table, r.Target)
	types, _ := r.partitionTypes() // Plan and Resume refuse a run whose types do not parse
	return &executor{store: store, wh: wh, r: r, n: n, scaler: s, parallel: parallel, types: types, log: log, prog: progress.OrNop(p)}
}

// run executes the pending steps, with the compute resized around them
// when the run says so, and records how it ended.
func (x *executor) run(ctx context.Context) (*Run, error) {
	start := time.Now()
	defer x.prog.Done()
	var err error
	if x.r.ScaleTo > 0 {
		var up, restore *scale.Result
		ran := false
		up, restore, err = x.scaler.Temporarily(ctx, x.store, x.r.ScaleTo, func(ctx context.Context) error {
			ran = true
			return x.steps(ctx)
		})
		su, rs := x.r.step(StepScaleUp), x.r.step(StepRestore)
		now := time.Now().UTC()
		if up != nil {
			su.Status, su.Detail = Done, fmt.Sprintf("%d to %d %s", up.From, up.To, up.Unit)
		} else if !ran && err != nil {
			su.Status, su.Error = Failed, redact.String(ctx, err.Error())
		}
		rs.Finished = &now
		if restore != nil {
			rs.Status, rs.Detail = Done, fmt.Sprintf("%d to %d %s", restore.From, restore.To, restore.Unit)
		} else {
			rs.Status = Failed
		}
	} else {
		err = x.steps(ctx)
	}
	x.r.DurationS = time.Since(start).Seconds()
	switch {
	case err == nil:
		x.r.State = RunDone
	case ctx.Err() != nil:
		x.r.State = RunInterrupted
	default:
		x.r.State = RunFailed
	}
	if err != nil {
		x.r.Error = redact.String(ctx, err.Error())
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), saveTimeout)
	defer cancel()
	if serr := x.r.save(sctx, x.store); serr != nil {
		err = errors.Join(err, serr)
	}
	if err != nil {
		stopped := &StoppedError{Run: x.r.Run, Table: x.r.Table, Err: err, MigrationCorrectable: x.r.migrationCorrectable()}
		for _, st := range x.r.Steps {
			if st.Status == Failed || st.Status == Running {
				stopped.Step, stopped.StepName = st.N, st.Name
				break
			}
		}
		return x.r, stopped
	}
	x.log.Info("rebuilt", "table", x.r.Target, "run", x.r.Run, "rows", x.r.Rows, "files", x.r.Files)
	return x.r, nil
}

// steps runs steps 2 to 6, skipping those done.
func (x *executor) steps(ctx context.Context) error {
	for _, name := range []string{StepCreate, StepLoad, StepVerify, StepSwap, StepDropOld} {
		st := x.r.step(name)
		if st.Status == Done || st.Status == Skipped {
			continue
		}
		now := time.Now().UTC()
		st.Status, st.Started, st.Error = Running, &now, ""
		if err := x.r.save(ctx, x.store); err != nil {
			return err
		}
		x.log.Info("rebuild step", "run", x.r.Run, "step", st.N, "name", st.Name)
		if err := x.step(ctx, name); err != nil {
			st.Status, st.Error = Failed, redact.String(ctx, err.Error())
			return fmt.Errorf("step %d (%s): %w", st.N, st.Name, err)
		}
		done := time.Now().UTC()
		st.Status, st.Finished = Done, &done
		if err := x.r.save(ctx, x.store); err != nil {
			return err
		}
	}
	return nil
}

func (x *executor) step(ctx context.Context, name string) error {
	switch {
	case name == StepCreate && x.r.InPlace:
		return x.alterInPlace(ctx)
	case name == StepVerify && x.r.InPlace:
		return x.verifyInPlace(ctx)
	}
	switch name {
	case StepCreate:
		return x.create(ctx)
	case StepLoad:
		return x.load(ctx)
	case StepVerify:
		return x.verify(ctx)
	case StepSwap:
		return x.swap(ctx)
	case StepDropOld:
		return x.inTx(ctx, x.n.dropStatements())
	}
	return fmt.Errorf("unknown step %s", name)
}

// create runs the migration in one transaction, then the statements that
// cannot run in one, each alone and checkpointed. A create cut short
// before its transaction's checkpoint left a table of this run: it is
// dropped and made again.
func (x *executor) create(ctx context.Context) error {
	stmts, err := renderMigration(x.r.Migration, x.n.migrationData(x.r.Table))
	if err != nil {
		return err
	}
	inTx, alone := splitTx(stmts)
	st := x.r.step(StepCreate)
	if st.Done < len(inTx) || len(inTx) == 0 && st.Done == 0 {
		st.Done = 0
		if err := x.dropLeftover(ctx); err != nil {
			return err
		}
		if err := x.inTx(ctx, inTx); err != nil {
			return fmt.Errorf("run migration %s: %w", x.r.MigrationFile, err)
		}
		st.Done = len(inTx)
		if err := x.r.save(ctx, x.store); err != nil {
			return err
		}
	}
	if err := x.alone(ctx, st, len(inTx), alone); err != nil {
		return fmt.Errorf("run migration %s: %w", x.r.MigrationFile, err)
	}
	ok, err := x.exists(ctx, x.r.NewTable)
	if err != nil {
		return err
	}
	if !ok {
		return input.Errorf("the migration ran but did not create %s ({{.NewTable}})", x.r.NewTable)
	}
	return nil
}

// dropLeftover drops a new table (and its ledger rows) that a create cut
// short left behind.
func (x *executor) dropLeftover(ctx context.Context) error {
	ok, err := x.exists(ctx, x.r.NewTable)
	if err != nil || !ok {
		return err
	}
	undo := x.n.dropNewStatements()
	if ok, err := x.exists(ctx, x.wh.DefaultSchema()+".lakectl_loads"); err != nil {
		return err
	} else if !ok {
		undo = undo[:1]
	}
	return x.inTx(ctx, undo)
}

// load loads the lake files the new table's ledger lacks, BatchFiles per
// transaction, oldest first, and checkpoints each batch.
func (x *executor) load(ctx context.Context) error {
	plan, err := warehouse.Load(ctx, x.store, x.wh, x.loadOptions(nil, true))
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(plan.Plan))
	var rows int64
	for _, f := range plan.Plan {
		keys = append(keys, f.Key)
		rows += f.Rows
	}
	sortByAge(keys)
	x.prog.SetTotal(rows)
	st := x.r.step(StepLoad)
	for start := 0; start < len(keys); start += x.r.BatchFiles {
		batch := keys[start:min(start+x.r.BatchFiles, len(keys))]
		res, err := warehouse.Load(ctx, x.store, x.wh, x.loadOptions(batch, false))
		if err != nil {
			return err
		}
		x.r.LoadedFiles = append(x.r.LoadedFiles, batch...)
		x.count(st, res)
		if err := x.r.save(ctx, x.store); err != nil {
			return err
		}
		x.prog.Add(res.Rows, res.Bytes)
	}
	return nil
}

func (x *executor) count(st *Step, res *warehouse.LoadResult) {
	st.Files += res.Files
	st.Bytes += res.Bytes
	st.Rows += res.Rows
	x.r.Files += res.Files
	x.r.Bytes += res.Bytes
	x.r.Rows += res.Rows
}

// loadOptions load into the new table, whose columns the migration made.
func (x *executor) loadOptions(only []string, dryRun bool) warehouse.LoadOptions {
	mode := x.r.Mode
	if mode != warehouse.ModeUpsert {
		mode = warehouse.ModeAppend
	}
	return warehouse.LoadOptions{Table: x.r.Table, Into: x.r.NewTable, Mode: mode, Key: x.r.Key, Cursor: x.r.Cursor, Only: only,
		TargetDefined: true, Parallel: x.parallel, DryRun: dryRun, Logger: x.log, PartitionTypes: x.types}
}

// verify first loads files that appeared since the load step, then
// compares the lake's row count with the new table's.
func (x *executor) verify(ctx context.Context) error {
	res, err := warehouse.Load(ctx, x.store, x.wh, x.loadOptions(nil, false))
	if err != nil {
		return err
	}
	if res.Files > 0 {
		x.count(x.r.step(StepLoad), res)
	}
	lake, err := warehouse.Reprocess(ctx, x.store, x.wh, warehouse.ReprocessOptions{Table: x.r.Table, Into: x.r.NewTable, DryRun: true, PartitionTypes: x.types})
	if err != nil {
		return err
	}
	var n int64
	err = x.wh.Query(ctx, x.n.countStatement(x.n.qNew), nil, func(scan func(...any) error) error { return scan(&n) })
	if err != nil {
		return fmt.Errorf("count rows of %s: %w", x.r.NewTable, err)
	}
	x.r.LakeRows, x.r.TableRows = lake.Rows, n
	st := x.r.step(StepVerify)
	st.Rows, st.Detail = n, fmt.Sprintf("lake %d rows, %s %d rows", lake.Rows, x.r.NewTable, n)
	if x.r.Mode == warehouse.ModeUpsert {
		return x.verifyUpsert(ctx, st, lake.Rows, n)
	}
	if n != lake.Rows {
		return fmt.Errorf("lake table %s has %d rows but %s has %d: nothing was swapped; if the lake changed during the rebuild, resume to load and verify again", x.r.Table, lake.Rows, x.r.NewTable, n)
	}
	return nil
}

// swap renames in one transaction. A swap whose commit was not
// checkpointed is recognised: the new table is gone and the target exists.
func (x *executor) swap(ctx context.Context) error {
	hasNew, err := x.exists(ctx, x.r.NewTable)
	if err != nil {
		return err
	}
	hasTarget, err := x.exists(ctx, x.r.Target)
	if err != nil {
		return err
	}
	if !hasNew {
		if hasTarget {
			return nil
		}
		return fmt.Errorf("neither %s nor %s exists: the rebuilt table is gone", x.r.NewTable, x.r.Target)
	}
	if !hasTarget {
		x.r.step(StepDropOld).skip("there was no old table")
		return x.inTx(ctx, x.n.swapStatements(false))
	}
	dep, err := readDependents(ctx, x.wh, x.n)
	if err != nil {
		return err
	}
	if err := dep.viewsError(x.r); err != nil {
		return err
	}
	return x.inTx(ctx, append(dep.grantStatements(x.n), x.n.swapStatements(true)...))
}

// inTx runs statements in one transaction.
func (x *executor) inTx(ctx context.Context, stmts []string) error {
	tx, err := x.wh.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	for _, s := range stmts {
		if _, err := tx.Exec(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", firstLine(s), err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// exists says whether the warehouse table schema.name exists.
func (x *executor) exists(ctx context.Context, qualified string) (bool, error) {
	schemaName, name, _ := strings.Cut(qualified, ".")
	ok, err := warehouse.TableExists(ctx, x.wh, schemaName, name)
	if err != nil {
		return false, fmt.Errorf("look up table %s: %w", qualified, err)
	}
	return ok, nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return s
}

// verifyUpsert proves what upsert must produce: no key twice, and no more
// rows than the lake holds (versions of a key collapse into one row).
func (x *executor) verifyUpsert(ctx context.Context, st *Step, lakeRows, n int64) error {
	dups, err := warehouse.KeyDuplicates(ctx, x.wh, x.n.qNew, x.r.Key)
	if err != nil {
		return fmt.Errorf("check keys of %s: %w", x.r.NewTable, err)
	}
	st.Detail = fmt.Sprintf("lake %d rows (every version), %s %d rows, one per key %s", lakeRows, x.r.NewTable, n, strings.Join(x.r.Key, ", "))
	switch {
	case dups > 0:
		return fmt.Errorf("%s has %d keys (%s) with more than one row, but the target is loaded by upsert: nothing was swapped", x.r.NewTable, dups, strings.Join(x.r.Key, ", "))
	case n > lakeRows:
		return fmt.Errorf("%s has %d rows, more than the lake's %d: nothing was swapped", x.r.NewTable, n, lakeRows)
	}
	return nil
}
