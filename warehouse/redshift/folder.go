package redshift

import (
	"context"
	"fmt"
	"strings"

	"github.com/lakectl/lakectl/warehouse/driver"
)

// Folder columns (keys of Hive folders that other tools wrote, such as
// dt=2026-03-02/) are not in the Parquet files, and COPY fills a table
// only from a file's columns. So a run of files with folder values is
// COPYed into a temporary table shaped like the destination, then
// INSERTed into the destination with the folder values as literals, and
// the temporary table dropped: all in the load's transaction.

// folderCopy is the data of the folder_stage_* templates.
type folderCopy struct {
	Stage   string   // the temporary table
	Table   string   // the destination
	Columns []string // the files' columns, quoted
	Folder  []string // the folder columns, quoted
	Values  []string // their values, as literals of their types
}

// copySQL is the statements that load copy c, the n-th of a load, and the
// index of the COPY among them (whose row count is the load's).
func (w *Warehouse) copySQL(c *copyStmt, n int) ([]string, int, error) {
	if len(c.Files) == 0 || len(c.Files[0].Folder) == 0 {
		s, err := w.tmpl.Render("copy", c)
		return []string{s}, 0, err
	}
	fc := &folderCopy{
		Stage: driver.QuoteIdent(fmt.Sprintf("lakectl_folder_%d", n)), Table: c.Table, Columns: c.Columns,
		Folder: driver.FolderNames(c.Files[0]), Values: driver.FolderExprs(c.Files[0], stringLit),
	}
	create, err := w.tmpl.Render("folder_stage_create", fc)
	if err != nil {
		return nil, 0, err
	}
	into := *c
	into.Table = fc.Stage
	cp, err := w.tmpl.Render("copy", &into)
	if err != nil {
		return nil, 0, err
	}
	insert, err := w.tmpl.Render("folder_stage_insert", fc)
	if err != nil {
		return nil, 0, err
	}
	// One statement per Exec: the extended protocol runs one at a time.
	var out []string
	out = append(out, create, cp)
	for _, s := range strings.SplitAfter(strings.TrimSpace(insert), ";") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out, 1, nil
}

// execCopy runs the statements of copySQL and returns the rows the COPY
// loaded, read from pg_last_copy_count() right after it.
func (t *tx) execCopy(ctx context.Context, stmts []string, copyAt int) (int64, error) {
	var rows int64
	for i, s := range stmts {
		if _, err := t.Exec(ctx, s); err != nil {
			return 0, err
		}
		if i == copyAt {
			n, err := t.copyCount(ctx)
			if err != nil {
				return 0, fmt.Errorf("read pg_last_copy_count(): %w", err)
			}
			rows = n
		}
	}
	return rows, nil
}
