package mysql

import (
	"context"
	"database/sql"
	"fmt"
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
	for i, c := range s.ti.Columns {
		cols[i] = quoteIdent(c.Name)
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
	n := len(spec.ti.Columns)
	raw := make([]sql.RawBytes, n)
	dest := make([]any, n)
	for i := range raw {
		dest[i] = &raw[i]
	}
	lastKey := make([][]byte, len(spec.key))
	var after []any
	var total int64
	get := func() batch {
		select {
		case b := <-free:
			b.rows, b.bytes, b.arena = b.rows[:0], 0, b.arena[:0]
			return b
		default:
			return newBatch(n)
		}
	}
	cur := get()
	cv.arena = cur.arena
	flush := func() error {
		if len(cur.rows) == 0 && cur.bytes == 0 {
			return nil
		}
		cur.arena = cv.arena
		select {
		case out <- cur:
		case <-ctx.Done():
			return ctx.Err()
		}
		cur = get()
		cv.arena = cur.arena
		return nil
	}
	for {
		q, args := spec.query(after)
		rows, err := conn.QueryContext(ctx, q, args...)
		if err != nil {
			return total, fmt.Errorf("read %s.%s: %w", spec.ti.DB, spec.ti.Name, err)
		}
		var inChunk int
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return total, fmt.Errorf("read %s.%s: %w", spec.ti.DB, spec.ti.Name, err)
			}
			inChunk++
			total++
			row := cur.next(n)
			for i := range raw {
				v, err := cv.value(i, raw[i])
				if err != nil {
					rows.Close()
					return total, fmt.Errorf("read %s.%s: %w", spec.ti.DB, spec.ti.Name, err)
				}
				row[i] = v
				cur.bytes += int64(len(raw[i]))
			}
			for j, ki := range spec.key {
				lastKey[j] = append(lastKey[j][:0], raw[ki]...)
			}
			if filter != nil && !filter(raw, row) {
				cur.drop()
				continue
			}
			if len(cur.rows) == batchRows {
				if err := flush(); err != nil {
					rows.Close()
					return total, err
				}
			}
		}
		if err := rows.Err(); err != nil {
			rows.Close()
			return total, fmt.Errorf("read %s.%s: %w", spec.ti.DB, spec.ti.Name, err)
		}
		rows.Close()
		if len(spec.key) == 0 || inChunk < spec.chunkRows {
			break
		}
		after = make([]any, len(spec.key))
		for j, ki := range spec.key {
			if after[j], err = keyArg(&spec.ti.Columns[ki], lastKey[j]); err != nil {
				return total, err
			}
		}
	}
	return total, flush()
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
