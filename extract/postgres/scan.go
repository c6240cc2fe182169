package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"

	"github.com/lakectl/lakectl/extract/internal/jobrun"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

const (
	// batchRows is how many rows one batch carries from a reader to its writer.
	batchRows = 2048
	// readAhead batches wait between a reader and its writer: the server
	// keeps streaming while a page is encoded, and memory stays bounded.
	readAhead = 16
)

// batch is a run of converted rows and what they cost at the source.
type batch struct {
	rows     []schema.Row
	bytes    int64
	specials int64
}

// source produces batches into out until done; it does not close out.
type source func(ctx context.Context, out chan<- batch) error

// pumpStats count what the sources read.
type pumpStats struct {
	rows, bytes, specials int64
}

// pump runs each source into its own lake writer of the transaction and
// closes the writers.
func (r *run) pump(ctx context.Context, tx *table.Tx, sch schema.Schema, sources []source) (pumpStats, error) {
	g, gctx := errgroup.WithContext(ctx)
	stats := make([]pumpStats, len(sources))
	rgBytes := jobrun.RowGroupBytes(r.rule, len(sources))
	for i, src := range sources {
		w, err := tx.NewWriter(sch, table.WriterOptions{Partition: r.rule, TargetFileBytes: r.opts.TargetFileBytes,
			Codec: r.opts.Codec, Progress: r.rep, RowGroupBytes: rgBytes})
		if err != nil {
			return pumpStats{}, err
		}
		ch := make(chan batch, readAhead)
		g.Go(func() error {
			defer close(ch)
			return src(gctx, ch)
		})
		g.Go(func() error {
			return jobrun.WriteAll(gctx, w, r.res.Table, ch, func(b batch) error {
				stats[i].rows += int64(len(b.rows))
				stats[i].bytes += b.bytes
				stats[i].specials += b.specials
				return w.Write(gctx, b.rows)
			})
		})
	}
	err := g.Wait()
	var st pumpStats
	for _, s := range stats {
		st.rows += s.rows
		st.bytes += s.bytes
		st.specials += s.specials
	}
	return st, err
}

// keyRange bounds the first key column: lo <= k < hi (nil: open).
type keyRange struct{ lo, hi *string }

// bound is one condition "column op value", the value in the column's text form.
type bound struct {
	col int
	op  string // >=, <, <=
	val string
}

// scanner reads rows matching its bounds in keyset chunks of chunkRows
// rows, ordered by its order columns, inside its session's snapshot.
type scanner struct {
	conn      *pgx.Conn
	ti        *tableInfo
	order     []int // keyset columns (empty: one unordered stream)
	bounds    []bound
	chunkRows int
	cdc       bool // append _op = 'c' and _lsn = 0
	// filter sees each row's text and values and may drop it (the
	// incremental dedupe); raw is valid only during the call.
	filter func(raw [][]byte, row schema.Row) bool
}

// newScanner reads rng of the table in key order.
func newScanner(conn *pgx.Conn, ti *tableInfo, rng keyRange, chunkRows int) *scanner {
	s := &scanner{conn: conn, ti: ti, chunkRows: chunkRows}
	for _, k := range ti.Key {
		s.order = append(s.order, ti.index(k))
	}
	if rng.lo != nil {
		s.bounds = append(s.bounds, bound{s.order[0], ">=", *rng.lo})
	}
	if rng.hi != nil {
		s.bounds = append(s.bounds, bound{s.order[0], "<", *rng.hi})
	}
	return s
}

// cast is the SQL that turns the text parameter $n into column c's type.
func cast(n int, c *column) string { return fmt.Sprintf("CAST($%d::text AS %s)", n, c.TypeName) }

// query builds one chunk's SELECT; after holds the last row's order
// values (nil: first chunk).
func (s *scanner) query(after []string) (string, []any) {
	ti := s.ti
	cols := make([]string, len(ti.Columns))
	for i, c := range ti.Columns {
		cols[i] = quoteIdent(c.Name)
	}
	q := "SELECT " + strings.Join(cols, ", ") + " FROM " + ti.qualified()
	var where []string
	var args []any
	for _, b := range s.bounds {
		args = append(args, b.val)
		where = append(where, quoteIdent(ti.Columns[b.col].Name)+" "+b.op+" "+cast(len(args), &ti.Columns[b.col]))
	}
	keys := make([]string, len(s.order))
	for i, k := range s.order {
		keys[i] = quoteIdent(ti.Columns[k].Name)
	}
	if after != nil {
		ps := make([]string, len(s.order))
		for i, k := range s.order {
			args = append(args, after[i])
			ps[i] = cast(len(args), &ti.Columns[k])
		}
		where = append(where, "("+strings.Join(keys, ", ")+") > ("+strings.Join(ps, ", ")+")")
	}
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	if len(s.order) == 0 {
		return q, args
	}
	return q + " ORDER BY " + strings.Join(keys, ", ") + fmt.Sprintf(" LIMIT %d", s.chunkRows), args
}

func (s *scanner) scan(ctx context.Context, out chan<- batch) error {
	keyIdx := s.order
	var after []string
	for {
		q, args := s.query(after)
		n, last, err := s.chunk(ctx, q, args, keyIdx, out)
		if err != nil {
			return err
		}
		if len(keyIdx) == 0 || n < s.chunkRows {
			return nil
		}
		after = last
	}
}

// chunk runs one chunk's query and returns its row count and last key.
func (s *scanner) chunk(ctx context.Context, q string, args []any, keyIdx []int, out chan<- batch) (int, []string, error) {
	queryArgs := append([]any{pgx.QueryResultFormats{pgx.TextFormatCode}}, args...)
	rows, err := s.conn.Query(ctx, q, queryArgs...)
	if err != nil {
		return 0, nil, fmt.Errorf("read %s: %w", s.ti.qualified(), err)
	}
	defer rows.Close()
	ncol := len(s.ti.Columns)
	width := ncol
	if s.cdc {
		width += 2
	}
	var b batch
	var n counts
	count := 0
	last := make([][]byte, len(keyIdx)) // the last row's key text, copied
	var backing []schema.Value          // the batch's values, one allocation
	for rows.Next() {
		raw := rows.RawValues()
		for j, k := range keyIdx {
			last[j] = append(last[j][:0], raw[k]...)
		}
		count++
		if len(backing) < width {
			backing = make([]schema.Value, width*batchRows)
		}
		vals := backing[:width:width]
		backing = backing[width:]
		for i := range s.ti.Columns {
			v, err := s.ti.Columns[i].value(raw[i], &n)
			if err != nil {
				return 0, nil, fmt.Errorf("read %s: %w", s.ti.qualified(), err)
			}
			vals[i] = v
			b.bytes += int64(len(raw[i]))
		}
		if s.filter != nil && !s.filter(raw, vals) {
			continue
		}
		if s.cdc {
			vals[ncol] = schema.StringValue("c")
			vals[ncol+1] = schema.Int64Value(0)
		}
		b.rows = append(b.rows, vals)
		if len(b.rows) == batchRows {
			b.specials, n.specials = n.specials, 0
			if err := send(ctx, out, b); err != nil {
				return 0, nil, err
			}
			b = batch{}
		}
	}
	if err := rows.Err(); err != nil {
		return 0, nil, fmt.Errorf("read %s: %w", s.ti.qualified(), err)
	}
	var lastKey []string
	if count > 0 {
		for _, k := range last {
			lastKey = append(lastKey, string(k))
		}
	}
	b.specials = n.specials
	if len(b.rows) > 0 {
		if err := send(ctx, out, b); err != nil {
			return 0, nil, err
		}
	}
	return count, lastKey, nil
}

func send(ctx context.Context, out chan<- batch, b batch) error {
	select {
	case out <- b:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
