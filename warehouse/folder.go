package warehouse

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lakectl/lakectl/catalog"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
	"github.com/lakectl/lakectl/warehouse/driver"
)

// folderSpec says how a load types folder columns: the keys of Hive
// folders that other tools wrote (dt=2026-03-02/), whose values are in
// the folder names and not in the files.
type folderSpec struct {
	types   map[string]schema.Type // declared types by lowercase key; else string
	dialect string
}

// addFolderColumns gives each planned file the values of its folder
// columns and appends those columns to the plan's schema, so that no value
// that exists only in a folder name is lost. lakectl's own folders
// (<col>_day=, <col>_part=, ...) derive from a column of the file and add
// nothing. A value that is not of its declared type is an error before
// anything is loaded.
func (p *plan) addFolderColumns(spec folderSpec) error {
	for i := range p.files {
		f := &p.files[i]
		for _, kv := range f.PartKV {
			if !table.FolderColumn(kv[0], f.stage.Schema) {
				continue
			}
			t, ok := spec.types[strings.ToLower(kv[0])]
			if !ok {
				t = schema.TString
			}
			col := schema.Column{Name: kv[0], Type: t, Nullable: true}
			sqlType, err := catalog.ColumnType(catalog.Dialect(spec.dialect), col, catalog.DDLOptions{})
			if err != nil {
				return err
			}
			v := driver.FolderValue{Name: kv[0], Type: t, SQLType: sqlType, Value: kv[1], Null: kv[1] == table.DefaultPartition}
			if !v.Null {
				if err := checkFolderValue(t, kv[1]); err != nil {
					return fmt.Errorf("lake file %s: folder %s=%s is not a %s, the type declared for %s in partition_types: %w", f.Key, kv[0], kv[1], t, kv[0], err)
				}
			}
			f.stage.Folder = append(f.stage.Folder, v)
			if p.schema.Index(kv[0]) < 0 {
				p.schema.Columns = append(p.schema.Columns, col)
			}
		}
	}
	return nil
}

// checkFolderValue says whether a folder value reads as type t.
func checkFolderValue(t schema.Type, s string) error {
	var err error
	switch {
	case t.Kind == schema.Bool:
		_, err = strconv.ParseBool(s)
	case t.Kind.IsInt():
		_, err = strconv.ParseInt(s, 10, 64)
	case t.Kind == schema.Float32 || t.Kind == schema.Float64:
		_, err = strconv.ParseFloat(s, 64)
	case t.Kind == schema.Decimal:
		_, err = schema.ParseDecimal(t, s)
	case t.Kind == schema.Date:
		_, err = time.Parse("2006-01-02", s)
	}
	return err
}
