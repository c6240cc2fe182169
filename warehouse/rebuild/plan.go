package rebuild

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/warehouse"
	"github.com/lakectl/lakectl/warehouse/driver"
	"github.com/lakectl/lakectl/warehouse/scale"
)

// names are the three tables of a rebuild.
type names struct {
	schema, name        string
	target, newT, oldT  string // schema.table, as in the ledger
	qTarget, qNew, qOld string // quoted
	ledger, targets     string // quoted ledger tables
	lit                 func(string) string
}

func tableNames(wh warehouse.Warehouse, table, into string) (names, error) {
	if into == "" {
		into = table
	}
	schemaName, name, found := strings.Cut(into, ".")
	if !found {
		schemaName, name = wh.DefaultSchema(), into
	}
	if schemaName == "" || name == "" || strings.Contains(name, ".") {
		return names{}, input.Errorf("rebuild %s %q: want SCHEMA.TABLE or TABLE", input.Option("into"), into)
	}
	schemaName, name = strings.ToLower(schemaName), strings.ToLower(name)
	n := names{schema: schemaName, name: name, lit: driver.LiteralFor(wh)}
	n.target = schemaName + "." + name
	n.newT = n.target + NewSuffix
	n.oldT = n.target + OldSuffix
	n.qTarget = driver.QuoteQualified(schemaName, name)
	n.qNew = driver.QuoteQualified(schemaName, name+NewSuffix)
	n.qOld = driver.QuoteQualified(schemaName, name+OldSuffix)
	n.ledger = driver.QuoteQualified(wh.DefaultSchema(), "lakectl_loads")
	n.targets = driver.QuoteQualified(wh.DefaultSchema(), "lakectl_targets")
	return n, nil
}

// swapStatements rename the current table away and the new one in, and
// move the ledger rows with them, in one transaction. hasOld is false
// when the table does not exist yet (nothing to rename away).
func (n names) swapStatements(hasOld bool) []string {
	var out []string
	if hasOld {
		out = append(out,
			fmt.Sprintf("ALTER TABLE %s RENAME TO %s", n.qTarget, driver.QuoteIdent(n.name+OldSuffix)),
			fmt.Sprintf("UPDATE %s SET target = %s WHERE target = %s", n.ledger, n.lit(n.oldT), n.lit(n.target)))
	}
	return append(out,
		fmt.Sprintf("ALTER TABLE %s RENAME TO %s", n.qNew, driver.QuoteIdent(n.name)),
		fmt.Sprintf("UPDATE %s SET target = %s WHERE target = %s", n.ledger, n.lit(n.target), n.lit(n.newT)),
		// The lake schema recorded for the old table does not describe the
		// new one: the next load records it afresh.
		fmt.Sprintf("DELETE FROM %s WHERE target IN (%s, %s, %s)", n.targets, n.lit(n.target), n.lit(n.newT), n.lit(n.oldT)))
}

func (n names) dropStatements() []string {
	return []string{
		"DROP TABLE IF EXISTS " + n.qOld,
		fmt.Sprintf("DELETE FROM %s WHERE target = %s", n.ledger, n.lit(n.oldT)),
	}
}

// dropNewStatements undo a create step cut short.
func (n names) dropNewStatements() []string {
	return []string{
		"DROP TABLE IF EXISTS " + n.qNew,
		fmt.Sprintf("DELETE FROM %s WHERE target = %s", n.ledger, n.lit(n.newT)),
	}
}

func (n names) countStatement(quoted string) string { return "SELECT count(*) FROM " + quoted }

// throughput is an assumed load speed for estimates: bytes per second and
// seconds of overhead per load transaction.
func throughput(dialect string, nodes int) (float64, float64) {
	switch dialect {
	case driver.DuckDB:
		return 150e6, 0.05
	case driver.Postgres:
		return 25e6, 0.2
	}
	return 30e6 * float64(max(nodes, 2)), 3
}

func defaultBatch(dialect string) int {
	if dialect == driver.Redshift {
		return 16
	}
	return 1
}

func newRunID(t time.Time) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return t.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}

// Plan is the runbook of a rebuild: numbered steps with files, bytes,
// estimated time and the SQL of each; it changes nothing. When the
// warehouse cannot be reached it says so and plans as if the new table
// held nothing.
func Plan(ctx context.Context, store lake.Store, wh warehouse.Warehouse, opts Options) (*Run, error) {
	r, err := newRun(wh, opts)
	if err != nil {
		return nil, err
	}
	r.State, r.DryRun = RunPlanned, true
	if err := r.fillPlan(ctx, store, wh, opts.Scaler, opts.Parallel); err != nil {
		return nil, err
	}
	return r, nil
}

// newRun checks the options and builds the run with its steps pending.
func newRun(wh warehouse.Warehouse, opts Options) (*Run, error) {
	if opts.Table == "" {
		return nil, input.Errorf("rebuild: no lake table given")
	}
	text := opts.Migration
	if text == "" {
		if opts.MigrationFile == "" {
			return nil, input.Errorf("rebuild %s: %s FILE.sql is required (SQL that creates {{.NewTable}}; see docs/rebuild.md)", opts.Table, input.Option("migration"))
		}
		b, err := os.ReadFile(opts.MigrationFile)
		if err != nil {
			return nil, input.Errorf("read %s file: %v", input.Option("migration"), err)
		}
		text = string(b)
	}
	if opts.ScaleTo > 0 && opts.Scaler == nil {
		return nil, input.Errorf("rebuild %s needs a Redshift cluster or workgroup to resize", input.Option("scale-to"))
	}
	n, err := tableNames(wh, opts.Table, opts.Into)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	r := &Run{Run: opts.RunID, Table: opts.Table, Target: n.target, NewTable: n.newT, OldTable: n.oldT,
		Dialect: wh.Dialect(), Warehouse: wh.String(), MigrationFile: opts.MigrationFile, Migration: text,
		ScaleTo: opts.ScaleTo, KeepOld: opts.KeepOld, BatchFiles: opts.BatchFiles, PartitionTypes: opts.PartitionTypes, Created: now}
	if _, err := r.partitionTypes(); err != nil {
		return nil, err
	}
	if r.Run == "" {
		r.Run = newRunID(now)
	}
	if r.BatchFiles <= 0 {
		r.BatchFiles = defaultBatch(wh.Dialect())
	}
	if opts.Scaler != nil && opts.ScaleTo > 0 {
		r.Compute = opts.Scaler.Kind() + " " + opts.Scaler.Name()
	}
	stmts, err := renderMigration(text, n.migrationData(opts.Table))
	if err != nil {
		return nil, err
	}
	r.Steps = []Step{
		{N: 1, Name: StepScaleUp, Title: "scale the compute up"},
		{N: 2, Name: StepCreate, Title: "create " + n.newT + " from the migration"},
		{N: 3, Name: StepLoad, Title: "load every lake file of " + opts.Table + " into " + n.newT},
		{N: 4, Name: StepVerify, Title: "verify row counts: lake rows = rows of " + n.newT},
		{N: 5, Name: StepSwap, Title: "swap: " + n.target + " becomes " + n.oldT + ", " + n.newT + " becomes " + n.target},
		{N: 6, Name: StepDropOld, Title: "drop " + n.oldT},
		{N: 7, Name: StepRestore, Title: "restore the compute's size"},
	}
	for i := range r.Steps {
		r.Steps[i].Status = Pending
	}
	if opts.ScaleTo == 0 {
		r.step(StepScaleUp).Status, r.step(StepRestore).Status = Skipped, Skipped
		r.step(StepScaleUp).Skip, r.step(StepRestore).Skip = SkipNoResize, SkipNoResize
	}
	if opts.KeepOld {
		r.step(StepDropOld).Status, r.step(StepDropOld).Skip = Skipped, SkipKeepOld
		r.step(StepDropOld).Detail = n.oldT + " stays"
	}
	if isInPlace(stmts, n.migrationData(opts.Table)) {
		r.markInPlace(n)
	}
	return r, nil
}

func (n names) migrationData(lakeTable string) MigrationData {
	return MigrationData{Table: n.qTarget, NewTable: n.qNew, OldTable: n.qOld, Schema: n.schema, Name: n.name,
		NewName: n.name + NewSuffix, LakeTable: lakeTable}
}

// fillPlan sets each step's files, bytes, statements and estimate from
// the lake and, when reachable, the warehouse and the compute.
func (r *Run) fillPlan(ctx context.Context, store lake.Store, wh warehouse.Warehouse, s *scale.Scaler, parallel int) error {
	n, err := tableNames(wh, r.Table, r.Target)
	if err != nil {
		return err
	}
	if err := r.readSemantics(ctx, wh); err != nil {
		return err
	}
	r.deriveInPlace(ctx, wh, n)
	nodes, err := r.planScale(ctx, s)
	if err != nil {
		return err
	}
	stmts, _ := renderMigration(r.Migration, n.migrationData(r.Table))
	cr := r.step(StepCreate)
	cr.Statements, cr.EstimateS = stmts, 1
	if r.InPlace {
		if r.InPlaceStatements != nil {
			stmts = r.InPlaceStatements
		}
		cr.Statements = stmts
		return r.fillInPlace(n, stmts)
	}
	cr.Detail = "in one transaction"
	if inTx, alone := splitTx(stmts); len(alone) > 0 {
		cr.Detail = fmt.Sprintf("%d statements in one transaction, then %d outside a transaction (Redshift refuses them in one), checkpointed after each", len(inTx), len(alone))
		cr.Statements = append(inTx, alone...)
	}

	// What is left to load: a dry-run load into the new table subtracts
	// what its ledger says it holds.
	types, err := r.partitionTypes()
	if err != nil {
		return err
	}
	lr, err := warehouse.Load(ctx, store, wh, warehouse.LoadOptions{Table: r.Table, Into: r.NewTable, Mode: warehouse.ModeAppend,
		DryRun: true, TargetDefined: true, Parallel: parallel, PartitionTypes: types})
	if err != nil {
		return err
	}
	r.Unreachable = lr.Unreachable
	ld := r.step(StepLoad)
	ld.Files, ld.Bytes, ld.Rows = lr.Files, lr.Bytes, lr.Rows
	for _, st := range lr.Statements {
		// Ledger bookkeeping and the table the migration creates are not
		// part of what a batch runs for the new table.
		if strings.Contains(st, "lakectl_loads") || strings.Contains(st, "lakectl_targets") || strings.Contains(st, "CREATE TABLE") {
			continue
		}
		ld.Statements = append(ld.Statements, st)
	}
	rate, per := throughput(wh.Dialect(), nodes)
	batches := (lr.Files + r.BatchFiles - 1) / r.BatchFiles
	ld.EstimateS = float64(lr.Bytes)/rate + float64(batches)*per
	ld.Detail = fmt.Sprintf("%d load transactions of up to %d files, %s, each recording its files in the ledger as %s; statements shown for all files at once", batches, r.BatchFiles, r.modeText(), r.NewTable)
	vf := r.step(StepVerify)
	vf.Statements = []string{n.countStatement(n.qNew)}
	vf.EstimateS = 1 + float64(lr.Files)*0.01
	vf.Detail = "first loads any lake file that appeared since step 3"
	r.planUpsertVerify(wh, n, vf)
	sw := r.step(StepSwap)
	sw.Statements, sw.EstimateS, sw.Detail = n.swapStatements(true), 1, "in one transaction"
	r.planDependents(ctx, wh, n, sw)
	dr := r.step(StepDropOld)
	if dr.Status != Skipped {
		dr.Statements, dr.EstimateS = n.dropStatements(), 1
	}
	r.EstimateS = 0
	for _, st := range r.Steps {
		if st.Status != Skipped {
			r.EstimateS += st.EstimateS
		}
	}
	r.Files, r.Bytes, r.Rows = lr.Files, lr.Bytes, lr.Rows
	return nil
}

// sortByAge orders lake files oldest first (file names start with the
// time-ordered transaction id), so a growing schema loads in order.
func sortByAge(keys []string) {
	sort.SliceStable(keys, func(i, j int) bool { return path.Base(keys[i]) < path.Base(keys[j]) })
}

// readSemantics takes the mode, key and cursor of the target's first load
// (offline, a plan assumes append and says so in the load step).
func (r *Run) readSemantics(ctx context.Context, wh warehouse.Warehouse) error {
	if r.Mode != "" {
		return nil // a resumed run keeps what it started with
	}
	sem, err := warehouse.TargetSemantics(ctx, wh, r.Target)
	if err != nil && !r.DryRun {
		return err
	}
	r.Mode = warehouse.ModeAppend
	if sem != nil {
		r.Mode, r.Key, r.Cursor = sem.Mode, sem.Key, sem.Cursor
	}
	if r.Mode == warehouse.ModeReplace {
		r.Mode = warehouse.ModeAppend // every live file once: the same rows as replace
	}
	return nil
}

// modeText says how the new table is loaded.
func (r *Run) modeText() string {
	if r.Mode == warehouse.ModeUpsert {
		s := "upsert by key " + strings.Join(r.Key, ", ")
		if r.Cursor != "" {
			s += ", latest " + r.Cursor + " wins"
		}
		return s + " (as the target's first load)"
	}
	return "append"
}

// fillInPlace finishes the plan of an in-place run: no files to load.
func (r *Run) fillInPlace(n names, stmts []string) error {
	cr := r.step(StepCreate)
	cr.EstimateS = 60 * float64(len(stmts))
	vf := r.step(StepVerify)
	vf.Statements, vf.EstimateS = []string{n.countStatement(n.qTarget)}, 1
	r.EstimateS = 0
	for _, st := range r.Steps {
		if st.Status != Skipped {
			r.EstimateS += st.EstimateS
		}
	}
	return nil
}

// planDependents says what the swap does about views and grants (only
// when the warehouse answers): grants are carried to the new table, bound
// views make the run refuse before it starts.
func (r *Run) planDependents(ctx context.Context, wh warehouse.Warehouse, n names, sw *Step) {
	if r.Unreachable != "" {
		sw.Detail += "; dependent views and grants are checked when the warehouse answers"
		return
	}
	dep, err := readDependents(ctx, wh, n)
	if err != nil {
		sw.Detail += "; dependent views and grants could not be read: " + err.Error()
		return
	}
	grants := dep.grantStatements(n)
	sw.Statements = append(grants, sw.Statements...)
	if len(grants) > 0 {
		sw.Detail += fmt.Sprintf("; the table's grants (%d grantees) are given to the new table first", len(grants))
	}
	if len(dep.views) > 0 {
		r.Views = dep.views
		sw.Detail += "; REFUSED: " + dep.viewsError(r).Error()
	} else {
		sw.Detail += "; no views depend on " + n.target
	}
}

// planScale fills the scale steps; nodes is the node count the load runs
// at (provisioned), for the estimate.
func (r *Run) planScale(ctx context.Context, s *scale.Scaler) (int, error) {
	if s == nil || r.ScaleTo == 0 {
		return 0, nil
	}
	up, err := s.Scale(ctx, scale.Options{To: r.ScaleTo, DryRun: true})
	if err != nil {
		return 0, err
	}
	st := r.step(StepScaleUp)
	st.Detail = strings.Join(up.Plan, "; ")
	if up.Unreachable != "" {
		st.Detail += " (" + up.Unreachable + ")"
	}
	st.EstimateS = 900
	if up.Kind == scale.Serverless {
		st.EstimateS = 300
	}
	rs := r.step(StepRestore)
	rs.Detail = fmt.Sprintf("back to %d %s, also on failure or interrupt", up.From, up.Unit)
	if up.Unreachable != "" {
		rs.Detail = "back to the size it has before the resize (unknown offline), also on failure or interrupt"
	}
	rs.EstimateS = st.EstimateS
	if up.Kind == scale.Provisioned {
		return r.ScaleTo, nil
	}
	return 0, nil
}

// planUpsertVerify adds what verifying an upsert target checks.
func (r *Run) planUpsertVerify(wh warehouse.Warehouse, n names, vf *Step) {
	if r.Mode != warehouse.ModeUpsert {
		return
	}
	key := make([]string, len(r.Key))
	for i, k := range r.Key {
		key[i] = driver.QuoteIdent(k)
	}
	if q, err := wh.SQL("key_duplicates", &driver.Statement{Target: n.qNew, Key: key}); err == nil {
		vf.Statements = append(vf.Statements, q)
	}
	vf.Detail += "; upsert keeps one row per key, so the table holds at most the lake's rows and no key twice"
}
