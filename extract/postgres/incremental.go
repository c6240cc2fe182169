package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lakectl/lakectl/extract/internal/watermark"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

// cursor is the resolved cursor column of an incremental job.
type cursor struct {
	idx      int
	col      *column
	typ      watermark.CursorType
	lookback int64 // in the cursor's ordinal units
}

func newCursor(ti *tableInfo, name string, lookback time.Duration) (*cursor, error) {
	idx := ti.index(name)
	if idx < 0 {
		return nil, badInput("cursor column %q is not a column of %s.%s", name, ti.Schema, ti.Name)
	}
	c := &cursor{idx: idx, col: &ti.Columns[idx]}
	switch c.col.conv {
	case convInt16, convInt32, convInt64:
		c.typ = watermark.Int
	case convDate:
		c.typ = watermark.Date
	case convTimestamp, convTimestamptz:
		c.typ = watermark.Timestamp
	default:
		return nil, badInput("cursor column %q has type %s; a cursor must be an integer, date, timestamp or timestamptz column", name, c.col.TypeName)
	}
	lb, err := c.typ.Lookback(lookback)
	if err != nil {
		return nil, badInput("lookback %s: %w", lookback, err)
	}
	c.lookback = lb
	return c, nil
}

// ordinal reads a cursor value's text; ok is false for NULL and infinities.
func (c *cursor) ordinal(b []byte) (int64, bool) {
	if b == nil {
		return 0, false
	}
	switch c.typ {
	case watermark.Int:
		return atoi(b)
	case watermark.Date:
		d, ok, err := parseDate(b)
		return d, ok && err == nil
	}
	us, ok, err := parseTimestamp(b, c.col.conv == convTimestamptz)
	return us, ok && err == nil
}

// max reads MAX(cursor) inside the snapshot: the run's upper bound and
// next watermark. ok is false when no row has a finite cursor value.
func (c *cursor) max(ctx context.Context, conn *pgx.Conn, ti *tableInfo) (int64, bool, error) {
	q := fmt.Sprintf("SELECT MAX(%s)::text FROM %s WHERE %[1]s IS NOT NULL", quoteIdent(c.col.Name), ti.qualified())
	if c.typ != watermark.Int {
		q += fmt.Sprintf(" AND isfinite(%s)", quoteIdent(c.col.Name))
	}
	var s *string
	if err := conn.QueryRow(ctx, q).Scan(&s); err != nil {
		return 0, false, fmt.Errorf("read MAX(%s) of %s: %w", c.col.Name, ti.qualified(), err)
	}
	if s == nil {
		return 0, false, nil
	}
	o, ok := c.ordinal([]byte(*s))
	return o, ok, nil
}

// pairFilter drops the (key, cursor) pairs earlier runs wrote and records
// the pairs it lets through whose cursor is >= keepFrom (the next run's
// window). Rows without a cursor value pass and are counted.
type pairFilter struct {
	cur      *cursor
	keyIdx   []int // the key, else every column
	keepFrom int64
	old      map[uint64]struct{}
	written  map[int64][]uint64
	held     *watermark.Held // pairs below the state's seen_from that the lake holds (nil: none)
	types    []schema.Type   // the row's column types, for held's hashes
	keys     [][]byte
	skipped  int64
	nulls    int64
}

func newPairFilter(cur *cursor, ti *tableInfo, keepFrom int64, old map[int64][]uint64) *pairFilter {
	f := &pairFilter{cur: cur, keepFrom: keepFrom, old: map[uint64]struct{}{}, written: map[int64][]uint64{},
		types: watermark.ColumnTypes(ti.lakeSchema())}
	for _, k := range ti.Key {
		f.keyIdx = append(f.keyIdx, ti.index(k))
	}
	if len(f.keyIdx) == 0 {
		for i := range ti.Columns {
			f.keyIdx = append(f.keyIdx, i)
		}
	}
	for o, hs := range old {
		for _, h := range hs {
			f.old[h] = struct{}{}
		}
		f.written[o] = append(f.written[o], hs...)
	}
	f.keys = make([][]byte, len(f.keyIdx))
	return f
}

func (f *pairFilter) keep(raw [][]byte, row schema.Row) bool {
	o, ok := f.cur.ordinal(raw[f.cur.idx])
	if !ok {
		f.nulls++
		return true
	}
	for j, k := range f.keyIdx {
		f.keys[j] = raw[k]
	}
	h := watermark.PairHash(f.keys, o)
	in, dup := f.held.Holds(f.types, row, f.keyIdx, o)
	if !in {
		_, dup = f.old[h]
	}
	if o >= f.keepFrom { // the next run's window needs the pair either way
		f.written[o] = append(f.written[o], h)
	}
	if dup {
		f.skipped++
	}
	return !dup
}

func identityNames(ti *tableInfo, idx []int) []string {
	out := make([]string, len(idx))
	for j, i := range idx {
		out[j] = ti.Columns[i].Name
	}
	return out
}

// setCursorState stores the new watermark with the pairs the next run's
// window needs; covered is the lowest cursor the pairs are complete from.
func (r *run) setCursorState(state *jobState, cur *cursor, written map[int64][]uint64, wm, covered int64) {
	groups, seenFrom, trimmed := watermark.EncodeSeen(cur.typ, written, max(wm-cur.lookback, covered))
	if trimmed {
		r.log.Warn("more rows changed inside the lookback window than the job's state keeps; the next run's window starts later",
			"max_pairs", watermark.MaxSeen, "window_from", cur.typ.Format(seenFrom))
	}
	state.Cursor, state.CursorType = cur.col.Name, string(cur.typ)
	state.Watermark = cur.typ.Format(wm)
	state.SeenFrom = cur.typ.Format(seenFrom)
	state.Seen = groups
	r.res.WatermarkAfter = state.Watermark
}

// incrementalOrFirst runs an incremental extract, or the full snapshot
// that sets the first watermark (also when the cursor changed).
func (r *run) incrementalOrFirst(ctx context.Context, tbl *table.Table, ti *tableInfo, st jobState, hasState bool) error {
	cur, err := newCursor(ti, r.opts.Cursor, r.opts.Lookback)
	if err != nil {
		return err
	}
	if !hasState || st.Watermark == "" {
		return r.full(ctx, tbl, ti, nil, cur)
	}
	r.res.WatermarkBefore = st.Watermark
	if st.Cursor != cur.col.Name || st.CursorType != string(cur.typ) {
		r.log.Warn("the cursor changed since the last run: taking a full snapshot", "was", st.Cursor, "now", cur.col.Name)
		return r.full(ctx, tbl, ti, nil, cur)
	}
	return r.incremental(ctx, tbl, ti, cur, st)
}

// incremental reads the rows whose cursor lies in [watermark - lookback,
// MAX(cursor)] in one snapshot, in (cursor, key) order, skips the (key,
// cursor) pairs earlier runs wrote, and appends the rest.
func (r *run) incremental(ctx context.Context, tbl *table.Table, ti *tableInfo, cur *cursor, prev jobState) error {
	r.res.Mode, r.res.Op, r.res.Parallel = "incremental", table.OpAppend, 1
	r.res.WatermarkAfter = prev.Watermark
	if err := r.checkLayout(ctx, tbl); err != nil {
		return err
	}
	wm, lo, seenFrom, err := watermark.Window(cur.typ, prev.State, cur.lookback)
	if err != nil {
		return err
	}
	r.res.WindowFrom = cur.typ.Format(lo)
	old, err := watermark.DecodeSeen(cur.typ, prev.Seen)
	if err != nil {
		return err
	}
	conns, err := r.openSnapshots(ctx, 1, "")
	if err != nil {
		return err
	}
	defer closeSnapshots(ctx, conns)
	upper, ok, err := cur.max(ctx, conns[0], ti)
	if err != nil {
		return err
	}
	if err := r.countNullCursors(ctx, conns[0], ti, cur); err != nil {
		return err
	}
	if !ok || upper < lo {
		r.res.Op = "none"
		return nil
	}
	newWM := max(wm, upper)
	sc := &scanner{conn: conns[0], ti: ti, chunkRows: r.opts.ChunkRows, order: []int{cur.idx},
		bounds: []bound{{cur.idx, ">=", cur.typ.Format(lo)}, {cur.idx, "<=", cur.typ.Format(upper)}}}
	for _, k := range ti.Key {
		if i := ti.index(k); i != cur.idx {
			sc.order = append(sc.order, i)
		}
	}
	if len(ti.Key) == 0 {
		sc.order = nil // one stream; the bounds still apply
	}
	f := newPairFilter(cur, ti, newWM-cur.lookback, old)
	if lo < seenFrom { // below what the state knows: ask the lake
		held, files, err := watermark.LoadHeld(ctx, tbl, identityNames(ti, f.keyIdx), cur.col.Name, cur.typ, lo, seenFrom)
		if err != nil {
			return err
		}
		r.log.Info("the window reaches below the pairs the job's state knows: recognized the rows the lake holds there",
			"from", cur.typ.Format(lo), "to", cur.typ.Format(seenFrom), "files", files, "pairs", held.Len())
		f.held = held
	}
	sc.filter = f.keep
	tx, err := tbl.Begin(ctx, table.TxOptions{Op: table.OpAppend, Job: r.res.Job, TableState: true, StaleAfter: r.opts.LockStaleAfter, Logger: r.log})
	if err != nil {
		return err
	}
	defer func() { _ = tx.Abort(context.WithoutCancel(ctx)) }()
	pst, err := r.pump(ctx, tx, ti.lakeSchema(), []source{sc.scan})
	if err != nil {
		return err
	}
	r.res.SkippedRows = f.skipped
	if pst.rows == 0 && newWM == wm {
		r.res.Op = "none"
		return nil
	}
	state := jobState{State: watermark.State{Source: r.res.Source, Mode: "incremental"}}
	r.setCursorState(&state, cur, f.written, newWM, lo)
	return r.commit(ctx, tx, state, pst)
}

// countNullCursors counts the rows an incremental run cannot see.
func (r *run) countNullCursors(ctx context.Context, conn *pgx.Conn, ti *tableInfo, cur *cursor) error {
	if cur.col.NotNull {
		return nil
	}
	q := fmt.Sprintf("SELECT count(*) FROM %s WHERE %s IS NULL", ti.qualified(), quoteIdent(cur.col.Name))
	if err := conn.QueryRow(ctx, q).Scan(&r.res.NullCursorRows); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("count NULL cursor values of %s: %w", ti.qualified(), err)
	}
	if r.res.NullCursorRows > 0 {
		r.log.Warn("rows with a NULL cursor are not read by incremental runs (only by full snapshots)",
			"table", r.res.Source, "cursor", cur.col.Name, "rows", r.res.NullCursorRows)
	}
	return nil
}

// ErrPartitionRule: an append under another partition rule than the one
// the table's files were written with.
var ErrPartitionRule = errors.New("partition rule differs from the table's files")

// checkLayout refuses, before anything is written, an append whose
// partition rule differs from the table's files: two layouts in one table
// are what engines refuse to read.
func (r *run) checkLayout(ctx context.Context, tbl *table.Table) error {
	err := tbl.CheckAppend(ctx, schema.Schema{}, r.rule)
	var pe *table.PartitionRuleError
	if errors.As(err, &pe) {
		return badInput("%w: %v; nothing was written: take a new snapshot to change the rule, or keep the table's rule", ErrPartitionRule, pe)
	}
	return err
}
