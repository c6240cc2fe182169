package redshift

import "context"

// ExecOutsideTx runs one statement outside any transaction block, on its
// own connection: Redshift refuses ALTER COLUMN TYPE and ALTER TABLE
// APPEND inside one
// (https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html).
func (w *Warehouse) ExecOutsideTx(ctx context.Context, sql string) error {
	return w.client.Exec(ctx, sql)
}
