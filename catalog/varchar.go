package catalog

import (
	"context"
	"math"
	"strings"

	"github.com/lakectl/lakectl/lake"
)

// Redshift VARCHAR sizing from the data: a string column is declared at
// its largest value's byte length (recorded by lakectl's writer in every
// file) plus VarcharSizeHeadroom, at least DefaultVarcharBytes (Redshift's
// own default), at most MaxVarcharBytes. A file that does not record it
// (written by another tool) counts as holding DefaultVarcharBytes.
const VarcharSizeHeadroom = 0.25

// VarcharSize is the declared size for strings of at most observed bytes.
func VarcharSize(observed int) int {
	n := int(math.Ceil(float64(observed) * (1 + VarcharSizeHeadroom)))
	return min(max(n, DefaultVarcharBytes), MaxVarcharBytes)
}

// StringSizes is the largest byte length of each string column (lower
// case name) over the table's files as the last crawl saw them, and how
// many of them do not record it.
func StringSizes(ctx context.Context, store lake.Store, table string) (map[string]int, int, error) {
	idx, err := loadIndex(ctx, store, table)
	if err != nil {
		return nil, 0, err
	}
	out := map[string]int{}
	unknown := 0
	for _, f := range idx.Files {
		if f.MaxBytes == nil {
			unknown++
			continue
		}
		for c, n := range f.MaxBytes {
			out[strings.ToLower(c)] = max(out[strings.ToLower(c)], n)
		}
	}
	return out, unknown, nil
}

// SizedVarchars are DDLOptions.VarcharBytes for declared sizes (use with
// VarcharHeadroom -1): VarcharSize of each observed maximum, where files
// that do not record theirs count as DefaultVarcharBytes.
func SizedVarchars(observed map[string]int, unknown int) map[string]int {
	out := make(map[string]int, len(observed))
	for c, n := range observed {
		if unknown > 0 {
			n = max(n, DefaultVarcharBytes)
		}
		out[c] = VarcharSize(n)
	}
	return out
}
