// Package redshift is the Amazon Redshift warehouse driver: SQL over pgx,
// files loaded with COPY ... FORMAT AS PARQUET MANIFEST from a manifest
// written to the lake (or, with load_method=insert, with INSERT
// statements for clusters without an S3 role). Redshift cannot run here:
// its SQL is kept in sql/*.sql, pinned by golden tests for review, and
// proven against internal/redshiftsim, a Redshift-semantics endpoint
// (the warehouse package's Redshift tests).
package redshift

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/internal/redact"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/warehouse/driver"
	"github.com/lakectl/lakectl/warehouse/postgres"
)

//go:embed sql/*.sql
var sqlFiles embed.FS

// Templates are the dialect's SQL statements (sql/*.sql).
func Templates() *driver.Templates {
	return driver.MustParseTemplates(sqlFiles, "sql", driver.BackslashLiteral)
}

// Load methods.
const (
	MethodCopy   = "copy"
	MethodInsert = "insert"
)

// insertBatch is the rows per INSERT statement with load_method=insert
// (Redshift statements are limited to 16 MB).
const insertBatch = 500

// Options configure the driver.
type Options struct {
	// Cluster / Workgroup override the URL's cluster= / workgroup=.
	Cluster   string
	Workgroup string
}

// Config is what a redshift:// URL says.
type Config struct {
	ConnURL    string // postgres:// URL pgx connects with
	IAMRole    string
	Cluster    string
	Workgroup  string
	LoadMethod string
	// IAM (iam=true): log in with temporary credentials (iam.go).
	IAM bool
}

// ParseURL reads redshift://user:pw@host:5439/db?iam_role=ARN&cluster=ID
// (or workgroup=NAME) [&load_method=insert] [&sslmode=...].
func ParseURL(u *url.URL) (Config, error) {
	q := u.Query()
	cfg := Config{
		IAMRole:    q.Get("iam_role"),
		Cluster:    q.Get("cluster"),
		Workgroup:  q.Get("workgroup"),
		LoadMethod: strings.ToLower(q.Get("load_method")),
		IAM:        strings.EqualFold(q.Get("iam"), "true"),
	}
	for _, k := range []string{"iam_role", "cluster", "workgroup", "load_method", "iam"} {
		q.Del(k)
	}
	if cfg.LoadMethod == "" {
		cfg.LoadMethod = MethodCopy
	}
	if cfg.LoadMethod != MethodCopy && cfg.LoadMethod != MethodInsert {
		return cfg, input.Errorf("warehouse URL %s: load_method must be copy or insert", redact.URL(u))
	}
	if cfg.LoadMethod == MethodCopy && cfg.IAMRole == "" {
		return cfg, input.Errorf("warehouse URL %s: COPY needs iam_role=ARN (a role the cluster may assume to read the lake), or use load_method=insert", redact.URL(u))
	}
	if cfg.Cluster != "" && cfg.Workgroup != "" {
		return cfg, input.Errorf("warehouse URL %s: give cluster= or workgroup=, not both", redact.URL(u))
	}
	if q.Get("sslmode") == "" {
		q.Set("sslmode", "require")
	}
	c := *u
	c.Scheme = "postgres"
	if c.Port() == "" {
		c.Host += ":5439"
	}
	c.RawQuery = q.Encode()
	cfg.ConnURL = c.String()
	return cfg, nil
}

// Warehouse is a Redshift database (provisioned or serverless).
type Warehouse struct {
	cfg      Config
	client   *postgres.Client
	redacted string
	tmpl     *driver.Templates
}

// Open checks the URL; it connects on first use.
func Open(_ context.Context, u *url.URL, opts Options) (*Warehouse, error) {
	cfg, err := ParseURL(u)
	if err != nil {
		return nil, err
	}
	if opts.Cluster != "" {
		cfg.Cluster, cfg.Workgroup = opts.Cluster, ""
	}
	if opts.Workgroup != "" {
		cfg.Workgroup, cfg.Cluster = opts.Workgroup, ""
	}
	client, err := postgres.NewClient(cfg.ConnURL)
	if err != nil {
		return nil, input.Wrap(err)
	}
	if cfg.IAM {
		if err := useIAM(cfg, client, u.User.Username(), u.Path); err != nil {
			return nil, err
		}
	}
	return &Warehouse{cfg: cfg, client: client, redacted: redact.URL(u), tmpl: Templates()}, nil
}

// Config returns the parsed URL settings.
func (w *Warehouse) Config() Config { return w.cfg }

// ScaleTarget names the compute behind the warehouse, the URL's cluster=
// or workgroup= (the scale.Scalable ability).
func (w *Warehouse) ScaleTarget() (cluster, workgroup string) { return w.cfg.Cluster, w.cfg.Workgroup }

// Dialect is driver.Redshift.
func (w *Warehouse) Dialect() string { return driver.Redshift }

// String is the URL without its password.
func (w *Warehouse) String() string { return w.redacted }

// DefaultSchema is public.
func (w *Warehouse) DefaultSchema() string { return "public" }

// Literal renders a string literal: a backslash is an escape character in
// Redshift literals.
func (w *Warehouse) Literal(s string) string { return driver.BackslashLiteral(s) }

// SQL renders one of the dialect's statements.
func (w *Warehouse) SQL(name string, data *driver.Statement) (string, error) {
	return w.tmpl.Render(name, data)
}

// Query runs a read-only statement on its own connection.
func (w *Warehouse) Query(ctx context.Context, sql string, args []any, fn func(scan func(...any) error) error) error {
	return w.client.Query(ctx, sql, args, fn)
}

// ExecOutsideTx runs sql on its own connection, outside any transaction.
func (w *Warehouse) ExecOutsideTx(ctx context.Context, sql string) error {
	return w.client.Exec(ctx, sql)
}

// Begin starts a load transaction.
func (w *Warehouse) Begin(ctx context.Context) (driver.Tx, error) {
	t, err := w.client.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return &tx{Tx: t, w: w}, nil
}

// Close releases nothing: connections live for one transaction.
func (w *Warehouse) Close() error { return nil }

// copyStmt is the data of the copy template: one COPY per column list.
type copyStmt struct {
	Table       string
	Columns     []string
	ManifestKey string
	ManifestURL string
	IAMRole     string
	Files       []driver.StageFile
	manifest    []byte
	// stamp, for an upsert stage, sets the file's position on its rows.
	stamp string
}

// manifest is Redshift's COPY manifest; Parquet needs content_length.
type manifest struct {
	Entries []manifestEntry `json:"entries"`
}

type manifestEntry struct {
	URL       string       `json:"url"`
	Mandatory bool         `json:"mandatory"`
	Meta      manifestMeta `json:"meta"`
}

type manifestMeta struct {
	ContentLength int64 `json:"content_length"`
}

// ManifestKey is where the manifest of a load's n-th COPY is written.
func ManifestKey(loadID string, n int) string {
	name := loadID
	if n > 0 {
		name = fmt.Sprintf("%s-%d", loadID, n)
	}
	return lake.Join("_lakectl", "manifests", name+".json")
}

// copies groups the files by column list (COPY maps Parquet columns by
// position, so each COPY names the files' columns in their order) and
// builds each group's manifest. Row ranges cannot be COPYed.
func (w *Warehouse) copies(job *driver.StageJob) ([]*copyStmt, error) {
	for _, f := range job.Files {
		if f.Ranges != nil {
			return nil, &PartialCopyError{Key: f.Key}
		}
		if u := job.Store.URL(f.Key); !strings.HasPrefix(u, "s3://") {
			return nil, input.Errorf("Redshift COPY reads the lake from S3, but lake file %s is at %s: use an s3:// lake, or load_method=insert in the warehouse URL", f.Key, u)
		}
	}
	var out []*copyStmt
	for _, files := range w.copyRuns(job) {
		key := ManifestKey(job.LoadID, len(out))
		c := &copyStmt{Table: job.Table, Columns: driver.QuoteIdents(files[0].Schema.Names()), Files: files,
			ManifestKey: key, ManifestURL: job.Store.URL(key), IAMRole: w.cfg.IAMRole}
		if job.SeqColumn != "" {
			s, err := w.stamp(job, files[0])
			if err != nil {
				return nil, err
			}
			c.stamp = s
		}
		out = append(out, c)
	}
	for _, c := range out {
		m := manifest{Entries: make([]manifestEntry, 0, len(c.Files))}
		for _, f := range c.Files {
			m.Entries = append(m.Entries, manifestEntry{URL: job.Store.URL(f.Key), Mandatory: true, Meta: manifestMeta{ContentLength: f.Size}})
		}
		b, err := json.MarshalIndent(m, "", "  ")
		if err != nil {
			return nil, err
		}
		c.manifest = append(b, '\n')
	}
	return out, nil
}

// copyRuns are the files of each COPY: runs of one column list, or, for
// an upsert stage, one file per COPY, so that each file's rows can be
// stamped with its position (COPY cannot tell which file a row came from).
func (w *Warehouse) copyRuns(job *driver.StageJob) [][]driver.StageFile {
	if job.SeqColumn == "" {
		return driver.ColumnRuns(job.Files)
	}
	out := make([][]driver.StageFile, len(job.Files))
	for i, f := range job.Files {
		out[i] = []driver.StageFile{f}
	}
	return out
}

// stamp renders the UPDATE that marks the rows just staged from f.
func (w *Warehouse) stamp(job *driver.StageJob, f driver.StageFile) (string, error) {
	return w.tmpl.Render("stage_stamp", struct {
		Table   string
		Ordinal int
	}{job.Table, f.Ordinal})
}

// insertPlan is the data of the insert_plan template.
type insertPlan struct {
	Table   string
	Columns []string
	Files   []driver.StageFile
	Batch   int
}

// PlanStage returns the COPY statements and the manifest (of the only
// COPY, or a JSON array of every COPY's), and the INSERTs of files of
// which only row ranges are loaded.
func (w *Warehouse) PlanStage(job *driver.StageJob) ([]string, []byte, error) {
	if w.cfg.LoadMethod == MethodInsert {
		out, err := w.planInserts(job)
		return out, nil, err
	}
	var out []string
	var manifests [][]byte
	for _, p := range splitParts(job) {
		if p.insert {
			s, err := w.planInserts(p.job)
			if err != nil {
				return nil, nil, err
			}
			out = append(out, s...)
			continue
		}
		cs, err := w.copies(p.job)
		if err != nil {
			return nil, nil, err
		}
		for i, c := range cs {
			stmts, _, err := w.copySQL(c, i)
			if err != nil {
				return nil, nil, err
			}
			out = append(out, stmts...)
			if c.stamp != "" {
				out = append(out, c.stamp)
			}
			manifests = append(manifests, c.manifest)
		}
	}
	return out, joinManifests(manifests), nil
}

func (w *Warehouse) planInserts(job *driver.StageJob) ([]string, error) {
	var out []string
	for _, g := range insertGroups(job) {
		s, err := w.tmpl.Render("insert_plan", g)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// joinManifests is the one manifest, or a JSON array of several.
func joinManifests(manifests [][]byte) []byte {
	switch len(manifests) {
	case 0:
		return nil
	case 1:
		return manifests[0]
	}
	for i, m := range manifests {
		manifests[i] = bytes.TrimSpace(m)
	}
	all := append([]byte("[\n"), bytes.Join(manifests, []byte(",\n"))...)
	return append(all, "\n]\n"...)
}

type tx struct {
	*postgres.Tx
	w *Warehouse
}

// Stage writes each manifest to the lake and runs its COPY (or, with
// load_method=insert, INSERTs the rows).
func (t *tx) Stage(ctx context.Context, job *driver.StageJob) (int64, error) {
	if t.w.cfg.LoadMethod == MethodInsert {
		return t.insertFiles(ctx, job)
	}
	var total int64
	for _, p := range splitParts(job) {
		stage := t.copyFiles
		if p.insert {
			stage = t.insertFiles
		}
		n, err := stage(ctx, p.job)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// copyFiles COPYs whole files.
func (t *tx) copyFiles(ctx context.Context, job *driver.StageJob) (int64, error) {
	cs, err := t.w.copies(job)
	if err != nil {
		return 0, err
	}
	var total int64
	for i, c := range cs {
		for _, f := range c.Files {
			// COPY would fail with a vague error on a missing file.
			if _, err := job.Store.Stat(ctx, f.Key); err != nil {
				return total, fmt.Errorf("lake file %s: %w", f.Key, err)
			}
		}
		if _, err := job.Store.Put(ctx, c.ManifestKey, bytes.NewReader(c.manifest), int64(len(c.manifest)), lake.PutOptions{}); err != nil {
			return total, fmt.Errorf("write COPY manifest %s: %w", c.ManifestKey, err)
		}
		stmts, copyAt, err := t.w.copySQL(c, i)
		if err != nil {
			return total, err
		}
		n, err := t.execCopy(ctx, stmts, copyAt)
		if err != nil {
			return total, fmt.Errorf("COPY from manifest %s: %w%s", c.ManifestURL, err, t.w.loadErrors(ctx, job, c))
		}
		if c.stamp != "" {
			if _, err := t.Exec(ctx, c.stamp); err != nil {
				return total, fmt.Errorf("stamp staged rows of %s: %w", c.Files[0].Key, err)
			}
		}
		total += n
		job.Progress.Add(n, 0)
	}
	return total, nil
}

// copyCount is the row count of the session's last COPY, which Redshift
// reports through pg_last_copy_count(), not in the command tag
// (https://docs.aws.amazon.com/redshift/latest/dg/PG_LAST_COPY_COUNT.html).
func (t *tx) copyCount(ctx context.Context) (int64, error) {
	sql, err := t.w.tmpl.Render("copy_count", nil)
	if err != nil {
		return 0, err
	}
	var n int64
	err = t.Query(ctx, sql, nil, func(scan func(...any) error) error { return scan(&n) })
	return n, err
}

// loadErrors asks SYS_LOAD_ERROR_DETAIL (on a fresh connection: the load
// transaction is aborted) why a COPY failed.
func (w *Warehouse) loadErrors(ctx context.Context, job *driver.StageJob, c *copyStmt) string {
	data := struct{ URLs []string }{}
	for _, f := range c.Files {
		data.URLs = append(data.URLs, job.Store.URL(f.Key))
	}
	sql, err := w.tmpl.Render("load_errors", data)
	if err != nil {
		return ""
	}
	var reasons []string
	_ = w.client.Query(context.WithoutCancel(ctx), sql, nil, func(scan func(...any) error) error {
		var file, col, msg string
		var code int64
		if err := scan(&file, &col, &code, &msg); err != nil {
			return err
		}
		reasons = append(reasons, fmt.Sprintf("%s column %s: %s (error %d)", file, col, msg, code))
		return nil
	})
	if len(reasons) == 0 {
		return ""
	}
	return "; SYS_LOAD_ERROR_DETAIL: " + strings.Join(reasons, "; ")
}
