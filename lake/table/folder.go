package table

import (
	"strings"

	"github.com/lakectl/lakectl/lake/schema"
)

// derivedSuffixes are the folder key suffixes of lakectl's own partition
// rules (PartitionRule.Key): "<col>_day", "<col>_hour", "<col>_month",
// "<col>_part".
var derivedSuffixes = []string{"_" + UnitDay, "_" + UnitHour, "_" + UnitMonth, "_part"}

// FolderColumn reports whether a Hive folder key names a column whose
// value lives only in the folder name, as in the dt=2026-03-02/ folders
// that Firehose, Spark or a person write: the key is not a column of the
// file's schema s, nor a folder lakectl derives from one of its columns.
// Such a key is a column of the table, and readers take its value from
// the path.
func FolderColumn(key string, s schema.Schema) bool {
	if s.Index(key) >= 0 {
		return false
	}
	for _, suf := range derivedSuffixes {
		if base, ok := strings.CutSuffix(strings.ToLower(key), suf); ok && base != "" && s.Index(base) >= 0 {
			return false
		}
	}
	return true
}
