package catalog

import (
	"fmt"
	"strings"

	"github.com/lakectl/lakectl/lake/schema"
)

// ConflictError says two live files of a table disagree on a column's
// type and no type holds both: the table has no schema until one of them
// is rewritten. It is a breaking change (catalog check exits 3).
type ConflictError struct {
	Table  string
	Column string
	FileA  string // lake key of a file with TypeA
	TypeA  schema.Type
	FileB  string // lake key of a file with TypeB
	TypeB  schema.Type
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("table %s: live files disagree on column %s: it is %s in %s and %s in %s, and no type holds both; rewrite one of the files with the other's type",
		e.Table, e.Column, e.TypeA, e.FileA, e.TypeB, e.FileB)
}

// change is the conflict as a breaking column change, for check reports.
func (e *ConflictError) change() Change {
	return Change{Column: e.Column, Kind: Conflict, From: e.TypeA.String(), To: e.TypeB.String(), Breaking: true,
		Reason: fmt.Sprintf("%s has %s, %s has %s: no type holds both, so no reader can take the table whole", e.FileA, e.TypeA, e.FileB, e.TypeB)}
}

// layoutName is a layout's folder keys for messages: "dt/hour" or "none".
func layoutName(keys string) string {
	if keys == "" {
		return "none"
	}
	return keys
}

// partitionKeys is the layout of a version's partitions: "dt/hour", "".
func partitionKeys(parts []Partition) string {
	names := make([]string, len(parts))
	for i, p := range parts {
		names[i] = p.Name
	}
	return strings.Join(names, "/")
}

// layoutChange is the change of partition layout from a to b, if any.
func layoutChange(a, b []Partition) []Change {
	ka, kb := partitionKeys(a), partitionKeys(b)
	if ka == kb {
		return nil
	}
	return []Change{{Column: "(partitions)", Kind: Layout, From: layoutName(ka), To: layoutName(kb),
		Reason: "the partition folders changed: tables in Athena/Glue must be published again, and files written before stay in the old folders until rewritten"}}
}

// mixedChange is the breaking change of a table whose live files use two
// partition layouts.
func mixedChange(prefix string, a, b layout) Change {
	return Change{Column: "(partitions)", Kind: Layout, From: layoutName(a.keys), To: layoutName(b.keys), Breaking: true,
		Reason: fmt.Sprintf("live files use two partition layouts (%s%s and %s%s): engines refuse the mixed table; rewrite the files in one layout",
			prefix, a.file, prefix, b.file)}
}

// compareVersions is Compare over the tables' columns (file columns and
// folder columns) plus a partition layout change.
func compareVersions(a, b *Version) []Change {
	var as schema.Schema
	var ap []Partition
	if a != nil {
		as, ap = WithFolderColumns(a.Schema, a.Partitions), a.Partitions
	}
	out := Compare(as, WithFolderColumns(b.Schema, b.Partitions))
	if a != nil {
		out = append(out, layoutChange(ap, b.Partitions)...)
	}
	return out
}
