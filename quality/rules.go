package quality

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// outcome is one rule's evaluation before it becomes a RuleResult.
type outcome struct {
	fail     bool
	observed string
	value    *float64
	newest   *time.Time // freshness
}

func num(v float64) *float64 { return &v }

// evalContext is what rules read: the scanner, the rows added, the
// previous state and the clock.
type evalContext struct {
	sc      *scanner
	newRows int64
	prev    RuleState
	now     time.Time
}

// eval runs one rule.
func (r *rule) eval(ctx context.Context, ec *evalContext) (outcome, error) {
	switch r.Type {
	case TypeRowCount:
		return r.rowCount(ec), nil
	case TypeFreshness:
		return r.freshness(ctx, ec)
	}
	view, ok, err := r.view(ctx, ec.sc)
	if err != nil || !ok {
		return outcome{observed: "no rows to check", value: num(0)}, err
	}
	switch r.Type {
	case TypeUnique:
		return r.count(ctx, ec.sc, fmt.Sprintf("SELECT count(*) FROM (SELECT 1 FROM %s GROUP BY %s HAVING count(*) > 1)", view, idents(r.Columns)), "duplicated keys")
	case TypeNotNull:
		conds := make([]string, len(r.Columns))
		for i, c := range r.Columns {
			conds[i] = quoteIdent(c) + " IS NULL"
		}
		return r.count(ctx, ec.sc, fmt.Sprintf("SELECT count(*) FROM %s WHERE %s", view, strings.Join(conds, " OR ")), "rows with NULL")
	case TypeAcceptedValues:
		vals := make([]string, len(r.Values))
		for i, v := range r.Values {
			vals[i] = quoteLit(v)
		}
		col := quoteIdent(r.Column)
		return r.count(ctx, ec.sc, fmt.Sprintf("SELECT count(*) FROM %s WHERE %s IS NOT NULL AND CAST(%s AS VARCHAR) NOT IN (%s)", view, col, col, strings.Join(vals, ", ")), "rows with other values")
	case TypeRange:
		col := quoteIdent(r.Column)
		var conds []string
		if r.Min != "" {
			conds = append(conds, fmt.Sprintf("%s < %s", col, literal(r.Min)))
		}
		if r.Max != "" {
			conds = append(conds, fmt.Sprintf("%s > %s", col, literal(r.Max)))
		}
		return r.count(ctx, ec.sc, fmt.Sprintf("SELECT count(*) FROM %s WHERE %s", view, strings.Join(conds, " OR ")), "rows out of range")
	default: // sql
		q := strings.ReplaceAll(r.Query, "{table}", view)
		return r.count(ctx, ec.sc, fmt.Sprintf("SELECT count(*) FROM (%s)", q), "rows returned")
	}
}

// view is the view the rule reads; false when it has no row to read.
func (r *rule) view(ctx context.Context, sc *scanner) (string, bool, error) {
	if r.Scope == ScopeAll {
		ok, err := sc.all(ctx)
		return viewAll, ok, err
	}
	ok, err := sc.news(ctx)
	return viewNew, ok, err
}

// count runs a query returning one count; a rule fails when it is not 0.
func (r *rule) count(ctx context.Context, sc *scanner, q, what string) (outcome, error) {
	var n int64
	if err := sc.db.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return outcome{}, fmt.Errorf("rule %s: %s", r.id, firstLine(err.Error()))
	}
	return outcome{fail: n > 0, observed: fmt.Sprintf("%d %s", n, what), value: num(float64(n))}, nil
}

func (r *rule) rowCount(ec *evalContext) outcome {
	n := ec.newRows
	o := outcome{observed: fmt.Sprintf("%d rows added", n), value: num(float64(n))}
	lo, _ := parseInt(r.Min)
	hi, _ := parseInt(r.Max)
	if r.Min != "" && n < lo {
		o.fail = true
		o.observed += fmt.Sprintf(" (min %d)", lo)
	}
	if r.Max != "" && n > hi {
		o.fail = true
		o.observed += fmt.Sprintf(" (max %d)", hi)
	}
	if !r.maxChange.set || ec.prev.Baseline == nil {
		return o
	}
	base := *ec.prev.Baseline
	diff := math.Abs(float64(n) - base)
	o.observed += fmt.Sprintf(", previous run %d", int64(base))
	switch {
	case r.maxChange.percent && base > 0:
		o.observed += fmt.Sprintf(" (%+.0f%%, max change %s)", (float64(n)-base)/base*100, r.MaxChange)
		o.fail = o.fail || diff/base > r.maxChange.fraction
	case !r.maxChange.percent:
		o.observed += fmt.Sprintf(" (max change %d)", r.maxChange.rows)
		o.fail = o.fail || diff > float64(r.maxChange.rows)
	}
	return o
}

func (r *rule) freshness(ctx context.Context, ec *evalContext) (outcome, error) {
	newest := ec.prev.Newest
	ok, err := ec.sc.news(ctx)
	if err != nil {
		return outcome{}, err
	}
	if ok {
		var v sql.NullString
		q := fmt.Sprintf("SELECT CAST(max(%s) AS VARCHAR) FROM %s", quoteIdent(r.Column), viewNew)
		if err := ec.sc.db.QueryRowContext(ctx, q).Scan(&v); err != nil {
			return outcome{}, fmt.Errorf("rule %s: %s", r.id, firstLine(err.Error()))
		}
		if v.Valid {
			t, err := parseTime(v.String)
			if err != nil {
				return outcome{}, fmt.Errorf("rule %s: column %s is not a time: %w", r.id, r.Column, err)
			}
			if newest == nil || t.After(*newest) {
				newest = &t
			}
		}
	}
	if newest == nil {
		return outcome{fail: true, observed: "no value of " + r.Column + " yet"}, nil
	}
	age := ec.now.Sub(*newest).Truncate(time.Second)
	return outcome{
		fail:     age > r.maxAge,
		observed: fmt.Sprintf("newest %s is %s old (max %s)", newest.UTC().Format(time.RFC3339), age, r.maxAge),
		value:    num(age.Seconds()),
		newest:   newest,
	}, nil
}

// parseTime reads DuckDB's text form of a DATE, TIMESTAMP or TIMESTAMPTZ.
func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999Z07", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot read %q as a time", s)
}

// literal is a bound as SQL: a number as is, anything else quoted (DuckDB
// casts the string to the column's type: dates, timestamps).
func literal(s string) string {
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return s
	}
	return quoteLit(s)
}

func idents(cols []string) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = quoteIdent(c)
	}
	return strings.Join(out, ", ")
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
