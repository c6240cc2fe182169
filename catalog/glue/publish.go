// Package glue publishes the lake's tables to the AWS Glue Data Catalog,
// so that Athena and Redshift Spectrum see them: what a Glue crawler does,
// without the crawler. Each table becomes an external Parquet table over
// its lake location with the columns of its latest catalog version; time
// partitions are found by Athena's partition projection, value partitions
// are registered. Publishing twice changes nothing the second time.
package glue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/lakectl/lakectl/catalog"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/table"
)

// Errors a caller maps to messages.
var (
	// ErrNotS3 says the lake (or the given location) is not on S3, where
	// Athena reads.
	ErrNotS3 = errors.New("the lake location is not an s3:// URL, and the Glue Data Catalog can only point at S3")
	// ErrNoDatabase says no Glue database was named.
	ErrNoDatabase = errors.New("no Glue database named")
)

// Options say what to publish where.
type Options struct {
	// Database is the Glue database (created when missing).
	Database string
	// Tables to publish (empty: every table of the lake).
	Tables []string
	// Location is the lake's S3 URL (s3://bucket/prefix) when the lake is
	// read from elsewhere; empty: the lake's own URL.
	Location string
	// DryRun reads the Glue catalog but changes nothing: the result lists
	// the calls that would change it. When Glue cannot be reached it plans
	// as if the catalog were empty.
	DryRun bool
	// RegisterProjected also registers the partitions of tables whose
	// partitions Athena projects: Redshift Spectrum ignores projection and
	// reads only registered partitions (Athena ignores them when
	// projection is on).
	RegisterProjected bool
	// Client is the Glue API (nil: NewClient with ClientOptions).
	Client        API
	ClientOptions ClientOptions
	Logger        *slog.Logger
}

// Result is what a publish did (or, with DryRun, would do).
type Result struct {
	Database        string        `json:"database"`
	DatabaseCreated bool          `json:"database_created"`
	Tables          []TableResult `json:"tables"`
	// Calls are the Glue calls that change the catalog, in order.
	Calls       []Call  `json:"calls"`
	Changes     int     `json:"changes"`
	Files       int     `json:"files"` // live files the published versions describe
	DryRun      bool    `json:"dry_run,omitempty"`
	Unreachable string  `json:"unreachable,omitempty"`
	DurationS   float64 `json:"duration_s"`
}

// TableResult is the publish of one table.
type TableResult struct {
	Table           string `json:"table"`
	GlueTable       string `json:"glue_table"`
	Version         int    `json:"version"`
	Action          string `json:"action"` // created, updated, unchanged
	Location        string `json:"location"`
	Projected       bool   `json:"projected"`        // partitions found by Athena's projection
	Partitions      int    `json:"partitions"`       // partition folders of the live files
	PartitionsAdded int    `json:"partitions_added"` // registered by this publish
}

// Call is one Glue API call that changes the catalog, with its input as
// the AWS API takes it.
type Call struct {
	Op       string `json:"op"`
	Database string `json:"database"`
	Table    string `json:"table,omitempty"`
	Summary  string `json:"summary,omitempty"` // e.g. "2 partitions: 2026-03-01/eu, 2026-03-01/us"
	Input    any    `json:"input"`
}

// Publish creates or updates each table in the Glue database, from the
// latest catalog version of each. A table without a recorded version is
// an error naming it (crawl it first); the others are still published.
func Publish(ctx context.Context, store lake.Store, opts Options) (*Result, error) {
	start := time.Now()
	if opts.Database == "" {
		return nil, ErrNoDatabase
	}
	p := &publisher{store: store, opts: opts, log: opts.Logger, db: strings.ToLower(opts.Database)}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if lakeURL := store.URL(""); opts.Location == "" && !strings.HasPrefix(lakeURL, "s3://") {
		return nil, fmt.Errorf("the lake is at %s: %w", lakeURL, ErrNotS3)
	}
	p.res = &Result{Database: p.db, Tables: []TableResult{}, Calls: []Call{}, DryRun: opts.DryRun}
	tables := opts.Tables
	if len(tables) == 0 {
		var err error
		if tables, err = table.List(ctx, store); err != nil {
			return nil, err
		}
	}
	p.api = opts.Client
	if p.api == nil {
		c, err := NewClient(ctx, opts.ClientOptions)
		if err != nil {
			return nil, err
		}
		p.api = c
	}
	if err := p.ensureDatabase(ctx); err != nil {
		return nil, err
	}
	var errs []error
	for _, name := range tables {
		tr, err := p.publishTable(ctx, name)
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			errs = append(errs, fmt.Errorf("publish table %s: %w", name, err))
			continue
		}
		p.res.Tables = append(p.res.Tables, tr)
	}
	p.res.Changes = len(p.res.Calls)
	p.res.DurationS = time.Since(start).Seconds()
	return p.res, joinErrors(errs)
}

// joinErrors joins errors on one line; errors.Is/As still see each.
func joinErrors(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return &joined{errs}
}

type joined struct{ errs []error }

func (j *joined) Error() string {
	msgs := make([]string, len(j.errs))
	for i, e := range j.errs {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

func (j *joined) Unwrap() []error { return j.errs }

type publisher struct {
	store   lake.Store
	opts    Options
	log     *slog.Logger
	api     API
	db      string
	res     *Result
	offline bool // dry run without a reachable Glue
}

// change makes (or, on a dry run, records) a call that changes the
// catalog.
func (p *publisher) change(ctx context.Context, op, tbl string, input any, do func(context.Context) error) error {
	p.res.Calls = append(p.res.Calls, Call{Op: op, Database: p.db, Table: tbl, Input: input, Summary: summary(input)})
	if p.opts.DryRun {
		return nil
	}
	p.log.Info("glue", "op", op, "database", p.db, "table", tbl)
	return apiErr(op, p.db, tbl, do(ctx))
}

// summary says what a call does beyond its name.
func summary(input any) string {
	switch in := input.(type) {
	case *glue.BatchCreatePartitionInput:
		vals := make([]string, 0, 4)
		for i, p := range in.PartitionInputList {
			if i == 3 {
				vals = append(vals, "...")
				break
			}
			vals = append(vals, strings.Join(p.Values, "/"))
		}
		return fmt.Sprintf("%d partitions: %s", len(in.PartitionInputList), strings.Join(vals, ", "))
	case *glue.UpdateTableInput:
		return "schema version " + in.TableInput.Parameters[paramVersion]
	case *glue.CreateTableInput:
		return "schema version " + in.TableInput.Parameters[paramVersion]
	}
	return ""
}

// read runs a call that only reads; on a dry run an unreachable Glue is
// planned as empty (notFound reports true).
func (p *publisher) read(op, tbl string, err error) (notFound bool, _ error) {
	var nf *types.EntityNotFoundException
	switch {
	case err == nil:
		return false, nil
	case errors.As(err, &nf):
		return true, nil
	case p.opts.DryRun && !errors.Is(err, context.Canceled):
		if !p.offline {
			p.offline = true
			p.res.Unreachable = apiErr(op, p.db, tbl, err).Error() + "; planned as if the catalog were empty"
		}
		return true, nil
	}
	return false, apiErr(op, p.db, tbl, err)
}

func (p *publisher) ensureDatabase(ctx context.Context) error {
	_, err := p.api.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String(p.db)})
	missing, err := p.read("GetDatabase", "", err)
	if err != nil || !missing {
		return err
	}
	in := &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String(p.db),
		Description: aws.String("lakectl: tables of the lake, published by lakectl catalog publish")}}
	err = p.change(ctx, "CreateDatabase", "", in, func(ctx context.Context) error {
		_, err := p.api.CreateDatabase(ctx, in)
		return err
	})
	var ae *types.AlreadyExistsException
	if errors.As(err, &ae) {
		return nil // another publisher created it first
	}
	p.res.DatabaseCreated = err == nil
	return err
}

// location is the S3 location of a table's folder.
func (p *publisher) location(name string) (string, error) {
	loc := p.store.URL(table.TablePrefix(name))
	if p.opts.Location != "" {
		loc = strings.TrimSuffix(p.opts.Location, "/") + "/" + table.TablePrefix(name)
	}
	if !strings.HasPrefix(loc, "s3://") {
		return "", fmt.Errorf("table %s would be at %s: %w", name, loc, ErrNotS3)
	}
	return loc, nil
}

func (p *publisher) publishTable(ctx context.Context, name string) (TableResult, error) {
	tr := TableResult{Table: name}
	v, err := catalog.Latest(ctx, p.store, name)
	if err != nil {
		return tr, err
	}
	loc, err := p.location(name)
	if err != nil {
		return tr, err
	}
	var dirs []catalog.PartitionDir
	parts := v.Partitions
	if len(parts) > 0 {
		if dirs, err = catalog.PartitionDirs(ctx, p.store, name); err != nil {
			return tr, err
		}
		parts = firstValues(parts, dirs)
	}
	h, err := catalog.NewHiveTable(name, v.Schema, parts, loc)
	if err != nil {
		return tr, err
	}
	tr.GlueTable, tr.Version, tr.Location, tr.Projected = h.Name, v.N, h.Location, h.Projected
	p.res.Files += v.Files
	want := tableInput(h, v)
	if tr.Action, err = p.upsertTable(ctx, want); err != nil {
		return tr, err
	}
	tr.Partitions = len(dirs)
	if len(h.PartitionKeys) == 0 || h.Projected && !p.opts.RegisterProjected {
		return tr, nil
	}
	tr.PartitionsAdded, err = p.addPartitions(ctx, h, dirs)
	return tr, err
}

// firstValues sets each partition's First to the smallest value of the
// live folders (a version keeps the one it was recorded with), so that a
// projection's range starts at the oldest partition there is.
func firstValues(parts []catalog.Partition, dirs []catalog.PartitionDir) []catalog.Partition {
	out := append([]catalog.Partition(nil), parts...)
	for i := range out {
		first := ""
		for _, d := range dirs {
			if i < len(d.Values) && (first == "" || d.Values[i] < first) {
				first = d.Values[i]
			}
		}
		if first != "" {
			out[i].First = first
		}
	}
	return out
}

// upsertTable creates the table, or updates it when it differs from want;
// it returns created, updated or unchanged.
func (p *publisher) upsertTable(ctx context.Context, want *types.TableInput) (string, error) {
	name := aws.ToString(want.Name)
	for attempt := 0; ; attempt++ {
		out, err := p.api.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String(p.db), Name: want.Name})
		missing, err := p.read("GetTable", name, err)
		if err != nil {
			return "", err
		}
		if missing {
			in := &glue.CreateTableInput{DatabaseName: aws.String(p.db), TableInput: want}
			err := p.change(ctx, "CreateTable", name, in, func(ctx context.Context) error {
				_, err := p.api.CreateTable(ctx, in)
				return err
			})
			var ae *types.AlreadyExistsException
			if errors.As(err, &ae) && attempt < 3 {
				continue // another publisher created it: compare with theirs
			}
			return "created", err
		}
		if sameTable(want, out.Table) {
			return "unchanged", nil
		}
		in := &glue.UpdateTableInput{DatabaseName: aws.String(p.db), TableInput: merged(want, out.Table), VersionId: out.Table.VersionId}
		err = p.change(ctx, "UpdateTable", name, in, func(ctx context.Context) error {
			_, err := p.api.UpdateTable(ctx, in)
			return err
		})
		var cm *types.ConcurrentModificationException
		var nf *types.EntityNotFoundException
		if (errors.As(err, &cm) || errors.As(err, &nf)) && attempt < 3 {
			continue // changed or dropped under us: read it again
		}
		return "updated", err
	}
}

// maxBatch is BatchCreatePartition's limit of partitions per call.
const maxBatch = 100

// addPartitions registers the partition folders Glue does not have yet.
func (p *publisher) addPartitions(ctx context.Context, h *catalog.HiveTable, dirs []catalog.PartitionDir) (int, error) {
	have, err := p.partitions(ctx, h.Name)
	if err != nil {
		return 0, err
	}
	var todo []types.PartitionInput
	for _, d := range dirs {
		if have[strings.Join(d.Values, "\x00")] {
			continue
		}
		todo = append(todo, types.PartitionInput{Values: d.Values, StorageDescriptor: storage(h.Columns, h.Location+d.Path)})
	}
	for start := 0; start < len(todo); start += maxBatch {
		in := &glue.BatchCreatePartitionInput{DatabaseName: aws.String(p.db), TableName: aws.String(h.Name),
			PartitionInputList: todo[start:min(start+maxBatch, len(todo))]}
		err := p.change(ctx, "BatchCreatePartition", h.Name, in, func(ctx context.Context) error {
			out, err := p.api.BatchCreatePartition(ctx, in)
			if err != nil {
				return err
			}
			return partitionErrors(out.Errors)
		})
		if err != nil {
			return start, err
		}
	}
	return len(todo), nil
}

// partitionErrors fails on a partition Glue refused, but not on one that
// exists (a concurrent publish registered it).
func partitionErrors(errs []types.PartitionError) error {
	for _, e := range errs {
		if e.ErrorDetail != nil && aws.ToString(e.ErrorDetail.ErrorCode) != "AlreadyExistsException" {
			return fmt.Errorf("partition %s: %s: %s", strings.Join(e.PartitionValues, "/"), aws.ToString(e.ErrorDetail.ErrorCode), aws.ToString(e.ErrorDetail.ErrorMessage))
		}
	}
	return nil
}

// partitions reads the values of the table's registered partitions.
func (p *publisher) partitions(ctx context.Context, name string) (map[string]bool, error) {
	have := map[string]bool{}
	pages := glue.NewGetPartitionsPaginator(p.api, &glue.GetPartitionsInput{DatabaseName: aws.String(p.db), TableName: aws.String(name),
		ExcludeColumnSchema: aws.Bool(true)})
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if missing, err := p.read("GetPartitions", name, err); err != nil || missing {
			return have, err
		}
		for _, part := range out.Partitions {
			have[strings.Join(part.Values, "\x00")] = true
		}
	}
	return have, nil
}

// apiErr names the call and, for the errors a user can act on, what to do.
func apiErr(op, db, tbl string, err error) error {
	if err == nil {
		return nil
	}
	what := "database " + db
	if tbl != "" {
		what = "table " + db + "." + tbl
	}
	var ad *types.AccessDeniedException
	if errors.As(err, &ad) {
		return fmt.Errorf("glue %s of %s: access denied: the AWS identity needs the glue:%s permission on it: %w", op, what, op, err)
	}
	return fmt.Errorf("glue %s of %s: %w", op, what, err)
}
