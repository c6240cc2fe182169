package catalog

import (
	"fmt"
	"strings"

	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/lake/schema"
)

// athenaProjection is the partition projection of a time unit: the folder
// value's format (Java DateTimeFormatter, as Athena reads it), the
// interval unit, and a range start when none was observed.
func athenaProjection(unit string) (format, interval, start string, ok bool) {
	switch unit {
	case "day":
		return "yyyy-MM-dd", "DAYS", "1970-01-01", true
	case "hour":
		return "yyyy-MM-dd'T'HH", "HOURS", "1970-01-01T00", true
	case "month":
		return "yyyy-MM", "MONTHS", "1970-01", true
	}
	return "", "", "", false
}

// HiveTable is a Glue/Athena external Parquet table over a lake table's
// location: the Athena DDL of a table and what a Glue
// publish creates, from one definition.
type HiveTable struct {
	Name          string
	Location      string       // s3://.../tables/<t>/, ending in "/"
	Columns       []HiveColumn // data columns (partition columns excluded)
	PartitionKeys []HiveColumn
	// Parameters are the table properties in order: classification, and
	// for time partitions Athena's partition projection.
	Parameters [][2]string
	// Projected says Athena finds the partitions by projection; otherwise
	// they must be registered (Glue partitions, MSCK REPAIR TABLE).
	Projected bool
	dataCols  []schema.Column
}

// HiveColumn is a column name and its Hive type.
type HiveColumn struct{ Name, Type string }

// NewHiveTable describes table (schema s, partitions parts) as an external
// Parquet table at location (the s3:// URL of tables/<t>/). Time
// partitions get partition projection; any other partition turns it off.
func NewHiveTable(table string, s schema.Schema, parts []Partition, location string) (*HiveTable, error) {
	if location == "" {
		return nil, input.Errorf("athena ddl for table %s needs the table's S3 location (s3://bucket/prefix/tables/%s/)", table, table)
	}
	loc := location
	if !strings.HasSuffix(loc, "/") {
		loc += "/"
	}
	if !strings.HasPrefix(loc, "s3://") {
		return nil, input.Errorf("athena ddl for table %s: location %q is not an s3:// URL; Athena reads only from S3", table, location)
	}
	h := &HiveTable{Name: strings.ToLower(table), Location: loc}
	// A partition column lives in the folder name; Athena rejects a data
	// column of the same name, and reads the value from the path.
	for _, c := range s.Columns {
		if !isPartition(parts, c.Name) {
			h.dataCols = append(h.dataCols, c)
			h.Columns = append(h.Columns, HiveColumn{c.Name, sqlType(Athena, c, DDLOptions{})})
		}
	}
	if len(h.dataCols) == 0 {
		return nil, fmt.Errorf("athena ddl for table %s: every column is a partition column", table)
	}
	h.Projected = len(parts) > 0
	for _, p := range parts {
		h.PartitionKeys = append(h.PartitionKeys, HiveColumn{p.Name, athenaPartitionType(p)})
		if _, _, _, ok := athenaProjection(p.Unit); !ok {
			h.Projected = false
		}
	}
	h.Parameters = [][2]string{{"classification", "parquet"}}
	if h.Projected {
		h.Parameters = append(h.Parameters, projection(parts, loc)...)
	}
	return h, nil
}

// projection is Athena's partition projection of time partitions.
func projection(parts []Partition, loc string) [][2]string {
	props := [][2]string{{"projection.enabled", "true"}}
	template := loc
	for _, p := range parts {
		format, interval, first, _ := athenaProjection(p.Unit)
		if p.First != "" {
			first = p.First
		}
		key := "projection." + p.Name + "."
		props = append(props,
			[2]string{key + "type", "date"},
			[2]string{key + "format", format},
			[2]string{key + "range", first + ",NOW"},
			[2]string{key + "interval", "1"},
			[2]string{key + "interval.unit", interval},
		)
		template += p.Name + "=${" + p.Name + "}/"
	}
	return append(props, [2]string{"storage.location.template", template})
}

// athenaDDL writes a Glue/Athena external Parquet table over the lake
// location. Time partitions get partition projection (no partitions to
// register); any other partition turns projection off, and the partitions
// must then be loaded with MSCK REPAIR TABLE (or lakectl catalog publish).
func athenaDDL(table string, s schema.Schema, opts DDLOptions) (string, error) {
	h, err := NewHiveTable(table, s, opts.Partitions, opts.Location)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(createTable(Athena, table, h.dataCols, opts) + "\n")
	if len(h.PartitionKeys) > 0 {
		parts := make([]string, len(h.PartitionKeys))
		for i, p := range h.PartitionKeys {
			parts[i] = "  " + quoteIdent(Athena, p.Name) + " " + p.Type
		}
		b.WriteString("PARTITIONED BY (\n" + strings.Join(parts, ",\n") + "\n)\n")
	}
	b.WriteString("STORED AS PARQUET\n")
	b.WriteString("LOCATION " + hiveString(h.Location) + "\n")
	lines := make([]string, len(h.Parameters))
	for i, p := range h.Parameters {
		lines[i] = "  " + hiveString(p[0]) + "=" + hiveString(p[1])
	}
	b.WriteString("TBLPROPERTIES (\n" + strings.Join(lines, ",\n") + "\n);\n")
	return b.String(), nil
}

// athenaPartitionType: time partitions are strings (the projection's date
// type only says how to format the folder value; Athena's own examples
// declare such keys STRING), others keep their type.
func athenaPartitionType(p Partition) string {
	if p.IsFolderColumn() && p.Type.Kind != schema.String && p.Type.Kind != schema.Invalid {
		return athenaType(p.Type) // declared in partition_types
	}
	if _, _, _, ok := athenaProjection(p.Unit); ok {
		return "string"
	}
	if p.Type.Kind == schema.Invalid {
		return "string"
	}
	return athenaType(p.Type)
}

// athenaType is Athena's type for t, which depends on no option.
func athenaType(t schema.Type) string {
	return sqlType(Athena, schema.Column{Type: t}, DDLOptions{})
}

func isPartition(parts []Partition, name string) bool {
	for _, p := range parts {
		if strings.EqualFold(p.Name, name) {
			return true
		}
	}
	return false
}

// athenaAlter writes Athena's statements for compatible changes: ADD
// COLUMNS, and CHANGE COLUMN for widening that Athena reads from Parquet
// (int to bigint, float to double, decimal precision).
func athenaAlter(target string, c Change, col schema.Column) ([]string, error) {
	switch c.Kind {
	case Added:
		return []string{fmt.Sprintf("ALTER TABLE %s ADD COLUMNS (%s %s);", target, quoteIdent(Athena, col.Name), athenaType(col.Type))}, nil
	case Widened:
		q := quoteIdent(Athena, col.Name)
		return []string{fmt.Sprintf("ALTER TABLE %s CHANGE COLUMN %s %s %s;", target, q, q, athenaType(col.Type))}, nil
	case Nullability:
		return nil, nil // external tables have no NOT NULL
	}
	return nil, fmt.Errorf("column %s: %s changes have no ALTER statement", c.Column, c.Kind)
}

// hiveString is a HiveQL string literal: single-quoted, or double-quoted
// when the value holds a single quote (the projection format
// yyyy-MM-dd'T'HH); Hive escapes with a backslash, not by doubling.
func hiveString(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	if strings.Contains(s, "'") {
		return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
	}
	return "'" + s + "'"
}
