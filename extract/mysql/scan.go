package mysql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/lakectl/lakectl/lake/schema"
)

// batchRows is how many rows one batch carries from a reader to a writer.
const batchRows = 2048

// batch is a run of converted rows and the source bytes they came from.
type batch struct {
	rows  []schema.Row
	vals  []schema.Value // backing array of rows
	arena []byte         // last block of string bytes the values point into
	bytes int64          // source bytes (text protocol) of the rows
}

// keyRange is a slice of the chunking key's space: rows whose key is
// > lower (nil: from the start) and <= upper (nil: to the end).
type keyRange struct {
	lower, upper []any
}

// scanSpec is one keyset-chunked read of the table.
type scanSpec struct {
	ti        *tableInfo
	key       []int    // chunking key, indexes into ti.Columns (empty: one unordered stream)
	where     []string // predicates ANDed with the keyset condition
	whereArgs []any
	chunkRows int
	rng       keyRange
}

// rowFilter sees every row before it is batched and may drop it (the
// incremental dedupe). raw is valid only during the call.
type rowFilter func(raw []sql.RawBytes, row schema.Row) bool

func quoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

func quoteTable(db, t string) string { return quoteIdent(db) + "." + quoteIdent(t) }

// placeholder is the parameter marker for a key value of column c: exact
// decimal comparison needs a decimal operand, not a string (compared as
// double).
func placeholder(c *column) string {
	if c.Type.Kind == schema.Decimal {
		return fmt.Sprintf("CAST(? AS DECIMAL(%d,%d))", c.Type.Precision, c.Type.Scale)
	}
	return "?"
}

// keyCond renders (k1,k2,..) > (v1,v2,..) (op ">") or <= (op "<="),
// expanded so that every server's range optimizer uses the index:
// k1 > ? OR (k1 = ? AND (k2 > ? ...)).
func (s *scanSpec) keyCond(op string, vals []any) (string, []any) {
	var sb strings.Builder
	var args []any
	last := len(s.key) - 1
	for i, ki := range s.key {
		c := &s.ti.Columns[ki]
		name, ph := quoteIdent(c.Name), placeholder(c)
		if i == last {
			cmp := ">"
			if op == "<=" {
				cmp = "<="
			}
			fmt.Fprintf(&sb, "%s %s %s", name, cmp, ph)
			args = append(args, vals[i])
			break
		}
		cmp := ">"
		if op == "<=" {
			cmp = "<"
		}
		fmt.Fprintf(&sb, "(%s %s %s OR (%s = %s AND ", name, cmp, ph, name, ph)
		args = append(args, vals[i], vals[i])
	}
	sb.WriteString(strings.Repeat("))", last))
	return "(" + sb.String() + ")", args
}

// query renders the next chunk's SELECT after the key values `after`.
func (s *scanSpec) query(after []any) (string, []any) {
	cols := make([]string, len(s.ti.Columns))
	for i := range s.ti.Columns {
		cols[i] = s.ti.Columns[i].selectExpr()
	}
	q := "SELECT " + strings.Join(cols, ", ") + " FROM " + quoteTable(s.ti.DB, s.ti.Name)
	conds := append([]string(nil), s.where...)
	args := append([]any(nil), s.whereArgs...)
	if len(s.key) > 0 {
		if after == nil {
			after = s.rng.lower
		}
		if after != nil {
			c, a := s.keyCond(">", after)
			conds, args = append(conds, c), append(args, a...)
		}
		if s.rng.upper != nil {
			c, a := s.keyCond("<=", s.rng.upper)
			conds, args = append(conds, c), append(args, a...)
		}
	}
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	if len(s.key) > 0 {
		order := make([]string, len(s.key))
		for i, ki := range s.key {
			order[i] = quoteIdent(s.ti.Columns[ki].Name)
		}
		q += " ORDER BY " + strings.Join(order, ", ") + " LIMIT " + strconv.Itoa(s.chunkRows)
	}
	return q, args
}

// keyArg turns a key column's raw bytes into a query argument that
// compares exactly: integers as integers (a string would compare as
// double), binary as bytes, everything else as its text.
func keyArg(c *column, b []byte) (any, error) {
	switch c.conv {
	case convInt, convBool, convYear:
		n, ok := parseInt(b)
		if !ok {
			return nil, fmt.Errorf("key column %q: bad integer %q", c.Name, b)
		}
		return n, nil
	case convUint:
		n, ok := parseUint(b)
		if !ok {
			return nil, fmt.Errorf("key column %q: bad integer %q", c.Name, b)
		}
		return n, nil
	case convBytes, convBit, convBitBool:
		return append([]byte(nil), b...), nil
	case convFloat32, convFloat64:
		return strconv.ParseFloat(string(b), 64)
	}
	return string(b), nil
}

// scan reads the spec's rows on conn chunk by chunk, converts them and
// sends them in batches to out. It returns the number of rows it read from
// the server (including rows the filter dropped).
//
// Batches come from free when one is there (the writer returns them after
// Write), so a long run allocates almost nothing per row.
func scan(ctx context.Context, conn *sql.Conn, spec *scanSpec, cv *converter, filter rowFilter, out chan<- batch, free <-chan batch) (int64, error) {
	s := newScanState(spec, cv, filter, out, free)
	var after []any
	for {
		q, args := spec.query(after)
		inChunk, err := s.chunk(ctx, conn, q, args)
		if err != nil {
			return s.total, fmt.Errorf("read %s.%s: %w", spec.ti.DB, spec.ti.Name, err)
		}
		if len(spec.key) == 0 || inChunk < spec.chunkRows {
			break
		}
		after = make([]any, len(spec.key))
		for j, ki := range spec.key {
			if after[j], err = keyArg(&spec.ti.Columns[ki], s.keyText(j)); err != nil {
				return s.total, err
			}
		}
	}
	return s.total, s.flush(ctx)
}

// scanState is one reader's row handling: conversion into the current
// batch, key tracking for the next chunk, the filter, and batch hand-off.
type scanState struct {
	spec    *scanSpec
	cv      *converter
	filter  rowFilter
	out     chan<- batch
	free    <-chan batch
	ncols   int
	cur     batch
	dest    []driver.Value // one row as the driver returns it
	raw     []sql.RawBytes // the row as text, for the filter
	rawBuf  [][]byte       // per column: the text of a non-[]byte value
	lastKey [][]byte       // the last row's key columns as text
	lastNum []driver.Value // or, for integer key columns, as the driver parsed them
	sqlRaw  []sql.RawBytes // database/sql fallback: scan targets
	sqlDest []any
	total   int64
}

func newScanState(spec *scanSpec, cv *converter, filter rowFilter, out chan<- batch, free <-chan batch) *scanState {
	n := len(spec.ti.Columns)
	s := &scanState{spec: spec, cv: cv, filter: filter, out: out, free: free, ncols: n,
		dest: make([]driver.Value, n), lastKey: make([][]byte, len(spec.key)),
		lastNum: make([]driver.Value, len(spec.key))}
	if filter != nil {
		s.raw = make([]sql.RawBytes, n)
		s.rawBuf = make([][]byte, n)
	}
	s.cur = s.get()
	cv.arena = s.cur.arena
	return s
}

func (s *scanState) get() batch {
	select {
	case b := <-s.free:
		b.rows, b.bytes, b.arena = b.rows[:0], 0, b.arena[:0]
		return b
	default:
		return newBatch(s.ncols)
	}
}

func (s *scanState) flush(ctx context.Context) error {
	if len(s.cur.rows) == 0 && s.cur.bytes == 0 {
		return nil
	}
	s.cur.arena = s.cv.arena
	select {
	case s.out <- s.cur:
	case <-ctx.Done():
		return ctx.Err()
	}
	s.cur = s.get()
	s.cv.arena = s.cur.arena
	return nil
}

// keyText is the last row's key column j as text.
func (s *scanState) keyText(j int) []byte {
	if v := s.lastNum[j]; v != nil {
		s.lastKey[j] = appendText(s.lastKey[j][:0], v)
	}
	return s.lastKey[j]
}

// errNoRaw says the driver connection cannot run the query itself (not
// go-sql-driver, or parameters it does not interpolate): use database/sql.
var errNoRaw = errors.New("query needs database/sql")

// chunk runs one query and handles its rows. It reads straight from the
// driver (driver.Rows.Next): database/sql's per-row locking and per-value
// Scan conversion would cost as much CPU as the conversion to lake values,
// and integers would make a round trip through text. It returns the rows
// read.
func (s *scanState) chunk(ctx context.Context, conn *sql.Conn, q string, args []any) (int, error) {
	var n int
	err := conn.Raw(func(dc any) error {
		qc, ok := dc.(driver.QueryerContext)
		if !ok {
			return errNoRaw
		}
		nv, err := namedValues(dc, args)
		if err != nil {
			return errNoRaw
		}
		rows, err := qc.QueryContext(ctx, q, nv)
		if errors.Is(err, driver.ErrSkip) {
			return errNoRaw
		}
		if err != nil {
			return err
		}
		for {
			err := rows.Next(s.dest)
			if errors.Is(err, io.EOF) {
				break
			}
			if err == nil {
				n++
				err = s.row(ctx, s.dest)
			}
			if err != nil {
				_ = rows.Close()
				return err
			}
		}
		return rows.Close()
	})
	if !errors.Is(err, errNoRaw) {
		return n, err
	}
	return s.chunkSQL(ctx, conn, q, args)
}

// chunkSQL is chunk through database/sql, every value as text.
func (s *scanState) chunkSQL(ctx context.Context, conn *sql.Conn, q string, args []any) (int, error) {
	if s.sqlRaw == nil {
		s.sqlRaw = make([]sql.RawBytes, s.ncols)
		s.sqlDest = make([]any, s.ncols)
		for i := range s.sqlRaw {
			s.sqlDest[i] = &s.sqlRaw[i]
		}
	}
	rows, err := conn.QueryContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n int
	for rows.Next() {
		if err := rows.Scan(s.sqlDest...); err != nil {
			return n, err
		}
		for i, b := range s.sqlRaw {
			if b == nil {
				s.dest[i] = nil
			} else {
				s.dest[i] = []byte(b)
			}
		}
		n++
		if err := s.row(ctx, s.dest); err != nil {
			return n, err
		}
	}
	return n, rows.Err()
}

// namedValues converts query arguments as database/sql would.
func namedValues(dc any, args []any) ([]driver.NamedValue, error) {
	nv := make([]driver.NamedValue, len(args))
	checker, _ := dc.(driver.NamedValueChecker)
	for i, a := range args {
		nv[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
		if checker != nil {
			if err := checker.CheckNamedValue(&nv[i]); err == nil {
				continue
			} else if !errors.Is(err, driver.ErrSkip) {
				return nil, err
			}
		}
		v, err := driver.DefaultParameterConverter.ConvertValue(a)
		if err != nil {
			return nil, err
		}
		nv[i].Value = v
	}
	return nv, nil
}

// row converts one row into the current batch, remembers its key, applies
// the filter and hands the batch on when full.
func (s *scanState) row(ctx context.Context, vals []driver.Value) error {
	s.total++
	row := s.cur.next(s.ncols)
	var size int64
	for i, v := range vals {
		n, err := s.cv.fromDriver(&row[i], i, v)
		if err != nil {
			return err
		}
		size += int64(n)
	}
	s.cur.bytes += size
	for j, ki := range s.spec.key {
		// Integers are kept as the driver's immutable values and rendered
		// once per chunk (keyText), not once per row.
		switch v := vals[ki]; v.(type) {
		case int64, uint64:
			s.lastNum[j] = v
		default:
			s.lastNum[j] = nil
			s.lastKey[j] = appendText(s.lastKey[j][:0], v)
		}
	}
	if s.filter != nil {
		for i, v := range vals {
			if b, ok := v.([]byte); ok || v == nil {
				s.raw[i] = b
				continue
			}
			s.rawBuf[i] = appendText(s.rawBuf[i][:0], v)
			s.raw[i] = s.rawBuf[i]
		}
		if !s.filter(s.raw, row) {
			s.cur.drop()
			return nil
		}
	}
	if len(s.cur.rows) == batchRows {
		return s.flush(ctx)
	}
	return nil
}

// newBatch allocates a batch whose rows share one backing array.
func newBatch(ncols int) batch {
	return batch{rows: make([]schema.Row, 0, batchRows), vals: make([]schema.Value, batchRows*ncols)}
}

// next appends a row slot to the batch.
func (b *batch) next(ncols int) schema.Row {
	i := len(b.rows)
	row := b.vals[i*ncols : (i+1)*ncols : (i+1)*ncols]
	b.rows = append(b.rows, row)
	return row
}

// drop removes the last row (filtered out).
func (b *batch) drop() { b.rows = b.rows[:len(b.rows)-1] }
