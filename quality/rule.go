// Package quality evaluates data-quality rules over a table's lake rows
// with DuckDB reading the Parquet files, and keeps each rule's observed
// value under _lakectl/checks/ so that the next check can compare. Rules
// over rows read only the files that are new since the last passing check.
package quality

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Rule types.
const (
	TypeRowCount       = "row_count"
	TypeFreshness      = "freshness"
	TypeUnique         = "unique"
	TypeNotNull        = "not_null"
	TypeAcceptedValues = "accepted_values"
	TypeRange          = "range"
	TypeSQL            = "sql"
)

// Severities and scopes.
const (
	SeverityError = "error"
	SeverityWarn  = "warn"
	ScopeNew      = "new" // the rows of files new since the last passing check
	ScopeAll      = "all" // every live row of the table
)

// Rule is one configured check (tables.<t>.checks[i]); the fields mirror
// the config keys so the config's struct converts to it.
type Rule struct {
	Type      string   `mapstructure:"type"`
	Name      string   `mapstructure:"name"`
	Columns   []string `mapstructure:"columns"`
	Column    string   `mapstructure:"column"`
	Values    []string `mapstructure:"values"`
	Min       string   `mapstructure:"min"`
	Max       string   `mapstructure:"max"`
	MaxChange string   `mapstructure:"max_change"`
	MaxAge    string   `mapstructure:"max_age"`
	Query     string   `mapstructure:"query"`
	Severity  string   `mapstructure:"severity"`
	Scope     string   `mapstructure:"scope"`
}

// RuleError is a rule that cannot be evaluated as configured.
type RuleError struct {
	Table string
	Index int
	Msg   string
}

func (e *RuleError) Error() string {
	return fmt.Sprintf("tables.%s.checks[%d]: %s", e.Table, e.Index, e.Msg)
}

// rule is a validated Rule with its parsed settings.
type rule struct {
	Rule
	id        string // unique within the table: the name, or type(columns)
	maxAge    time.Duration
	maxChange change
}

// change is a row_count max_change: a fraction ("50%") or a row count.
type change struct {
	set      bool
	percent  bool
	fraction float64
	rows     int64
}

// compile validates a table's rules and gives each a unique id.
func compile(table string, rules []Rule) ([]rule, error) {
	out := make([]rule, 0, len(rules))
	seen := map[string]int{}
	for i, r := range rules {
		c, msg := compileOne(r)
		if msg != "" {
			return nil, &RuleError{Table: table, Index: i, Msg: msg}
		}
		seen[c.id]++
		if n := seen[c.id]; n > 1 {
			c.id = fmt.Sprintf("%s#%d", c.id, n)
		}
		out = append(out, c)
	}
	return out, nil
}

func compileOne(r Rule) (rule, string) {
	c := rule{Rule: r}
	if c.Severity == "" {
		c.Severity = SeverityError
	}
	if c.Severity != SeverityError && c.Severity != SeverityWarn {
		return c, fmt.Sprintf("severity %q is not error or warn", r.Severity)
	}
	switch c.Scope {
	case "":
		c.Scope = ScopeNew
		if c.Type == TypeSQL {
			c.Scope = ScopeAll
		}
	case ScopeNew, ScopeAll:
	default:
		return c, fmt.Sprintf("scope %q is not new or all", r.Scope)
	}
	if msg := c.parse(); msg != "" {
		return c, msg
	}
	c.id = r.Name
	if c.id == "" {
		c.id = c.Type
		if cols := c.cols(); len(cols) > 0 {
			c.id += "(" + strings.Join(cols, ",") + ")"
		}
	}
	return c, ""
}

// parse checks the keys each type needs and parses its settings.
func (c *rule) parse() string {
	switch c.Type {
	case TypeRowCount:
		if c.Min == "" && c.Max == "" && c.MaxChange == "" {
			return "row_count needs min, max or max_change"
		}
		for _, b := range []string{c.Min, c.Max} {
			if _, err := parseInt(b); err != nil {
				return fmt.Sprintf("row_count bound %q is not a whole number", b)
			}
		}
		return c.parseChange()
	case TypeFreshness:
		if c.Column == "" || c.MaxAge == "" {
			return "freshness needs column and max_age (e.g. 1h)"
		}
		d, err := time.ParseDuration(c.MaxAge)
		if err != nil || d <= 0 {
			return fmt.Sprintf("max_age %q is not a duration such as 1h or 30m", c.MaxAge)
		}
		c.maxAge = d
	case TypeUnique, TypeNotNull:
		if len(c.Columns) == 0 {
			return c.Type + " needs columns"
		}
	case TypeAcceptedValues:
		if c.Column == "" || len(c.Values) == 0 {
			return "accepted_values needs column and values"
		}
	case TypeRange:
		if c.Column == "" || (c.Min == "" && c.Max == "") {
			return "range needs column and min or max"
		}
	case TypeSQL:
		if c.Query == "" || !strings.Contains(c.Query, "{table}") {
			return "sql needs a query that reads {table}"
		}
		if c.Name == "" {
			return "sql needs a name"
		}
	default:
		return fmt.Sprintf("type %q is not one of row_count, freshness, unique, not_null, accepted_values, range, sql", c.Type)
	}
	return ""
}

func (c *rule) parseChange() string {
	s := strings.TrimSpace(c.MaxChange)
	if s == "" {
		return ""
	}
	if p, ok := strings.CutSuffix(s, "%"); ok {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || f < 0 {
			return fmt.Sprintf("max_change %q is not a percentage such as 50%% or a row count", c.MaxChange)
		}
		c.maxChange = change{set: true, percent: true, fraction: f / 100}
		return ""
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return fmt.Sprintf("max_change %q is not a percentage such as 50%% or a row count", c.MaxChange)
	}
	c.maxChange = change{set: true, rows: n}
	return ""
}

// cols are the columns the rule names.
func (c *rule) cols() []string {
	if len(c.Columns) > 0 {
		return c.Columns
	}
	if c.Column != "" {
		return []string{c.Column}
	}
	return nil
}

func parseInt(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	return strconv.ParseInt(strings.TrimSpace(s), 10, 64)
}
