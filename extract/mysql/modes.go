package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/lakectl/lakectl/extract/internal/jobrun"
	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/lake/table"
)

// cursorInfo is the resolved cursor column.
type cursorInfo struct {
	idx      int
	col      *column
	typ      cursorType
	lookback int64 // in the cursor's ordinal units
}

func newCursorInfo(ti *tableInfo, name string, lookback time.Duration) (*cursorInfo, error) {
	idx, c := ti.column(name)
	if c == nil {
		return nil, input.Errorf("cursor column %q is not a column of %s.%s", name, ti.DB, ti.Name)
	}
	typ, err := cursorOf(c)
	if err != nil {
		return nil, err
	}
	lb, err := typ.lookback(lookback)
	if err != nil {
		return nil, err
	}
	return &cursorInfo{idx: idx, col: c, typ: typ, lookback: lb}, nil
}

// arg is an ordinal as a query argument that compares exactly.
func (c *cursorInfo) arg(o int64) any {
	if c.typ == cursorInt {
		return o
	}
	return c.typ.format(o)
}

// maxCursor reads MAX(cursor) inside the snapshot: the run's upper bound
// and next watermark. ok is false when no row has a cursor value.
func maxCursor(ctx context.Context, conn *sql.Conn, ti *tableInfo, cur *cursorInfo, where []string) (int64, bool, error) {
	q := fmt.Sprintf("SELECT MAX(%s) FROM %s", quoteIdent(cur.col.Name), quoteTable(ti.DB, ti.Name))
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	var b []byte
	if err := conn.QueryRowContext(ctx, q).Scan(&b); err != nil {
		return 0, false, fmt.Errorf("read MAX(%s) of %s.%s: %w", cur.col.Name, ti.DB, ti.Name, err)
	}
	o, ok := cur.typ.ordinal(b)
	return o, ok, nil
}

// userWhere is the WHERE filter option as a predicate list.
func (r *run) userWhere() []string {
	if strings.TrimSpace(r.opts.Where) == "" {
		return nil
	}
	return []string{"(" + r.opts.Where + ")"}
}

func keyIndexes(ti *tableInfo) []int {
	idx := make([]int, 0, len(ti.Key))
	for _, k := range ti.Key {
		i, _ := ti.column(k)
		idx = append(idx, i)
	}
	return idx
}

// snapshot is a full extract: one consistent snapshot of the table (split
// across connections with Parallel) replaces the table's files. With a
// cursor it also sets the watermark, so incremental runs continue from it.
func (r *run) snapshot(ctx context.Context, db *sql.DB, tbl *table.Table, ti *tableInfo, cur *cursorInfo, rep progress.Reporter) error {
	r.res.Mode, r.res.Op = "full", table.OpReplace
	keyIdx := keyIndexes(ti)
	n := r.opts.Parallel
	if len(keyIdx) == 0 && n > 1 {
		r.log.Warn("a parallel read needs a key to split the table; reading with one connection", "table", r.res.Source)
		n = 1
	}
	conns, err := openSnapshots(ctx, db, ti, n, r.log)
	if err != nil {
		return err
	}
	defer closeSnapshots(ctx, conns)
	where := r.userWhere()
	var upper int64
	hasUpper := false
	if cur != nil {
		if upper, hasUpper, err = maxCursor(ctx, conns[0], ti, cur, where); err != nil {
			return err
		}
	}
	base := &scanSpec{ti: ti, key: keyIdx, where: where, chunkRows: r.opts.ChunkRows}
	ranges, err := splitRanges(ctx, conns[0], base, len(conns), ti.RowEstimate)
	if err != nil {
		return err
	}
	if len(ranges) < len(conns) {
		closeSnapshots(ctx, conns[len(ranges):])
		conns = conns[:len(ranges)]
	}
	r.res.Parallel = len(conns)

	tx, err := tbl.Begin(ctx, table.TxOptions{Op: table.OpReplace, Job: r.res.Job, TableState: true, StaleAfter: r.opts.LockStaleAfter, Logger: r.log})
	if err != nil {
		return err
	}
	defer func() { _ = tx.Abort(context.WithoutCancel(ctx)) }()
	var filters []*pairFilter
	readers := make([]reader, len(conns))
	for i, c := range conns {
		spec := *base
		spec.rng = ranges[i]
		readers[i] = reader{conn: c, spec: &spec, cv: newConverter(ti.Columns)}
		if hasUpper {
			f := &pairFilter{cur: cur, keyIdx: identity(ti, keyIdx), keepFrom: upper - cur.lookback,
				seen: &seenSet{typ: cur.typ, old: nil, written: map[int64][]uint64{}}}
			filters = append(filters, f)
			readers[i].filter = f.filter()
		}
	}
	st, err := r.pump(ctx, tx, ti.Schema(), readers, rep)
	if err != nil {
		return err
	}
	if err := tx.RemoveLive(ctx); err != nil {
		return fmt.Errorf("list the files of %s to replace: %w", r.res.Table, err)
	}
	state := jobState{Source: r.res.Source, Mode: "full"}
	if hasUpper {
		merged := &seenSet{typ: cur.typ, written: map[int64][]uint64{}}
		for _, f := range filters {
			for o, hs := range f.seen.written {
				merged.written[o] = append(merged.written[o], hs...)
			}
			r.res.NullCursorRows += f.nulls
		}
		r.setCursorState(&state, cur, merged, upper, math.MinInt64)
	}
	return r.commit(ctx, tx, state, st)
}

// identity returns the columns whose bytes identify a row for the dedupe
// hash: the key, or every column of a table without one.
func identity(ti *tableInfo, keyIdx []int) []int {
	if len(keyIdx) > 0 {
		return keyIdx
	}
	all := make([]int, len(ti.Columns))
	for i := range all {
		all[i] = i
	}
	return all
}

// incremental reads the rows whose cursor lies in [watermark - lookback,
// MAX(cursor)] in one snapshot, in (cursor, key) order, skips the (key,
// cursor) pairs earlier runs wrote, and appends the rest.
func (r *run) incremental(ctx context.Context, db *sql.DB, tbl *table.Table, ti *tableInfo, cur *cursorInfo, prev *jobState, rep progress.Reporter) error {
	r.res.Mode, r.res.Op = "incremental", table.OpAppend
	r.res.Parallel = 1
	r.res.WatermarkAfter = prev.Watermark
	wm, lo, seenFrom, err := r.window(prev, cur)
	if err != nil {
		return err
	}
	r.res.WindowFrom = cur.typ.format(lo)
	seen, err := loadSeen(cur.typ, prev.Seen)
	if err != nil {
		return err
	}
	conns, err := openSnapshots(ctx, db, ti, 1, r.log)
	if err != nil {
		return err
	}
	defer closeSnapshots(ctx, conns)
	where := r.userWhere()
	upper, ok, err := maxCursor(ctx, conns[0], ti, cur, where)
	if err != nil {
		return err
	}
	if err := r.countNullCursor(ctx, conns[0], ti, cur, where); err != nil {
		return err
	}
	if !ok || upper < lo {
		r.res.Op = "none"
		return nil // nothing in the window
	}
	newWM := max(wm, upper)

	keyIdx := keyIndexes(ti)
	spec := r.windowSpec(ti, cur, keyIdx, where, lo, upper)
	tx, err := tbl.Begin(ctx, table.TxOptions{Op: table.OpAppend, Job: r.res.Job, TableState: true, StaleAfter: r.opts.LockStaleAfter, Logger: r.log})
	if err != nil {
		return err
	}
	defer func() { _ = tx.Abort(context.WithoutCancel(ctx)) }()
	f := &pairFilter{cur: cur, keyIdx: identity(ti, keyIdx), keepFrom: newWM - cur.lookback, seen: seen, types: columnTypes(ti.Schema())}
	if lo < seenFrom {
		if f.held, err = r.loadLakeHeld(ctx, tbl, ti, f.keyIdx, cur, lo, seenFrom); err != nil {
			return err
		}
	}
	rd := reader{conn: conns[0], spec: spec, cv: newConverter(ti.Columns), filter: f.filter()}
	st, err := r.pump(ctx, tx, ti.Schema(), []reader{rd}, rep)
	if err != nil {
		return err
	}
	r.res.SkippedRows = seen.skipped
	if st.sourceRows-seen.skipped == 0 && newWM == wm {
		r.res.Op = "none"
		r.res.SourceRows, r.res.SourceBytes = st.sourceRows, st.sourceBytes
		return nil // nothing new: no commit
	}
	state := jobState{Source: r.res.Source, Mode: "incremental"}
	r.setCursorState(&state, cur, seen, newWM, lo)
	return r.commit(ctx, tx, state, st)
}

// countNullCursor counts into the result the rows an incremental run
// never reads, those whose cursor is NULL, and warns when there are any.
func (r *run) countNullCursor(ctx context.Context, conn *sql.Conn, ti *tableInfo, cur *cursorInfo, where []string) error {
	if !cur.col.Nullable {
		return nil
	}
	q := fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE %s IS NULL", quoteTable(ti.DB, ti.Name), quoteIdent(cur.col.Name))
	for _, w := range where {
		q += " AND " + w
	}
	if err := conn.QueryRowContext(ctx, q).Scan(&r.res.NullCursorRows); err != nil {
		return fmt.Errorf("count NULL cursor values of %s.%s: %w", ti.DB, ti.Name, err)
	}
	if r.res.NullCursorRows > 0 {
		r.log.Warn("rows with a NULL cursor are not read by incremental runs (only by full snapshots)",
			"table", r.res.Source, "cursor", cur.col.Name, "rows", r.res.NullCursorRows)
	}
	return nil
}

// windowSpec reads the cursor window [lo, upper] in (cursor, key) order,
// so an index on the cursor serves it; without a key, as one stream.
func (r *run) windowSpec(ti *tableInfo, cur *cursorInfo, keyIdx []int, where []string, lo, upper int64) *scanSpec {
	spec := &scanSpec{ti: ti, chunkRows: r.opts.ChunkRows}
	if len(keyIdx) > 0 {
		spec.key = []int{cur.idx}
		for _, k := range keyIdx {
			if k != cur.idx {
				spec.key = append(spec.key, k)
			}
		}
	}
	cq := quoteIdent(cur.col.Name)
	spec.where = append(where, cq+" >= ?", cq+" <= ?")
	spec.whereArgs = []any{cur.arg(lo), cur.arg(upper)}
	return spec
}

// commit sets the job's state and commits, then fills the result (like
// extract/postgres's commit, for a Result with other fields).
func (r *run) commit(ctx context.Context, tx *table.Tx, state jobState, st pumpStats) error {
	t, err := jobrun.Commit(ctx, tx, r.res.Job, state, r.log)
	if err != nil {
		return err
	}
	r.res.TxID, r.res.Files, r.res.Rows, r.res.Bytes, r.res.RemovedFiles = t.TxID, t.Files, t.Rows, t.Bytes, t.RemovedFiles
	r.res.SourceRows, r.res.SourceBytes = st.sourceRows, st.sourceBytes
	r.res.ZeroDatesNulled = st.zeroDates
	return nil
}
