package warehouse

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"text/template"
	"time"

	"github.com/lakectl/lakectl/catalog"
	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/internal/netx"
	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/internal/redact"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/warehouse/driver"
)

// maxConflictRetries bounds the restarts of a load that lost a race.
const maxConflictRetries = 5

// seqColumn orders staged rows (file ordinal, row number) for upsert.
const seqColumn = "_lakectl_seq"

// TransformData are the variables a transform file can use, as Go
// template fields: {{.Stage}} (the staging table holding this load's
// rows), {{.Target}} (the target table), both quoted and qualified,
// {{.Table}} (the lake table), {{.LoadID}} and {{.Mode}}.
type TransformData struct {
	Stage, Target, Table, LoadID, Mode string
}

// Load loads the lake files of opts.Table that the target has not loaded
// yet, exactly once each, in one warehouse transaction that also writes
// their ledger rows.
func Load(ctx context.Context, store lake.Store, wh Warehouse, opts LoadOptions) (*LoadResult, error) {
	return run(ctx, store, wh, opts, false)
}

// Reprocess empties the target and its ledger entries and reloads every
// live file, in one transaction.
//
// Without opts.Key it reloads the way the target's first load recorded
// (upsert: with its key and cursor), and an upsert reload proves one row
// per key before it commits.
func Reprocess(ctx context.Context, store lake.Store, wh Warehouse, opts ReprocessOptions) (*LoadResult, error) {
	if len(opts.Key) == 0 {
		into := opts.Into
		if into == "" {
			into = opts.Table
		}
		sem, err := TargetSemantics(ctx, wh, into)
		if err != nil && !opts.DryRun {
			return nil, err
		}
		if sem != nil && sem.Mode == ModeUpsert {
			opts.Key, opts.Cursor = sem.Key, sem.Cursor
		}
	}
	mode := ModeAppend
	if len(opts.Key) > 0 {
		mode = ModeUpsert
	}
	return run(ctx, store, wh, LoadOptions{
		Table: opts.Table, Into: opts.Into, Mode: mode, Key: opts.Key, Cursor: opts.Cursor,
		Parallel: opts.Parallel, TransformFile: opts.TransformFile, DryRun: opts.DryRun,
		LoadID: opts.LoadID, Logger: opts.Logger, Progress: opts.Progress,
		PartitionTypes: opts.PartitionTypes,
	}, true)
}

// loadError is a load's failure with secrets removed from its message; it
// keeps the cause for errors.As (usage, breaking change, locked).
type loadError struct {
	msg string
	err error
}

func (e *loadError) Error() string { return e.msg }
func (e *loadError) Unwrap() error { return e.err }

// loader carries one load. It always runs in a warehouse transaction; a
// dry run's warehouse (dryRun) records the statements instead of running
// them.
type loader struct {
	store     lake.Store
	wh        Warehouse
	dry       *dryRun // the recording warehouse of a dry run, else nil
	opts      LoadOptions
	full      bool
	base      driver.Statement
	schema    string // target schema, unquoted
	table     string // target table, unquoted
	transform string
	log       *slog.Logger
	// res is the result of the current attempt.
	res *LoadResult

	// varchar is the maximum byte length of each string column in the
	// plan's files (Redshift VARCHAR sizing); see varchar.go.
	varchar map[string]int

	// reset says the ledger lists files for a target that is gone: its
	// ledger rows are deleted and every file is loaded again.
	reset bool
	// ledgerRead and modesRead say that reads see the ledger tables and
	// the modes table (a dry run's CREATEs were only recorded).
	ledgerRead, modesRead bool

	tx driver.Tx // the current attempt's transaction

	// cache holds the files the plan read whole (nil on a local lake).
	cache *fileCache
}

func run(ctx context.Context, store lake.Store, wh Warehouse, opts LoadOptions, full bool) (*LoadResult, error) {
	start := time.Now()
	l, err := newLoader(store, wh, opts, full, start)
	if err != nil {
		return nil, err
	}
	err = l.loadRetrying(ctx)
	if err != nil {
		return nil, &loadError{msg: redact.String(ctx, fmt.Sprintf("load %s into %s: %v", l.opts.Table, l.base.TargetKey, err)), err: err}
	}
	res := l.res
	res.DurationS = time.Since(start).Seconds()
	if d := l.dry; d != nil {
		res.Statements = d.stmts
		if d.manifest != nil {
			res.Manifest = json.RawMessage(d.manifest)
		}
		if d.unreachable != "" {
			res.Unreachable = d.unreachable + "; planned as if nothing were loaded yet"
		}
	}
	return res, nil
}

// newLoader checks the options and prepares the statement data every
// template of the load gets.
func newLoader(store lake.Store, wh Warehouse, opts LoadOptions, full bool, start time.Time) (*loader, error) {
	schemaName, tableName, err := opts.normalize(wh.DefaultSchema())
	if err != nil {
		return nil, err
	}
	if opts.LoadID == "" {
		opts.LoadID = newLoadID(start)
	}
	l := &loader{store: store, wh: wh, opts: opts, full: full, schema: schemaName, table: tableName, log: opts.Logger}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	if opts.TransformFile != "" {
		b, err := os.ReadFile(opts.TransformFile)
		if err != nil {
			return nil, input.Errorf("read %s file: %v", input.Option("transform"), err)
		}
		l.transform = string(b)
	}
	if opts.DryRun {
		l.dry = &dryRun{Warehouse: wh}
		l.wh = l.dry
		l.opts.Progress = nil // a dry run moves no rows
	}
	targetKey := schemaName + "." + tableName
	l.base = driver.Statement{
		Target:       driver.QuoteQualified(schemaName, tableName),
		TargetSchema: schemaName,
		TargetName:   tableName,
		TargetKey:    targetKey,
		Stage:        driver.QuoteIdent("lakectl_stage_" + tableName),
		Ledger:       driver.QuoteQualified(wh.DefaultSchema(), ledgerTable),
		Targets:      driver.QuoteQualified(wh.DefaultSchema(), targetsTable),
		Modes:        driver.QuoteQualified(wh.DefaultSchema(), modesTable),
		LockID:       lockID(targetKey),
	}
	return l, nil
}

// newResult is the result of one attempt of the load.
func (l *loader) newResult() *LoadResult {
	mode := l.opts.Mode
	if l.full {
		mode = "reprocess"
	}
	return &LoadResult{Table: l.opts.Table, Into: l.base.TargetKey, Mode: mode, LoadID: l.opts.LoadID, DryRun: l.opts.DryRun}
}

// loadRetrying loads, starting over when the load lost a race: it
// re-reads the ledger, so what the winner loaded is not loaded again. A
// file that vanished was removed by a concurrent compaction: it lists
// again; the compacted file's lineage keeps the load exact.
func (l *loader) loadRetrying(ctx context.Context) error {
	lt, err := openLakeTable(l.store, l.opts.Table)
	if err != nil {
		return err
	}
	lt.folder = folderSpec{types: l.opts.PartitionTypes, dialect: l.wh.Dialect()}
	// On S3 a plan reads small files whole and keeps them for a warehouse
	// that stages through lakectl; a dry run stages nothing, and a local
	// file costs no round trip.
	_, local := lake.As[driver.LocalFiles](l.store)
	if _, reads := driver.As[driver.FileReader](l.wh); reads && !local && !l.opts.DryRun {
		lt.cache = newFileCache()
		l.cache = lt.cache
	}
	if !l.opts.DryRun {
		// Settle transactions of crashed writers first (a dry run changes
		// nothing, so it plans over the files as they are).
		if _, err := lt.tbl.Recover(ctx); err != nil {
			return err
		}
	}
	files, err := l.files(ctx, lt)
	if err != nil {
		return err
	}
	err = l.attempt(ctx, lt, files)
	for n := 1; n < maxConflictRetries && (errors.Is(err, driver.ErrConflict) || errors.Is(err, lake.ErrNotExist)); n++ {
		if errors.Is(err, lake.ErrNotExist) {
			l.log.Info("a lake file was removed by a concurrent commit; listing again", "attempt", n)
			if files, err = l.files(ctx, lt); err != nil {
				return err
			}
		} else {
			l.log.Info("load lost a race with a concurrent load; retrying", "attempt", n)
		}
		if err := netx.Sleep(ctx, time.Duration(n*50)*time.Millisecond); err != nil {
			return err
		}
		err = l.attempt(ctx, lt, files)
	}
	return err
}

// files are the live files the load considers.
func (l *loader) files(ctx context.Context, lt lakeTable) ([]lakeFile, error) {
	files, err := lt.Files(ctx)
	if err != nil || l.opts.Only == nil {
		return files, err
	}
	return onlyFiles(files, l.opts.Only), nil
}

// attempt is one try of the load, with a fresh result.
func (l *loader) attempt(ctx context.Context, lt lakeTable, files []lakeFile) error {
	l.res = l.newResult()
	// The ledger tables are created in their own transaction, so that two
	// first loads do not both create them inside their load.
	var err error
	if l.ledgerRead, err = l.ensureLedger(ctx); err != nil {
		return err
	}
	if l.modesRead, err = l.ensureModesTable(ctx); err != nil {
		return err
	}
	for widened := 0; ; widened++ {
		alters, err := l.transaction(ctx, lt, files, widened < maxWidenings)
		if err != nil || len(alters) == 0 {
			return err
		}
		// Redshift widens a column only outside a transaction: widen,
		// then start the transaction over.
		if err := l.widen(ctx, alters); err != nil {
			return err
		}
	}
}

// transaction plans and loads in one warehouse transaction. When the
// plan's strings need wider columns (and mayWiden) it loads nothing and
// returns the ALTERs to run first.
func (l *loader) transaction(ctx context.Context, lt lakeTable, files []lakeFile, mayWiden bool) ([]string, error) {
	l.res.Notes = nil
	tx, err := l.wh.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	l.tx = tx
	// Serialize loads of one target, then read the ledger inside the lock:
	// a concurrent load that committed first has its files subtracted.
	if err := l.execNamed(ctx, "lock"); err != nil {
		return nil, err
	}
	p, err := l.plan(ctx, lt, files)
	if err != nil {
		return nil, err
	}
	if len(p.files) == 0 && len(p.covered) == 0 && !l.full {
		l.report("nothing new to load", "table", l.opts.Table, "into", l.res.Into, "skipped_files", p.skipped)
		return nil, nil
	}
	alters, err := l.widenings(ctx, p)
	if err != nil {
		return nil, err
	}
	if len(alters) > 0 && mayWiden {
		return alters, tx.Rollback(ctx)
	}
	if err := l.body(ctx, p); err != nil {
		return nil, err
	}
	if err := l.semantics(ctx, p); err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	l.report("loaded", "table", l.opts.Table, "into", l.res.Into, "files", l.res.Files, "rows", l.res.Rows, "load_id", l.res.LoadID)
	return nil, nil
}

// plan subtracts what the ledger says the target holds from files.
func (l *loader) plan(ctx context.Context, lt lakeTable, files []lakeFile) (*plan, error) {
	cov := newCoverage()
	if l.ledgerRead {
		var err error
		if cov, err = readCoverage(ctx, l.tx.Query, l.wh, &l.base); err != nil {
			return nil, err
		}
	}
	cov, err := l.missingTarget(ctx, cov)
	if err != nil {
		return nil, err
	}
	p, err := makePlan(ctx, lt, files, cov, l.opts.Mode, l.full)
	if err != nil {
		return nil, err
	}
	l.fillResult(p)
	return p, nil
}

// missingTarget checks that a target the ledger has loaded files into
// still exists. A target dropped by hand would otherwise never be loaded
// again ("nothing new to load"): its ledger rows are reset and the load
// starts from scratch.
func (l *loader) missingTarget(ctx context.Context, cov coverage) (coverage, error) {
	l.reset = false
	if len(cov.files) == 0 {
		return cov, nil
	}
	exists, err := l.tableExists(ctx, l.schema, l.table)
	if err != nil || exists {
		return cov, err
	}
	note := fmt.Sprintf("target %s is missing though the load ledger lists %d files loaded into it: its ledger rows are reset and every file is loaded again", l.res.Into, len(cov.files))
	l.log.Warn(note)
	l.res.Notes = append(l.res.Notes, note)
	l.reset = true
	return newCoverage(), nil
}

// ensureLedger creates the ledger tables unless they exist, and says
// whether reads see them.
func (l *loader) ensureLedger(ctx context.Context) (bool, error) {
	return l.createOnce(ctx, "ledger_create", "load ledger", l.ledgerExists)
}

func (l *loader) ledgerExists(ctx context.Context) (bool, error) {
	for _, name := range []string{ledgerTable, targetsTable} {
		ok, err := tableExists(ctx, l.wh, l.wh.DefaultSchema(), name, l.wh.Query)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// report logs what the load did; a dry run, which does nothing, reports
// nothing.
func (l *loader) report(msg string, args ...any) {
	if !l.opts.DryRun {
		l.log.Info(msg, args...)
	}
}

func (l *loader) fillResult(p *plan) {
	l.res.Files = len(p.files)
	l.res.Rows = p.rows()
	l.res.Bytes = p.bytes()
	l.res.SkippedFiles = p.skipped
	if !l.opts.DryRun {
		return
	}
	l.res.Plan = nil
	for _, f := range p.files {
		pf := PlannedFile{Key: f.Key, Bytes: f.Size, Rows: f.stage.SelectedRows(), Partition: f.Partition}
		for _, r := range f.stage.Ranges {
			pf.Ranges = append(pf.Ranges, [2]int64{r.Start, r.End})
		}
		l.res.Plan = append(l.res.Plan, pf)
	}
}

// body is the part of a load after planning: target, stage, transform,
// merge, ledger. It runs the same for a load and a dry run.
func (l *loader) body(ctx context.Context, p *plan) error {
	if len(p.files) > 0 {
		if err := l.ensureTarget(ctx, p.schema); err != nil {
			return err
		}
	}
	st := l.base
	switch {
	case l.full:
		if err := l.execNamed(ctx, "truncate_target"); err != nil {
			return err
		}
		if err := l.execNamed(ctx, "ledger_delete_target"); err != nil {
			return err
		}
	case l.reset:
		if err := l.execNamed(ctx, "ledger_delete_target"); err != nil {
			return err
		}
	}
	if !l.full && l.opts.Mode == ModeReplace && len(p.partitions) > 0 {
		if err := l.replacePartitions(ctx, p); err != nil {
			return err
		}
	}
	if len(p.files) > 0 {
		if err := l.copyFiles(ctx, p, &st); err != nil {
			return err
		}
	}
	return l.writeLedger(ctx, p)
}

func (l *loader) copyFiles(ctx context.Context, p *plan, st *driver.Statement) error {
	staged := l.opts.Mode == ModeUpsert || l.transform != ""
	st.Columns = quoteAll(p.schema.Names())
	job := &driver.StageJob{
		Store: l.store, Table: l.base.Target, Columns: p.schema.Columns, LoadID: l.opts.LoadID,
		Parallel: l.opts.Parallel, Logger: l.log, Progress: progress.OrNop(l.opts.Progress),
	}
	if l.cache != nil {
		job.Cache = l.cache
	}
	if staged {
		job.Table = l.base.Stage
		if l.opts.Mode == ModeUpsert {
			if err := l.upsertColumns(p.schema, st); err != nil {
				return err
			}
			st.SeqColumn = driver.QuoteIdent(seqColumn)
			job.SeqColumn = seqColumn
			cols, err := l.stageColumns(p.schema)
			if err != nil {
				return err
			}
			st.StageColumns = cols
		}
		if err := l.exec(ctx, "stage_create", st); err != nil {
			return err
		}
	}
	for _, f := range p.files {
		job.Files = append(job.Files, f.stage)
	}
	if err := l.stage(ctx, job, p.rows()); err != nil {
		return err
	}
	if l.transform != "" {
		sql, err := renderTransform(l.transform, TransformData{
			Stage: l.base.Stage, Target: l.base.Target, Table: l.opts.Table, LoadID: l.opts.LoadID, Mode: l.opts.Mode,
		})
		if err != nil {
			return err
		}
		if err := l.execSQL(ctx, sql); err != nil {
			return fmt.Errorf("run transform file %s: %w", l.opts.TransformFile, err)
		}
	}
	if !staged {
		return nil
	}
	merge := "insert_from_stage"
	if l.opts.Mode == ModeUpsert {
		merge = "upsert"
	}
	if err := l.exec(ctx, merge, st); err != nil {
		return err
	}
	return l.exec(ctx, "stage_drop", st)
}

func (l *loader) stage(ctx context.Context, job *driver.StageJob, want int64) error {
	job.Progress.SetTotal(want)
	defer job.Progress.Done()
	n, err := l.tx.Stage(ctx, job)
	if errors.Is(err, lake.ErrNotExist) {
		return fmt.Errorf("%w; a lake file was removed after this load was planned (a compaction or replace ran at the same time): nothing was loaded, rerun the load", err)
	}
	if err != nil {
		return err
	}
	if n != want {
		return fmt.Errorf("copied %d rows but the files hold %d: nothing was loaded", n, want)
	}
	return nil
}

// stageColumns defines the lake schema's columns for a stage created
// column by column (nullable: the stage holds what the files hold).
func (l *loader) stageColumns(s schema.Schema) ([]string, error) {
	out := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		c.Nullable = true
		t, err := catalog.ColumnType(catalog.Dialect(l.wh.Dialect()), c, l.ddlOptions())
		if err != nil {
			return nil, err
		}
		out[i] = driver.QuoteIdent(c.Name) + " " + t
	}
	return out, nil
}

func (l *loader) upsertColumns(s schema.Schema, st *driver.Statement) error {
	for _, k := range l.opts.Key {
		i := s.Index(k)
		if i < 0 {
			return input.Errorf("%s column %q is not a column of lake table %s", input.Option("key"), k, l.opts.Table)
		}
		st.Key = append(st.Key, driver.QuoteIdent(s.Columns[i].Name))
	}
	if l.opts.Cursor != "" {
		i := s.Index(l.opts.Cursor)
		if i < 0 {
			return input.Errorf("%s column %q is not a column of lake table %s", input.Option("cursor"), l.opts.Cursor, l.opts.Table)
		}
		st.Cursor = driver.QuoteIdent(s.Columns[i].Name)
	}
	changeColumns(s, st)
	return nil
}

func (l *loader) replacePartitions(ctx context.Context, p *plan) error {
	st := l.base
	for path, kv := range p.partitions {
		st.PartitionPaths = append(st.PartitionPaths, path)
		if len(kv) == 0 {
			continue
		}
		var pf driver.PartitionFilter
		for _, c := range kv {
			cond, err := partitionCondition(p.schema, c[0], c[1], driver.LiteralFor(l.wh))
			if err != nil {
				return fmt.Errorf("replace partition %s: %w", path, err)
			}
			pf.Conditions = append(pf.Conditions, cond)
		}
		st.Partitions = append(st.Partitions, pf)
	}
	sort.Strings(st.PartitionPaths)
	sort.Slice(st.Partitions, func(i, j int) bool {
		return strings.Join(st.Partitions[i].Conditions, "") < strings.Join(st.Partitions[j].Conditions, "")
	})
	name := "delete_partitions"
	if len(st.Partitions) == 0 {
		name = "truncate_target" // an unpartitioned table is one partition
	}
	if err := l.exec(ctx, name, &st); err != nil {
		return err
	}
	return l.exec(ctx, "ledger_delete_partitions", &st)
}

func (l *loader) writeLedger(ctx context.Context, p *plan) error {
	var rows []ledgerRow
	for _, f := range p.files {
		for _, leaf := range f.newLeaves {
			rows = append(rows, ledgerRow{
				target: l.base.TargetKey, file: f.Key, leaf: leaf.File, partition: f.Partition,
				etag: f.ETag, fingerprint: f.fingerprint, loadID: l.opts.LoadID, size: f.Size, rows: leaf.Rows,
			})
		}
	}
	for _, f := range p.covered {
		rows = append(rows, ledgerRow{
			target: l.base.TargetKey, file: f.Key, leaf: f.Key, partition: f.Partition,
			etag: f.ETag, loadID: l.opts.LoadID, size: f.Size,
		})
	}
	stmts, err := ledgerInserts(l.wh, l.base, rows)
	if err != nil {
		return err
	}
	for _, s := range stmts {
		if err := l.execSQL(ctx, s); err != nil {
			return fmt.Errorf("write load ledger: %w", err)
		}
	}
	if len(p.files) == 0 || l.opts.TargetDefined {
		return nil
	}
	js, err := json.Marshal(p.schema)
	if err != nil {
		return err
	}
	st := l.base
	lit := driver.LiteralFor(l.wh)
	st.Rows = [][]string{{lit(l.base.TargetKey), lit(string(js)), lit(p.schema.Fingerprint())}}
	return l.exec(ctx, "target_schema_save", &st)
}

// ensureTarget creates the target from the lake schema, or brings it to
// the lake schema with ALTERs when the change is compatible.
func (l *loader) ensureTarget(ctx context.Context, lakeSchema schema.Schema) error {
	if err := l.execNamed(ctx, "schema_create"); err != nil {
		return err
	}
	cols, err := l.targetColumns(ctx)
	if err != nil {
		return err
	}
	d := catalog.Dialect(l.wh.Dialect())
	opts := l.ddlOptions()
	if len(cols) == 0 {
		ddl, err := catalog.DDL(d, l.table, lakeSchema, opts)
		if err != nil {
			return err
		}
		l.res.Created = true
		return l.execSQL(ctx, ddl)
	}
	recorded, ok, err := l.recordedSchema(ctx)
	if err != nil {
		return err
	}
	ok = ok && !l.opts.TargetDefined
	var changes []catalog.Change
	if ok {
		changes = catalog.Compare(recorded, lakeSchema)
	} else {
		// A table lakectl did not create: add the lake columns it lacks.
		have := map[string]bool{}
		for _, c := range cols {
			have[strings.ToLower(c)] = true
		}
		for _, c := range lakeSchema.Columns {
			if !have[strings.ToLower(c.Name)] {
				changes = append(changes, catalog.Change{Column: c.Name, Kind: catalog.Added, To: c.Type.String(), Reason: "new column in the lake"})
			}
		}
	}
	if len(changes) == 0 {
		return nil
	}
	var lines []string
	for _, c := range changes {
		lines = append(lines, c.String())
	}
	if catalog.Breaking(changes) {
		return l.needsRebuild(lines...)
	}
	alters, err := catalog.AlterStatements(d, l.table, changes, opts)
	if err != nil {
		return l.needsRebuild(err.Error())
	}
	for _, a := range alters {
		if err := l.execSQL(ctx, a); err != nil {
			return fmt.Errorf("alter target: %w", err)
		}
		l.res.Altered = append(l.res.Altered, a)
	}
	return nil
}

// needsRebuild is the breaking change of the target that why describes.
func (l *loader) needsRebuild(why ...string) error {
	return &RebuildError{Table: l.opts.Table, Err: &schema.BreakingChangeError{Table: l.res.Into,
		Changes: append(why, "the warehouse table cannot take this change in place")}}
}

func (l *loader) targetColumns(ctx context.Context) ([]string, error) {
	sql, err := l.wh.SQL("target_columns", &l.base)
	if err != nil {
		return nil, err
	}
	var cols []string
	err = l.tx.Query(ctx, sql, nil, func(scan func(...any) error) error {
		var c string
		if err := scan(&c); err != nil {
			return err
		}
		cols = append(cols, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read columns of %s: %w", l.base.TargetKey, err)
	}
	return cols, nil
}

func (l *loader) recordedSchema(ctx context.Context) (schema.Schema, bool, error) {
	var s schema.Schema
	if exists, err := l.tableExists(ctx, l.wh.DefaultSchema(), targetsTable); err != nil || !exists {
		return s, false, err
	}
	sql, err := l.wh.SQL("target_schema_select", &l.base)
	if err != nil {
		return s, false, err
	}
	var js string
	err = l.tx.Query(ctx, sql, nil, func(scan func(...any) error) error { return scan(&js) })
	if err != nil {
		return s, false, fmt.Errorf("read recorded schema of %s: %w", l.base.TargetKey, err)
	}
	if js == "" {
		return s, false, nil
	}
	if err := json.Unmarshal([]byte(js), &s); err != nil {
		return s, false, fmt.Errorf("recorded schema of %s: %w", l.base.TargetKey, err)
	}
	return s, true, nil
}

// tableExists asks inside the load's transaction.
func (l *loader) tableExists(ctx context.Context, schemaName, table string) (bool, error) {
	return tableExists(ctx, l.wh, schemaName, table, l.tx.Query)
}

// TableExists says whether the table schemaName.table (unquoted) exists in
// the warehouse.
func TableExists(ctx context.Context, wh Warehouse, schemaName, table string) (bool, error) {
	return tableExists(ctx, wh, schemaName, table, wh.Query)
}

func tableExists(ctx context.Context, wh Warehouse, schemaName, table string, query querier) (bool, error) {
	sql, err := wh.SQL("table_exists", &driver.Statement{TargetSchema: schemaName, TargetName: table})
	if err != nil {
		return false, err
	}
	var n int64
	err = query(ctx, sql, nil, func(scan func(...any) error) error { return scan(&n) })
	return n > 0, err
}

func (l *loader) execNamed(ctx context.Context, name string) error {
	return l.exec(ctx, name, &l.base)
}

func (l *loader) exec(ctx context.Context, name string, st *driver.Statement) error {
	sql, err := l.wh.SQL(name, st)
	if err != nil {
		return err
	}
	if err := l.execSQL(ctx, sql); err != nil {
		return fmt.Errorf("%s: %w", strings.ReplaceAll(name, "_", " "), err)
	}
	return nil
}

func (l *loader) execSQL(ctx context.Context, sql string) error {
	if strings.TrimSpace(sql) == "" {
		return nil
	}
	_, err := l.tx.Exec(ctx, sql)
	return err
}

// onlyFiles keeps the files named in keys.
func onlyFiles(files []lakeFile, keys []string) []lakeFile {
	want := make(map[string]bool, len(keys))
	for _, k := range keys {
		want[k] = true
	}
	out := files[:0]
	for _, f := range files {
		if want[f.Key] {
			out = append(out, f)
		}
	}
	return out
}

func renderTransform(text string, data TransformData) (string, error) {
	t, err := template.New("transform").Option("missingkey=error").Parse(text)
	if err != nil {
		return "", input.Errorf("%s file: %v", input.Option("transform"), err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return "", input.Errorf("%s file: %v", input.Option("transform"), err)
	}
	return buf.String(), nil
}

func quoteAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = driver.QuoteIdent(n)
	}
	return out
}

// newLoadID is time-ordered and unique: 20260102T150405Z-1a2b3c4d.
func newLoadID(t time.Time) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return t.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}
