package warehouse

import (
	"fmt"
	"strings"
	"time"

	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
	"github.com/lakectl/lakectl/warehouse/driver"
)

// partitionCondition is the SQL condition selecting a partition's rows in
// the warehouse, from its lake folder "<col>_<unit>=<value>" (or a folder
// column's "<col>=<value>", compared as text): a half-open
// time range for day/hour/month folders, a text comparison for plain
// values, IS NULL for Hive's default partition. The SQL is the same in
// DuckDB, PostgreSQL and Redshift.
func partitionCondition(s schema.Schema, key, value string, literal func(string) string) (string, error) {
	if ci := s.Index(key); ci >= 0 {
		// A folder column (dt=... of another tool): its value is the text.
		q := driver.QuoteIdent(s.Columns[ci].Name)
		if value == table.DefaultPartition {
			return q + " IS NULL", nil
		}
		return fmt.Sprintf("CAST(%s AS VARCHAR) = %s", q, literal(value)), nil
	}
	i := strings.LastIndex(key, "_")
	if i <= 0 {
		return "", fmt.Errorf("partition folder key %q is not <column>_<unit>", key)
	}
	colName, unit := key[:i], key[i+1:]
	ci := s.Index(colName)
	if ci < 0 {
		return "", fmt.Errorf("partition column %q is not a column of the files", colName)
	}
	col := s.Columns[ci]
	q := driver.QuoteIdent(col.Name)
	if value == table.DefaultPartition {
		if col.Type.Kind == schema.String && unit == "part" {
			return fmt.Sprintf("(%s IS NULL OR %s = '')", q, q), nil
		}
		return q + " IS NULL", nil
	}
	var layout string
	var next func(time.Time) time.Time
	switch unit {
	case "part":
		return fmt.Sprintf("CAST(%s AS VARCHAR) = %s", q, literal(value)), nil
	case table.UnitDay:
		layout, next = "2006-01-02", func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }
	case table.UnitHour:
		layout, next = "2006-01-02T15", func(t time.Time) time.Time { return t.Add(time.Hour) }
	case table.UnitMonth:
		layout, next = "2006-01", func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }
	default:
		return "", fmt.Errorf("partition folder key %q: unknown unit %q", key, unit)
	}
	from, err := time.Parse(layout, value)
	if err != nil {
		return "", fmt.Errorf("partition value %q of %s: %w", value, key, err)
	}
	to := next(from)
	lit := func(t time.Time) string {
		if col.Type.Kind == schema.Date {
			return "'" + t.Format("2006-01-02") + "'::date"
		}
		return "'" + t.Format("2006-01-02 15:04:05") + "+00'::timestamptz"
	}
	return fmt.Sprintf("(%s >= %s AND %s < %s)", q, lit(from), q, lit(to)), nil
}
