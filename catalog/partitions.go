package catalog

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

// Time partition folders, as lake/table writes them for
// the partition rule COL:unit: <col>_day=2026-11-23, <col>_hour=2026-11-23T14,
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

// partitionScan collects the partition levels of a table's file keys, and
// the layouts (lists of folder keys) the files use.
type partitionScan struct {
	order   []*partitionStats
	by      map[string]*partitionStats
	layouts []layout
}

// layout is one list of folder keys ("" for files at the table's root)
// and the first file seen in it.
type layout struct {
	keys, file string
}

func newPartitionScan() *partitionScan { return &partitionScan{by: map[string]*partitionStats{}} }

// noteLayout remembers the folder keys of one file.
func (p *partitionScan) noteLayout(keys []string, rel string) {
	k := strings.Join(keys, "/")
	for _, l := range p.layouts {
		if l.keys == k {
			return
		}
	}
	p.layouts = append(p.layouts, layout{keys: k, file: rel})
}

// mixed returns two files of different layouts, when the table has more
// than one.
func (p *partitionScan) mixed() (a, b layout, ok bool) {
	if len(p.layouts) < 2 {
		return a, b, false
	}
	return p.layouts[0], p.layouts[1], true
}

// add reads the <name>=<value>/ folders of one file key (relative to the
// table's folder).
func (p *partitionScan) add(rel string) error {
	segs := strings.Split(rel, "/")
	keys := make([]string, 0, len(segs)-1)
	defer func() { p.noteLayout(keys, rel) }()
	for _, seg := range segs[:len(segs)-1] {
		name, value, ok := strings.Cut(seg, "=")
		if !ok || name == "" {
			return fmt.Errorf("folder %q is not a Hive partition folder <column>=<value>", seg)
		}
		name = strings.ToLower(name)
		keys = append(keys, name)
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

// result types each partition level: time partitions of a file column by
// their unit, a level named after a column by that column's type. Any
// other level is a folder column (its value only in the folder name): a
// string unless types declares it (tables.<t>.partition_types); date-like
// values (dt=2026-11-23) also get a day unit, for Athena's projection.
func (p *partitionScan) result(s schema.Schema, types map[string]schema.Type) []Partition {
	if len(p.order) == 0 {
		return nil
	}
	out := make([]Partition, 0, len(p.order))
	for _, st := range p.order {
		part := Partition{Name: st.name, Type: schema.TString}
		folder := table.FolderColumn(st.name, s)
		switch {
		case !folder && st.unit != "" && st.allUnit && s.Index(st.source) >= 0:
			part.Unit, part.Source, part.First = st.unit, s.Columns[s.Index(st.source)].Name, st.first
			if st.unit == "day" {
				part.Type = schema.TDate
			}
		case !folder && s.Index(st.name) >= 0:
			part.Type, part.Source = s.Columns[s.Index(st.name)].Type, s.Columns[s.Index(st.name)].Name
		case !folder:
			// <col>_part (or a time unit whose values do not parse) of a
			// file column: integers as int64, else strings.
			base := st.name[:strings.LastIndex(st.name, "_")]
			part.Source = s.Columns[s.Index(base)].Name
			if st.allInts {
				part.Type = schema.TInt64
			}
		default:
			if t, ok := lookupType(types, st.name); ok {
				part.Type = t
			}
			if st.allDays {
				part.Unit, part.First = "day", st.first
			}
		}
		out = append(out, part)
	}
	return out
}

func lookupType(types map[string]schema.Type, name string) (schema.Type, bool) {
	for k, t := range types {
		if strings.EqualFold(k, name) {
			return t, true
		}
	}
	return schema.Type{}, false
}

// ParsePartitionTypes reads the types of folder keys (dt: date), as the
// config's tables.<t>.partition_types gives them.
func ParsePartitionTypes(m map[string]string) (map[string]schema.Type, error) {
	if len(m) == 0 {
		return nil, nil
	}
	out := make(map[string]schema.Type, len(m))
	for k, v := range m {
		t, err := schema.ParseType(v)
		if err != nil {
			return nil, fmt.Errorf("type of folder key %s: %w", k, err)
		}
		out[strings.ToLower(k)] = t
	}
	return out, nil
}

// IsFolderColumn reports whether the partition's value lives only in the
// folder name (a folder written by another tool): a column of the table
// that the files lack.
func (p Partition) IsFolderColumn() bool { return p.Source == "" }

// WithFolderColumns returns s with the folder columns of parts appended
// (nullable: Hive's default partition reads as NULL): the table's columns
// as a reader of the files and their folders sees them.
func WithFolderColumns(s schema.Schema, parts []Partition) schema.Schema {
	out := schema.Schema{Columns: append([]schema.Column(nil), s.Columns...)}
	for _, p := range parts {
		if p.IsFolderColumn() && out.Index(p.Name) < 0 {
			out.Columns = append(out.Columns, schema.Column{Name: p.Name, Type: p.Type, Nullable: true})
		}
	}
	return out
}

// TimePartition is the partition a writer creates for the partition rule
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
