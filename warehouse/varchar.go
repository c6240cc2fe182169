package warehouse

import "github.com/lakectl/lakectl/catalog"

// ddlOptions are the options of the target's and the stage's DDL.
func (l *loader) ddlOptions() catalog.DDLOptions {
	return catalog.DDLOptions{Schema: l.schema, IfNotExists: true, VarcharBytes: l.varchar}
}
