package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/extract/files"
	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/table"
)

// extractFilesOptions are the flags of `extract files`, checked.
type extractFilesOptions struct {
	f   *Factory
	ctx context.Context

	From            string
	Routes          []files.Route
	Format          string
	Job             string
	Since           time.Time
	Key             []string
	Cursor          string
	PartitionBy     string
	SkipBadRecords  bool
	ReingestChanged bool
}

func newCmdExtractFiles(f *Factory, runF func(*extractFilesOptions) error) *cobra.Command {
	opts := &extractFilesOptions{f: f}
	var routes []string
	var since string
	c := &cobra.Command{
		Use:   "files --from URL --route 'REGEX=TABLE' [--route ...]",
		Short: "Ingest objects landed under an S3 prefix or a folder (Firehose, service logs) into tables",
		Long: `Ingest the objects that other systems land under an S3 prefix or a folder
(Kinesis Firehose output, service logs, partner drops) into lake tables.

Each key, relative to --from, goes to the table of the first --route whose
REGEX matches it; TABLE may name the regex's named groups as {group}. Keys
that match no route are counted and listed (unmatched), never dropped
silently. Objects are read gzip'd (by .gz suffix or magic bytes) or plain:
JSON arrays, JSON lines, objects concatenated without separators (Firehose)
and CSV with a header. Records gain _source_key and _ingested_at.

Each object is ingested exactly once: its key, size and ETag are recorded in
the job's state under _lakectl/, committed with its rows. An object that
changes (same key, new ETag) is reported, and ingested again only with
--reingest-changed. lakectl never moves or deletes landed objects.

An undecodable record is reported with its key and line; the object is left
un-ingested and the run exits 1 after the good objects commit, unless
--skip-bad-records ingests the rest of it.`,
		Example: `  lakectl extract files --from s3://landing/firehose/ --route '^(?P<stream>opens|clicks)/=push_{stream}'
  lakectl extract files --from /srv/drops --route '^(?P<svc>[a-z-]+)/events/(?P<kind>[a-z]+)/=svc_{svc}_{kind}' --format jsonl
  lakectl extract files --from s3://landing/feedback/ --route '^open/=push_open' --partition-by _ingested_at:hour --skip-bad-records`,
		Args: cobra.NoArgs,
		RunE: runE(opts, runF, extractFilesRun, func(cmd *cobra.Command, _ []string) error {
			opts.ctx = cmd.Context()
			return opts.parse(routes, since)
		}),
	}
	fl := c.Flags()
	fl.StringVar(&opts.From, "from", "", "where objects land: s3://bucket/prefix or a folder")
	fl.StringArrayVar(&routes, "route", nil, "REGEX=TABLE: keys matching REGEX go to TABLE (repeatable; the first match wins)")
	fl.StringVar(&opts.Format, "format", files.FormatAuto, "auto, json, jsonl or csv")
	fl.StringVar(&opts.Job, "job", "", "name of the ingest record (default: from --from)")
	fl.StringVar(&since, "since", "", "leave alone objects last modified before this time (RFC 3339 or a date)")
	fl.StringSliceVar(&opts.Key, "key", nil, "record fields every record must carry (comma-separated), for upserting loads")
	fl.StringVar(&opts.Cursor, "cursor", "", "record field every record must carry, for upserting loads")
	fl.StringVar(&opts.PartitionBy, "partition-by", "", "FIELD[:day|hour|month]; _ingested_at partitions by arrival time")
	fl.BoolVar(&opts.SkipBadRecords, "skip-bad-records", false, "ingest the good records of an object with bad ones, and count the bad")
	fl.BoolVar(&opts.ReingestChanged, "reingest-changed", false, "ingest again an object whose ETag changed since it was ingested")
	return c
}

// parse checks the flags that need more than their type.
func (o *extractFilesOptions) parse(routes []string, since string) error {
	if o.From == "" {
		return input.Errorf("name where objects land: --from s3://bucket/prefix or --from FOLDER")
	}
	if _, err := lake.ParseURL(o.From); err != nil {
		return input.Errorf("--from %s: %v", o.From, err)
	}
	if len(routes) == 0 {
		return input.Errorf("name at least one --route 'REGEX=TABLE'")
	}
	o.Routes = o.Routes[:0]
	for _, s := range routes {
		r, err := files.ParseRoute(s)
		if err != nil {
			return input.Errorf("--route: %v", err)
		}
		o.Routes = append(o.Routes, r)
	}
	switch o.Format {
	case files.FormatAuto, files.FormatJSON, files.FormatJSONL, files.FormatCSV:
	default:
		return input.Errorf("--format %q: use auto, json, jsonl or csv", o.Format)
	}
	if o.PartitionBy != "" {
		if _, err := table.ParsePartitionRule(o.PartitionBy); err != nil {
			return input.Errorf("--partition-by: %v", err)
		}
	}
	t, err := parseTimeFlag("--since", since)
	o.Since = t
	return err
}

func extractFilesRun(opts *extractFilesOptions) error {
	res, err := extractFiles(opts.ctx, opts.f, opts)
	if res == nil || (err != nil && res.Listed == 0) { // failed before listing: the error alone
		return err
	}
	if rerr := opts.f.IO.Render(res, func(w io.Writer) error { return printExtractFiles(w, res) }); rerr != nil {
		return rerr
	}
	return err
}

// extractFiles runs one ingest of landed objects and keeps the catalog
// current; the command and `run` share it.
func extractFiles(ctx context.Context, f *Factory, o *extractFilesOptions) (*files.Result, error) {
	store, err := f.Store(ctx)
	if err != nil {
		return nil, err
	}
	src, err := files.OpenSource(ctx, o.From, sourceOptions(f))
	if err != nil {
		return nil, filesError(err)
	}
	defer src.Close()
	p := f.IO.Progress("extract files", f.Logger())
	res, err := files.Extract(ctx, store, src, files.Options{
		From: o.From, Routes: o.Routes, Format: o.Format, Job: o.Job, Since: o.Since,
		Key: o.Key, Cursor: o.Cursor, PartitionBy: o.PartitionBy,
		SkipBadRecords: o.SkipBadRecords, ReingestChanged: o.ReingestChanged,
		Logger: f.Logger(), Progress: p,
	})
	p.Done()
	if res != nil {
		var written []string
		for _, t := range res.Tables {
			written = append(written, t.Table)
		}
		f.syncCatalog(ctx, store, written...)
	}
	if o.SkipBadRecords && errors.Is(err, files.ErrBadObjects) { // skipping did not help: no record of them is usable
		return res, fmt.Errorf("%w; fix or replace them (a cut-short JSON array or corrupt gzip is never ingested in part)", err)
	}
	return res, filesError(err)
}

// sourceOptions are the options of the landed objects' store: the same
// S3 settings as the lake's (endpoint, path style, and the connect and
// idle-read timeouts of --connect-timeout / --io-timeout, whose
// lake.Options field the global flags fill).
func sourceOptions(f *Factory) lake.Options {
	c := f.Config()
	return lake.Options{S3Endpoint: c.S3Endpoint, S3PathStyle: c.S3PathStyle, Logger: f.Logger(), Timeouts: f.Timeouts()}
}

// filesError says what to do about the library's errors, naming flags.
func filesError(err error) error {
	switch {
	case errors.Is(err, files.ErrBadObjects):
		return fmt.Errorf("%w; fix or replace them, or rerun with --skip-bad-records to ingest their good records", err)
	case errors.Is(err, files.ErrNoSource):
		return input.Errorf("%v; check --from", err)
	case errors.Is(err, files.ErrOtherSource):
		return input.Errorf("%v; name another --job for another source", err)
	case errors.Is(err, files.ErrNoObjects):
		return fmt.Errorf("%w; check --from", err)
	}
	var pe *table.PartitionRuleError
	if errors.As(err, &pe) {
		return input.Errorf("%v; its objects were not ingested: keep the table's --partition-by, or route them into another table", err)
	}
	var re *files.RouteError
	if errors.As(err, &re) {
		return input.Errorf("--route: %v", err)
	}
	return err
}

func printExtractFiles(w io.Writer, res *files.Result) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tOBJECTS\tROWS\tFILES\tBYTES")
	for _, t := range res.Tables {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\n", t.Table, t.Objects, t.Rows, t.Files, humanBytes(t.Bytes))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, k := range res.UnmatchedKeys {
		fmt.Fprintf(w, "unmatched: %s\n", k)
	}
	for _, k := range res.Changed {
		fmt.Fprintf(w, "changed: %s\n", k)
	}
	for _, k := range res.Empty {
		fmt.Fprintf(w, "empty: %s\n", k)
	}
	for _, p := range res.Problems {
		fmt.Fprintf(w, "bad record: %s\n", p)
	}
	for _, p := range res.Failed {
		fmt.Fprintf(w, "not ingested: %s\n", p)
	}
	_, err := fmt.Fprintf(w, "%d of %d objects ingested (%d records, %s read), %d rows in %d files (%s) in %.1fs; %d unmatched, %d changed, %d failed, %d bad records skipped\n",
		res.Objects, res.Listed, res.Records, humanBytes(res.InBytes), res.Rows, res.Files, humanBytes(res.Bytes), res.DurationS,
		res.Unmatched, len(res.Changed), len(res.Failed), res.SkippedRecords)
	return err
}

// extractFilesJob runs an extract-files job of `run`.
func extractFilesJob(ctx context.Context, f *Factory, j config.Job, dryRun bool) (*files.Result, string, error) {
	o := &extractFilesOptions{f: f, ctx: ctx, From: j.From, Format: j.Format, Job: j.FilesJob, Key: j.Key, Cursor: j.Cursor,
		PartitionBy: j.PartitionBy, SkipBadRecords: j.SkipBadRecords, ReingestChanged: j.ReingestChanged}
	if o.Format == "" {
		o.Format = files.FormatAuto
	}
	if o.Job == "" {
		o.Job = j.Name
	}
	if err := o.parse(j.Routes, j.Since); err != nil {
		return nil, "", fmt.Errorf("job %s: %w", j.Name, err)
	}
	if dryRun {
		return nil, fmt.Sprintf("ingest the new objects of %s by routes %s", o.From, strings.Join(j.Routes, " ")), nil
	}
	res, err := extractFiles(ctx, f, o)
	return res, "", err
}
