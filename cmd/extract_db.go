package cmd

import (
	"fmt"
	"io"
	"strings"

	"github.com/lakectl/lakectl/internal/config"
)

// Helpers that the database extracts (extract mysql, extract postgres and
// their jobs) share.

// printExtracted is the first line of a MySQL or PostgreSQL extract's
// result.
func printExtracted(w io.Writer, source, table, mode, op string, rows, files, bytes int64, seconds float64) {
	fmt.Fprintf(w, "extracted %s into tables/%s (%s, %s): %d rows, %d files, %s in %.1fs\n",
		source, table, mode, op, rows, files, humanBytes(bytes), seconds)
}

// printWatermark is an incremental extract's watermark and lookback
// overlap (MySQL and PostgreSQL).
func printWatermark(w io.Writer, cursor, before, after string, skipped int64) {
	if cursor != "" {
		fmt.Fprintf(w, "watermark %s: %s -> %s\n", cursor, orNone(before), orNone(after))
	}
	if skipped > 0 {
		fmt.Fprintf(w, "skipped %d rows already in the lake (lookback overlap)\n", skipped)
	}
}

// tableDefaults fills a database extract's partition rule and, when
// incremental, its cursor from tables.<t> where no flag or job key set
// them (MySQL and PostgreSQL).
func tableDefaults(tc config.Table, incremental bool, partitionBy, cursor *string) {
	*partitionBy = firstString(*partitionBy, tc.PartitionBy)
	if incremental {
		*cursor = firstString(*cursor, tc.Cursor)
	}
}

// lakeTableName is the lake table a MySQL table lands in: --as, else the
// table part of DB.TABLE in lower case (extract/mysql's rule).
func lakeTableName(dbTable, as string) string {
	if as != "" {
		return as
	}
	if _, tbl, ok := strings.Cut(dbTable, "."); ok {
		return strings.ToLower(tbl)
	}
	return strings.ToLower(dbTable)
}
