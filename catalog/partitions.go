package catalog

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lakectl/lakectl/lake/schema"
)

// Time partition folders, as lake/table writes them for
// --partition-by COL:unit: <col>_day=2026-11-23, <col>_hour=2026-11-23T14,
// <col>_month=2026-11.
func timeUnits() []struct{ suffix, unit, layout string } {
	return []struct{ suffix, unit, layout string }{
		{"_day", "day", "2006-01-02"},
		{"_hour", "hour", "2006-01-02T15"},
		{"_month", "month", "2006-01"},
	}
}

// partitionStats gathers what the folder values of one partition level say.
type partitionStats struct {
	name         string
	allInts      bool
	allDays      bool
	allUnit      bool // every value parses in the unit's layout
	unit, source string
	layout       string
	first        string
}

// partitionScan collects the partition levels of a table's file keys.
type partitionScan struct {
	order []*partitionStats
	by    map[string]*partitionStats
}

func newPartitionScan() *partitionScan { return &partitionScan{by: map[string]*partitionStats{}} }

// add reads the <name>=<value>/ folders of one file key (relative to the
// table's folder).
func (p *partitionScan) add(rel string) error {
	segs := strings.Split(rel, "/")
	for _, seg := range segs[:len(segs)-1] {
		name, value, ok := strings.Cut(seg, "=")
		if !ok || name == "" {
			return fmt.Errorf("folder %q is not a Hive partition folder <column>=<value>", seg)
		}
		name = strings.ToLower(name)
		st := p.by[name]
		if st == nil {
			st = &partitionStats{name: name, allInts: true, allDays: true, allUnit: true}
			for _, u := range timeUnits() {
				if base, ok := strings.CutSuffix(name, u.suffix); ok && base != "" {
					st.unit, st.source, st.layout = u.unit, base, u.layout
				}
			}
			if st.unit == "" {
				st.allUnit = false
			}
			p.by[name] = st
			p.order = append(p.order, st)
		}
		if _, err := strconv.ParseInt(value, 10, 64); err != nil {
			st.allInts = false
		}
		if _, err := time.Parse("2006-01-02", value); err != nil {
			st.allDays = false
		}
		if st.unit != "" {
			if _, err := time.Parse(st.layout, value); err != nil {
				st.allUnit = false
			}
		}
		// Fixed-width time values sort as strings.
		if st.first == "" || value < st.first {
			st.first = value
		}
	}
	return nil
}

// result types each partition level: time partitions by their unit, a
// level named after a column by that column's type, date-looking values
// (dt=2026-11-23) as a day partition, integers as int64, else string.
func (p *partitionScan) result(s schema.Schema) []Partition {
	if len(p.order) == 0 {
		return nil
	}
	out := make([]Partition, 0, len(p.order))
	for _, st := range p.order {
		part := Partition{Name: st.name, Type: schema.TString}
		switch {
		case st.unit != "" && st.allUnit:
			part.Unit, part.Source, part.First = st.unit, st.source, st.first
			if i := s.Index(st.source); i >= 0 {
				part.Source = s.Columns[i].Name
			}
			if st.unit == "day" {
				part.Type = schema.TDate
			}
		case s.Index(st.name) >= 0:
			part.Type, part.Source = s.Columns[s.Index(st.name)].Type, s.Columns[s.Index(st.name)].Name
		case st.allDays:
			part.Unit, part.Type, part.First = "day", schema.TDate, st.first
		case st.allInts:
			part.Type = schema.TInt64
		}
		out = append(out, part)
	}
	return out
}

// TimePartition is the partition a writer creates for --partition-by
// COL:unit (unit day, hour or month; "" or any other unit: the column's own
// values, named after the column), for RecordOptions.Partitions.
func TimePartition(column string, t schema.Type, unit string) Partition {
	switch unit {
	case "day":
		return Partition{Name: strings.ToLower(column) + "_day", Type: schema.TDate, Source: column, Unit: unit}
	case "hour", "month":
		return Partition{Name: strings.ToLower(column) + "_" + unit, Type: schema.TString, Source: column, Unit: unit}
	}
	return Partition{Name: strings.ToLower(column), Type: t, Source: column}
}
