package table

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/lakectl/lakectl/lake/parquetfile"
	"github.com/lakectl/lakectl/lake/schema"
)

// PartitionRuleError is an append whose partition rule would write folders
// other than those of the table's live files: two layouts in one table,
// which engines refuse to read ("Hive partition mismatch"). Nothing has
// been written; rewriting the whole table under the new rule (a replace)
// is the way to change it.
type PartitionRuleError struct {
	Table string
	Have  string // the folder keys of a live file, "k1/k2" ("" unpartitioned)
	File  string // that file
	Want  PartitionRule
}

func (e *PartitionRuleError) Error() string {
	have := "no partition folders"
	if e.Have != "" {
		have = "partition folders " + e.Have + "="
	}
	want := "no partition folders"
	if !e.Want.IsZero() {
		want = "partition folders " + e.Want.Key() + "= (rule " + e.Want.String() + ")"
	}
	return fmt.Sprintf("table %s has %s (e.g. %s); appending with %s would mix two layouts in one table", e.Table, have, e.File, want)
}

// AppendSchemaError is an append whose schema does not unify with the
// table's newest live file: a column whose type neither holds the other.
// Nothing has been written.
type AppendSchemaError struct {
	Table, File  string
	Column       string
	Have, Append schema.Type
}

func (e *AppendSchemaError) Error() string {
	return fmt.Sprintf("table %s: column %s is %s in the lake (%s) and %s in the rows to append, and neither type holds the other",
		e.Table, e.Column, e.Have, e.File, e.Append)
}

// errStop ends a listing early.
var errStop = errors.New("stop")

// CheckAppend refuses, before anything is written, an append of rows of
// schema s under rule that would leave the table unreadable: a
// *PartitionRuleError when a live file sits in other folders than the
// rule's, an *AppendSchemaError when s does not unify with the newest live
// file's schema (skipped when s has no column). An empty table accepts
// anything. It costs one listing and one footer read.
func (t *Table) CheckAppend(ctx context.Context, s schema.Schema, rule PartitionRule) error {
	want := ""
	if !rule.IsZero() {
		want = rule.Key()
	}
	var bad *PartitionRuleError
	var newest File
	err := t.Files(ctx, func(f File) error {
		if have := FolderKeys(f.Partition); have != want {
			bad = &PartitionRuleError{Table: t.name, Have: have, File: f.Key, Want: rule}
			return errStop
		}
		if newest.Key == "" || path.Base(f.Key) > path.Base(newest.Key) {
			newest = f
		}
		return nil
	})
	switch {
	case bad != nil:
		return bad
	case err != nil:
		return err
	case newest.Key == "" || len(s.Columns) == 0:
		return nil // an empty schema asks for the folder check only
	}
	ft, err := parquetfile.ReadFooterFrom(ctx, t.store, newest.Key, newest.Size)
	if err != nil {
		return fmt.Errorf("read the schema of table %s: %w", t.name, err)
	}
	var ce *schema.ConflictError
	if _, err := schema.Union(ft.Schema, s); errors.As(err, &ce) {
		return &AppendSchemaError{Table: t.name, File: newest.Key, Column: ce.Column, Have: ce.A, Append: ce.B}
	}
	return nil
}

// FolderKeys returns the Hive keys of a partition path, "k1/k2" ("" for
// none): files whose keys differ are two layouts of one table.
func FolderKeys(partition string) string {
	if partition == "" || partition == "." {
		return ""
	}
	segs := strings.Split(partition, "/")
	for i, s := range segs {
		segs[i], _, _ = strings.Cut(s, "=")
	}
	return strings.Join(segs, "/")
}
