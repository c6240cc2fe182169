package catalog

import (
	"fmt"
	"strings"

	"github.com/lakectl/lakectl/internal/clierr"
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

// athenaDDL writes a Glue/Athena external Parquet table over the lake
// location. Time partitions get partition projection (no partitions to
// register); any other partition turns projection off, and the partitions
// must then be loaded with MSCK REPAIR TABLE.
func athenaDDL(table string, s schema.Schema, opts DDLOptions) (string, error) {
	if opts.Location == "" {
		return "", clierr.Usagef("athena ddl for table %s needs the table's S3 location (s3://bucket/prefix/tables/%s/)", table, table)
	}
	loc := opts.Location
	if !strings.HasSuffix(loc, "/") {
		loc += "/"
	}
	if !strings.HasPrefix(loc, "s3://") {
		return "", clierr.Usagef("athena ddl for table %s: location %q is not an s3:// URL; Athena reads only from S3", table, opts.Location)
	}
	// A partition column lives in the folder name; Athena rejects a data
	// column of the same name, and reads the value from the path.
	var cols []schema.Column
	for _, c := range s.Columns {
		if !isPartition(opts.Partitions, c.Name) {
			cols = append(cols, c)
		}
	}
	if len(cols) == 0 {
		return "", fmt.Errorf("athena ddl for table %s: every column is a partition column", table)
	}
	var b strings.Builder
	b.WriteString(createTable(Athena, table, cols, opts) + "\n")
	project := len(opts.Partitions) > 0
	if len(opts.Partitions) > 0 {
		parts := make([]string, len(opts.Partitions))
		for i, p := range opts.Partitions {
			parts[i] = "  " + quoteIdent(Athena, p.Name) + " " + athenaPartitionType(p)
			if _, _, _, ok := athenaProjection(p.Unit); !ok {
				project = false
			}
		}
		b.WriteString("PARTITIONED BY (\n" + strings.Join(parts, ",\n") + "\n)\n")
	}
	b.WriteString("STORED AS PARQUET\n")
	b.WriteString("LOCATION " + hiveString(loc) + "\n")
	props := [][2]string{{"classification", "parquet"}}
	if project {
		props = append(props, [2]string{"projection.enabled", "true"})
		template := loc
		for _, p := range opts.Partitions {
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
		props = append(props, [2]string{"storage.location.template", template})
	}
	lines := make([]string, len(props))
	for i, p := range props {
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
