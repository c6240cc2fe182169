package postgres

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/lakectl/lakectl/extract/internal/watermark"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

// cdcStart is the slot's side of a CDC run's first snapshot.
type cdcStart struct {
	snapshot string // exported by CREATE_REPLICATION_SLOT
	lsn      string // the slot's consistent point
}

// Columns CDC adds to every row version.
const (
	colOp  = "_op"
	colLSN = "_lsn"
)

// cdcColumns are the columns every CDC row version carries after the
// table's own: _op (c, u, d) and _lsn (the change's WAL position; 0 for
// rows of the first snapshot, which precede every change).
var cdcColumns = []schema.Column{{Name: colOp, Type: schema.TString}, {Name: colLSN, Type: schema.TInt64}}

// changeSchema is the lake schema of a CDC table: the table's columns,
// nullable but for the key (a delete carries only the key), then _op and
// _lsn.
func (ti *tableInfo) changeSchema() schema.Schema {
	s := ti.lakeSchema(cdcColumns...)
	for i := range ti.Columns {
		if !slices.Contains(ti.Key, ti.Columns[i].Name) {
			s.Columns[i].Nullable = true
		}
	}
	return s
}

// full reads one consistent snapshot of the table (split across
// connections that share it) and replaces the table's files with it.
// With a cursor it also sets the watermark, so incremental runs continue
// from it.
func (r *run) full(ctx context.Context, tbl *table.Table, ti *tableInfo, cdc *cdcStart, cur *cursor) error {
	r.res.Mode, r.res.Op = "full", table.OpReplace
	sch := ti.lakeSchema()
	if cdc != nil {
		r.res.Mode = "cdc-snapshot"
		sch = ti.changeSchema()
	}
	n := r.opts.Parallel
	if len(ti.Key) == 0 && n > 1 {
		r.log.Warn("parallel reads need a key to split the table; reading with one connection", "table", r.res.Source)
		n = 1
	}
	imported := ""
	if cdc != nil {
		imported = cdc.snapshot
	}
	conns, err := r.openSnapshots(ctx, n, imported)
	if err != nil {
		return err
	}
	defer closeSnapshots(ctx, conns)
	ranges := []keyRange{{}}
	if n > 1 {
		if ranges, err = splitRanges(ctx, conns[0], ti, n); err != nil {
			return err
		}
		closeSnapshots(ctx, conns[len(ranges):])
		conns = conns[:len(ranges)]
	}
	r.res.Parallel = len(conns)
	var upper int64
	hasUpper := false
	if cur != nil {
		if upper, hasUpper, err = cur.max(ctx, conns[0], ti); err != nil {
			return err
		}
	}
	tx, err := tbl.Begin(ctx, table.TxOptions{Op: table.OpReplace, Job: r.res.Job, TableState: true, StaleAfter: r.opts.LockStaleAfter, Logger: r.log})
	if err != nil {
		return err
	}
	defer func() { _ = tx.Abort(context.WithoutCancel(ctx)) }()
	sources := make([]source, len(conns))
	var filters []*pairFilter
	for i, c := range conns {
		sc := newScanner(c, ti, ranges[i], r.opts.ChunkRows)
		sc.cdc = cdc != nil
		if hasUpper {
			pf := newPairFilter(cur, ti, upper-cur.lookback, nil)
			filters = append(filters, pf)
			sc.filter = pf.keep
		}
		sources[i] = sc.scan
	}
	st, err := r.pump(ctx, tx, sch, sources)
	if err != nil {
		return err
	}
	if err := tx.RemoveLive(ctx); err != nil {
		return fmt.Errorf("list the files of %s to replace: %w", r.res.Table, err)
	}
	state := jobState{State: watermark.State{Source: r.res.Source, Mode: "full"}}
	if hasUpper {
		written := map[int64][]uint64{}
		for _, f := range filters {
			for o, hs := range f.written {
				written[o] = append(written[o], hs...)
			}
			r.res.NullCursorRows += f.nulls
		}
		r.setCursorState(&state, cur, written, upper, math.MinInt64)
	}
	if cdc != nil {
		state = jobState{State: watermark.State{Source: r.res.Source, Mode: "cdc"}, Slot: r.opts.Slot, Publication: r.opts.Publication, LSN: cdc.lsn}
		r.res.LSNAfter = cdc.lsn
	}
	return r.commit(ctx, tx, state, st)
}

// openSnapshots opens n sessions in REPEATABLE READ transactions that all
// read one snapshot: the imported one, or with n > 1 one the first session
// exports (pg_export_snapshot) and the others import.
func (r *run) openSnapshots(ctx context.Context, n int, imported string) ([]*pgx.Conn, error) {
	var conns []*pgx.Conn
	fail := func(err error) ([]*pgx.Conn, error) {
		closeSnapshots(ctx, conns)
		return nil, err
	}
	for i := 0; i < n; i++ {
		c, err := r.connect(ctx)
		if err != nil {
			return fail(err)
		}
		conns = append(conns, c)
		if _, err := c.Exec(ctx, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); err != nil {
			return fail(fmt.Errorf("start a snapshot transaction: %w", err))
		}
		if i == 0 && imported == "" {
			if n > 1 {
				if err := c.QueryRow(ctx, "SELECT pg_export_snapshot()").Scan(&imported); err != nil {
					return fail(fmt.Errorf("export the snapshot for parallel reads: %w", err))
				}
			} else if _, err := c.Exec(ctx, "SELECT 1"); err != nil { // takes the snapshot now
				return fail(err)
			}
			continue
		}
		if _, err := c.Exec(ctx, "SET TRANSACTION SNAPSHOT '"+strings.ReplaceAll(imported, "'", "''")+"'"); err != nil {
			return fail(fmt.Errorf("import snapshot %s: %w", imported, err))
		}
	}
	return conns, nil
}

func closeSnapshots(ctx context.Context, conns []*pgx.Conn) {
	for _, c := range conns {
		_ = c.Close(context.WithoutCancel(ctx))
	}
}

// splitRanges cuts the first key column's values into at most n ranges of
// about equal rows, read from the snapshot.
func splitRanges(ctx context.Context, conn *pgx.Conn, ti *tableInfo, n int) ([]keyRange, error) {
	k := quoteIdent(ti.Key[0])
	fr := make([]string, 0, n-1)
	for i := 1; i < n; i++ {
		fr = append(fr, fmt.Sprintf("%g", float64(i)/float64(n)))
	}
	q := fmt.Sprintf("SELECT (percentile_disc(ARRAY[%s]::float8[]) WITHIN GROUP (ORDER BY %s))::text[] FROM %s",
		strings.Join(fr, ","), k, ti.qualified())
	var bounds []*string
	if err := conn.QueryRow(ctx, q).Scan(&bounds); err != nil {
		return nil, fmt.Errorf("split %s into ranges: %w", ti.qualified(), err)
	}
	var ranges []keyRange
	var lo *string
	for _, b := range bounds {
		if b == nil || (lo != nil && *b == *lo) {
			continue
		}
		ranges = append(ranges, keyRange{lo: lo, hi: b})
		lo = b
	}
	return append(ranges, keyRange{lo: lo}), nil
}
