package table

import (
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/lake/schema"
)

// Partition units of a PartitionRule.
const (
	UnitValue = ""      // the column's value itself
	UnitDay   = "day"   // YYYY-MM-DD of a Timestamp or Date column, UTC
	UnitHour  = "hour"  // YYYY-MM-DDTHH of a Timestamp column, UTC
	UnitMonth = "month" // YYYY-MM of a Timestamp or Date column, UTC
)

// DefaultPartition is the folder value of a NULL (or empty) partition
// value, as Hive names it; engines read it back as NULL.
const DefaultPartition = "__HIVE_DEFAULT_PARTITION__"

// PartitionRule says how rows map to Hive partition folders. The zero
// rule writes no partition folders.
//
// The folder key never equals a column of the file: DuckDB (and Hive,
// Spark) replace a file column by a same-named partition column and infer
// its type from the folder text (a VARCHAR "2026-01-02" comes back as a
// DATE, an INTEGER as a BIGINT), so the folder is named "<col>_<unit>="
// for time units and "<col>_part=" for a plain value.
type PartitionRule struct {
	Column string // the partition column, as in the schema
	Unit   string // UnitValue, UnitDay, UnitHour or UnitMonth
}

// ParsePartitionRule reads "col", "col:day", "col:hour" or "col:month"
// (the partition-by option). "" is the zero rule. Bad input is a usage
// error.
func ParsePartitionRule(s string) (PartitionRule, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return PartitionRule{}, nil
	}
	col, unit, _ := strings.Cut(s, ":")
	r := PartitionRule{Column: col, Unit: strings.ToLower(unit)}
	if err := r.validateName(); err != nil {
		return PartitionRule{}, err
	}
	switch r.Unit {
	case UnitValue, UnitDay, UnitHour, UnitMonth:
	default:
		return PartitionRule{}, input.Errorf("invalid partition rule %q: unit must be day, hour or month", s)
	}
	return r, nil
}

func (r PartitionRule) validateName() error {
	if r.Column == "" || len(r.Column) > MaxNameLen {
		return input.Errorf("invalid partition column %q: want 1 to %d characters", r.Column, MaxNameLen)
	}
	for i := 0; i < len(r.Column); i++ {
		c := r.Column[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return input.Errorf("invalid partition column %q: only A-Z, a-z, 0-9 and _ can name a partition folder", r.Column)
		}
	}
	return nil
}

// IsZero reports whether the rule writes no partition folders.
func (r PartitionRule) IsZero() bool { return r.Column == "" }

// String renders the rule as ParsePartitionRule reads it.
func (r PartitionRule) String() string {
	if r.Unit == UnitValue {
		return r.Column
	}
	return r.Column + ":" + r.Unit
}

// Key is the Hive key of the rule's folders: "<col>_<unit>" or
// "<col>_part", lowercase, without leading '_' (Hive, Spark and Athena
// skip folders whose name starts with '_': _ingested_at:hour writes
// ingested_at_hour=...).
func (r PartitionRule) Key() string {
	unit := r.Unit
	if unit == UnitValue {
		unit = "part"
	}
	return strings.TrimLeft(strings.ToLower(r.Column), "_") + "_" + unit
}

// Check reports whether the rule can partition rows of schema s (the
// column exists and has a type the unit needs), so callers can refuse bad
// input before a transaction opens.
func (r PartitionRule) Check(s schema.Schema) error {
	_, err := newPartitioner(r, s)
	return err
}

// partitioner computes the folder of each row under a rule and schema.
type partitioner struct {
	rule PartitionRule
	col  int
	typ  schema.Type
}

func newPartitioner(r PartitionRule, s schema.Schema) (*partitioner, error) {
	if r.IsZero() {
		return nil, nil
	}
	if err := r.validateName(); err != nil {
		return nil, err
	}
	i := s.Index(r.Column)
	if i < 0 {
		return nil, input.Errorf("partition column %q is not a column of the table (columns: %s)", r.Column, strings.Join(s.Names(), ", "))
	}
	if s.Index(r.Key()) >= 0 {
		return nil, input.Errorf("partition folder key %q would collide with the table's column of that name", r.Key())
	}
	t := s.Columns[i].Type
	switch r.Unit {
	case UnitDay, UnitMonth:
		if t.Kind != schema.Timestamp && t.Kind != schema.Date {
			return nil, input.Errorf("partition rule %s needs a timestamp or date column; %s is %s", r, r.Column, t)
		}
	case UnitHour:
		if t.Kind != schema.Timestamp {
			return nil, input.Errorf("partition rule %s needs a timestamp column; %s is %s", r, r.Column, t)
		}
	}
	return &partitioner{rule: r, col: i, typ: t}, nil
}

// folder returns "<key>=<escaped value>" for row.
func (p *partitioner) folder(row schema.Row) string {
	return p.rule.Key() + "=" + p.value(row[p.col])
}

func (p *partitioner) value(v schema.Value) string {
	if v.IsNull() {
		return DefaultPartition
	}
	if p.rule.Unit != UnitValue {
		var t time.Time
		if p.typ.Kind == schema.Date {
			t = time.Unix(int64(v.Int32())*86400, 0).UTC()
		} else {
			t = time.UnixMicro(v.Int64()).UTC()
		}
		switch p.rule.Unit {
		case UnitDay:
			return t.Format("2006-01-02")
		case UnitHour:
			return t.Format("2006-01-02T15")
		default:
			return t.Format("2006-01")
		}
	}
	var s string
	switch g := schema.Go(p.typ, v).(type) {
	case bool:
		s = strconv.FormatBool(g)
	case int64:
		s = strconv.FormatInt(g, 10)
	case uint64:
		s = strconv.FormatUint(g, 10)
	case float64:
		s = strconv.FormatFloat(g, 'g', -1, 64)
	case string:
		s = g
	case []byte:
		s = hex.EncodeToString(g)
	case time.Time:
		if p.typ.Kind == schema.Date {
			s = g.Format("2006-01-02")
		} else {
			s = g.Format("2006-01-02T15:04:05.999999Z")
		}
	case time.Duration:
		s = g.String()
	}
	return EscapePartitionValue(s)
}

// EscapePartitionValue percent-escapes every byte outside [A-Za-z0-9._-]
// (and a leading '.' or '_', which engines treat as hidden), so a value is
// one safe key segment. "" becomes DefaultPartition. DuckDB, Hive and
// Spark unescape %XX when they read the folder.
func EscapePartitionValue(s string) string {
	if s == "" {
		return DefaultPartition
	}
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		safe := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' ||
			(c == '.' || c == '_') && i > 0
		if safe {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}
