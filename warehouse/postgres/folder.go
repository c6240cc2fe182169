package postgres

import (
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/warehouse/driver"
)

// folderValues are the folder values of a file as the Go values pgx
// encodes into each column's PostgreSQL type (catalog.DDL's).
func folderValues(vs []driver.FolderValue) ([]any, error) {
	out := make([]any, len(vs))
	for i, v := range vs {
		if v.Null {
			continue
		}
		x, err := folderValue(v)
		if err != nil {
			return nil, fmt.Errorf("folder %s=%s is not a %s: %w", v.Name, v.Value, v.Type, err)
		}
		out[i] = x
	}
	return out, nil
}

func folderValue(v driver.FolderValue) (any, error) {
	s := v.Value
	switch v.Type.Kind {
	case schema.Bool:
		return strconv.ParseBool(s)
	case schema.Int8, schema.Int16, schema.Int32:
		n, err := strconv.ParseInt(s, 10, 32)
		return int32(n), err
	case schema.Int64, schema.Uint8, schema.Uint16, schema.Uint32:
		return strconv.ParseInt(s, 10, 64)
	case schema.Float32, schema.Float64:
		return strconv.ParseFloat(s, 64)
	case schema.Decimal, schema.Uint64:
		var n pgtype.Numeric
		return n, n.Scan(s)
	case schema.Date:
		t, err := time.Parse("2006-01-02", s)
		return pgtype.Date{Time: t, Valid: err == nil}, err
	case schema.Timestamp:
		return parseTimestamp(s)
	}
	return s, nil
}

// parseTimestamp reads the forms folder values take: RFC 3339, or a date
// and time with a space or a T, in UTC.
func parseTimestamp(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02T15", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a timestamp")
}
