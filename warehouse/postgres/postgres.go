// Package postgres is the PostgreSQL warehouse driver: SQL over pgx, files
// streamed into the warehouse with COPY FROM STDIN (binary) straight from
// the Parquet files.
package postgres

import (
	"context"
	"embed"

	"github.com/lakectl/lakectl/warehouse/driver"
)

// Each driver embeds and parses its own templates (go:embed reads only
// its package's files), so these lines repeat in every driver.
//
//go:embed sql/*.sql
var sqlFiles embed.FS

// Templates are the dialect's SQL statements (sql/*.sql).
func Templates() *driver.Templates {
	return driver.MustParseTemplates(sqlFiles, "sql")
}

// Warehouse is a PostgreSQL database.
type Warehouse struct {
	client *Client
	tmpl   *driver.Templates
}

// Open checks the URL; it connects on first use.
func Open(_ context.Context, connURL string) (*Warehouse, error) {
	c, err := NewClient(connURL)
	if err != nil {
		return nil, err
	}
	return &Warehouse{client: c, tmpl: Templates()}, nil
}

// Dialect is driver.Postgres.
func (w *Warehouse) Dialect() string { return driver.Postgres }

// String is the URL without its password.
func (w *Warehouse) String() string { return w.client.String() }

// DefaultSchema is public.
func (w *Warehouse) DefaultSchema() string { return "public" }

// SQL renders one of the dialect's statements.
func (w *Warehouse) SQL(name string, data *driver.Statement) (string, error) {
	return w.tmpl.Render(name, data)
}

// Query runs a read-only statement on its own connection.
func (w *Warehouse) Query(ctx context.Context, sql string, args []any, fn func(scan func(...any) error) error) error {
	return w.client.Query(ctx, sql, args, fn)
}

// Begin starts a load transaction.
func (w *Warehouse) Begin(ctx context.Context) (driver.Tx, error) {
	t, err := w.client.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return &tx{Tx: t}, nil
}

// PlanStage describes the COPY that Stage streams, one per column list.
func (w *Warehouse) PlanStage(job *driver.StageJob) ([]string, []byte, error) {
	var out []string
	for _, g := range groupFiles(job) {
		s, err := w.tmpl.Render("copy_stdin", g)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, s)
	}
	return out, nil, nil
}

// ReadsLakeFiles says that Stage fetches the files (driver.FileReader).
func (w *Warehouse) ReadsLakeFiles() {}

// Close releases nothing: connections live for one transaction.
func (w *Warehouse) Close() error { return nil }

type tx struct {
	*Tx
}

// Stage streams the files' rows with COPY FROM STDIN.
func (t *tx) Stage(ctx context.Context, job *driver.StageJob) (int64, error) {
	pf := &prefetched{Prefetcher: driver.NewPrefetcher(ctx, job.Store, job.Files, driver.PrefetchOptions{Budget: fetchBudget, Cache: job.Cache})}
	defer pf.Close()
	var total int64
	for _, g := range groupFiles(job) {
		n, err := copyGroupFiles(ctx, t.Conn, job, g, pf)
		pf.offset += len(g.Files)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// copyGroup is a run of consecutive files with the same columns: one COPY.
type copyGroup struct {
	Table   string
	Columns []string // quoted, file order (+ sequence column)
	Files   []driver.StageFile
	names   []string // unquoted file columns
}

func groupFiles(job *driver.StageJob) []*copyGroup {
	var out []*copyGroup
	for _, files := range driver.ColumnRuns(job.Files) {
		names := files[0].Schema.Names()
		g := &copyGroup{Table: job.Table, Columns: driver.QuoteIdents(names), Files: files, names: names}
		for _, v := range files[0].Folder {
			g.names = append(g.names, v.Name)
			g.Columns = append(g.Columns, driver.QuoteIdent(v.Name))
		}
		if job.SeqColumn != "" {
			g.Columns = append(g.Columns, driver.QuoteIdent(job.SeqColumn))
		}
		out = append(out, g)
	}
	return out
}
