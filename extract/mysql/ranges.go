package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// splitRanges cuts the key space into up to n ranges of similar size for
// parallel readers. A single integer key is cut arithmetically between
// its MIN and MAX; any other key at sampled boundaries (the key at row
// offsets i*rows/n, from the table's row estimate). Any boundaries are
// correct: the ranges always cover the whole key space exactly once.
func splitRanges(ctx context.Context, conn *sql.Conn, spec *scanSpec, n int, estimate int64) ([]keyRange, error) {
	if n <= 1 || len(spec.key) == 0 {
		return []keyRange{{}}, nil
	}
	var bounds [][]any
	var err error
	if c := &spec.ti.Columns[spec.key[0]]; len(spec.key) == 1 && (c.conv == convInt || c.conv == convUint) {
		bounds, err = intBounds(ctx, conn, spec, n)
	} else {
		bounds, err = sampledBounds(ctx, conn, spec, n, estimate)
	}
	if err != nil {
		return nil, err
	}
	ranges := make([]keyRange, 0, len(bounds)+1)
	var lower []any
	for _, b := range bounds {
		ranges = append(ranges, keyRange{lower: lower, upper: b})
		lower = b
	}
	return append(ranges, keyRange{lower: lower}), nil
}

func (s *scanSpec) whereSQL() string {
	if len(s.where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(s.where, " AND ")
}

func intBounds(ctx context.Context, conn *sql.Conn, spec *scanSpec, n int) ([][]any, error) {
	c := &spec.ti.Columns[spec.key[0]]
	q := fmt.Sprintf("SELECT MIN(%s), MAX(%s) FROM %s%s", quoteIdent(c.Name), quoteIdent(c.Name),
		quoteTable(spec.ti.DB, spec.ti.Name), spec.whereSQL())
	var lo, hi sql.NullString
	if err := conn.QueryRowContext(ctx, q, spec.whereArgs...).Scan(&lo, &hi); err != nil {
		return nil, fmt.Errorf("find the key range of %s.%s: %w", spec.ti.DB, spec.ti.Name, err)
	}
	if !lo.Valid || !hi.Valid {
		return nil, nil // empty: one range
	}
	var bounds [][]any
	if c.conv == convUint {
		a, err1 := strconv.ParseUint(lo.String, 10, 64)
		b, err2 := strconv.ParseUint(hi.String, 10, 64)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("key range of %s.%s: %w", spec.ti.DB, spec.ti.Name, err)
		}
		step := (b - a) / uint64(n)
		for i := 1; i < n && step > 0; i++ {
			bounds = append(bounds, []any{a + step*uint64(i)})
		}
		return bounds, nil
	}
	a, err1 := strconv.ParseInt(lo.String, 10, 64)
	b, err2 := strconv.ParseInt(hi.String, 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("key range of %s.%s: %w", spec.ti.DB, spec.ti.Name, err)
	}
	step := (uint64(b) - uint64(a)) / uint64(n) // two's complement: no overflow
	for i := 1; i < n && step > 0; i++ {
		bounds = append(bounds, []any{int64(uint64(a) + step*uint64(i))})
	}
	return bounds, nil
}

func sampledBounds(ctx context.Context, conn *sql.Conn, spec *scanSpec, n int, estimate int64) ([][]any, error) {
	if estimate < int64(n)*int64(spec.chunkRows)/4 {
		return nil, nil // small table: one range
	}
	names := make([]string, len(spec.key))
	for i, ki := range spec.key {
		names[i] = quoteIdent(spec.ti.Columns[ki].Name)
	}
	cols := strings.Join(names, ", ")
	var bounds [][]any
	for i := 1; i < n; i++ {
		q := fmt.Sprintf("SELECT %s FROM %s%s ORDER BY %s LIMIT 1 OFFSET %d", cols,
			quoteTable(spec.ti.DB, spec.ti.Name), spec.whereSQL(), cols, estimate*int64(i)/int64(n))
		raw := make([]sql.RawBytes, len(spec.key))
		dest := make([]any, len(raw))
		for j := range raw {
			dest[j] = &raw[j]
		}
		rows, err := conn.QueryContext(ctx, q, spec.whereArgs...)
		if err != nil {
			return nil, fmt.Errorf("sample key boundaries of %s.%s: %w", spec.ti.DB, spec.ti.Name, err)
		}
		var b []any
		if rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return nil, fmt.Errorf("sample key boundaries of %s.%s: %w", spec.ti.DB, spec.ti.Name, err)
			}
			b = make([]any, len(raw))
			for j, ki := range spec.key {
				if raw[j] == nil {
					rows.Close()
					return nil, nil // a NULL in the key: do not split
				}
				if b[j], err = keyArg(&spec.ti.Columns[ki], raw[j]); err != nil {
					rows.Close()
					return nil, err
				}
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("sample key boundaries of %s.%s: %w", spec.ti.DB, spec.ti.Name, err)
		}
		if b == nil {
			break
		}
		bounds = append(bounds, b)
	}
	return bounds, nil
}
