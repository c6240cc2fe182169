package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/extract/mysql"
	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/internal/redact"
	"github.com/lakectl/lakectl/lake/table"
)

// extractMySQLFlags are a MySQL extract's parameters: the command's
// flags, or an extract-mysql job's keys (`run` builds them too).
type extractMySQLFlags struct {
	dsn, table, as, cursor, lookback, partitionBy, where string
	spatial                                              string
	key                                                  []string
	incremental, tinyInt1AsBool                          bool
	chunkRows, parallel                                  int
}

// extractMySQLOptions are the inputs of `lakectl extract mysql`.
type extractMySQLOptions struct {
	f   *Factory
	ctx context.Context
	extractMySQLFlags
}

func newCmdExtractMySQL(f *Factory, runF func(*extractMySQLOptions) error) *cobra.Command {
	opts := &extractMySQLOptions{f: f}
	o := &opts.extractMySQLFlags
	c := &cobra.Command{
		Use:   "mysql --dsn DSN --table DB.TABLE",
		Short: "Extract a MySQL/MariaDB table into tables/NAME as Parquet",
		Long: `Extract a MySQL or MariaDB table into the lake as Parquet.

Full mode reads one consistent snapshot in primary-key chunks and replaces the
table's files: the new snapshot becomes visible whole, then the old files go.
Incremental mode (--incremental --cursor COL) reads only rows at or past the
stored watermark minus --lookback, never writing a (key, cursor) pair twice.`,
		Example: `  lakectl extract mysql --dsn 'mysql://etl:${DB_PW}@db:3306/shop' --table shop.orders
  lakectl extract mysql --dsn "$DSN" --table shop.orders --incremental --cursor updated_at --lookback 10m --partition-by created_at:day`,
		Args: cobra.NoArgs,
		RunE: runE(opts, runF, extractMySQLRun, func(cmd *cobra.Command, _ []string) error {
			opts.ctx = cmd.Context()
			if err := positiveFlags(cmd, "chunk-rows", "parallel"); err != nil {
				return err
			}
			if o.spatial != "wkb" && o.spatial != "wkt" {
				return input.Errorf("--spatial %q: want wkb or wkt", o.spatial)
			}
			return nil
		}),
	}
	fl := c.Flags()
	fl.StringVar(&o.dsn, "dsn", "", "source: mysql://user:password@host:port/db?param=value or user:password@tcp(host:port)/db")
	fl.StringVar(&o.table, "table", "", "source table DB.TABLE")
	fl.StringVar(&o.as, "as", "", "lake table name (default: the table part of DB.TABLE)")
	fl.StringSliceVar(&o.key, "key", nil, "key columns for chunking, for tables without a primary key")
	fl.BoolVar(&o.incremental, "incremental", false, "extract only rows past the stored watermark")
	fl.StringVar(&o.cursor, "cursor", "", "cursor column for --incremental (integer, DATE, DATETIME or TIMESTAMP)")
	fl.StringVar(&o.lookback, "lookback", "", "re-read this far behind the watermark for late commits, e.g. 10m, 2h or 7d")
	fl.StringVar(&o.partitionBy, "partition-by", "", "partition rule COL or COL:day|hour|month")
	fl.IntVar(&o.chunkRows, "chunk-rows", 0, "rows per keyset chunk (default 100000)")
	fl.IntVar(&o.parallel, "parallel", 1, "connections reading the snapshot in parallel")
	fl.StringVar(&o.where, "where", "", "extra SQL filter on the source rows")
	fl.BoolVar(&o.tinyInt1AsBool, "tinyint1-as-bool", false, "map TINYINT(1) to bool instead of int8")
	fl.StringVar(&o.spatial, "spatial", "wkb", "spatial columns as wkb (bytes: 4-byte little-endian SRID, then WKB) or wkt (text)")
	_ = c.MarkFlagRequired("dsn")
	_ = c.MarkFlagRequired("table")
	return c
}

func extractMySQLRun(opts *extractMySQLOptions) error {
	res, err := extractMySQL(opts.ctx, opts.f, &opts.extractMySQLFlags)
	if err != nil {
		return err
	}
	return opts.f.IO.Render(res, func(w io.Writer) error { return printExtractMySQL(w, res) })
}

// extractMySQL runs one MySQL extract and keeps the catalog current; the
// command and `run` share it.
func extractMySQL(ctx context.Context, f *Factory, o *extractMySQLFlags) (*mysql.Result, error) {
	opts, name, err := o.mysqlOptions(f.Config())
	if err != nil {
		return nil, err
	}
	opts.Logger, opts.Timeouts = f.Logger(), f.Timeouts()
	redact.Register(ctx, dsnPassword(o.dsn))
	store, err := f.Store(ctx)
	if err != nil {
		return nil, err
	}
	p := f.IO.Progress("extract "+name, f.Logger())
	opts.Progress = p
	res, err := mysql.Extract(ctx, store, opts)
	p.Done()
	if err != nil {
		return nil, extractMySQLError(err, o)
	}
	if res.Rows > 0 || res.RemovedFiles > 0 {
		f.syncCatalog(ctx, store, res.Table)
	}
	return res, nil
}

func printExtractMySQL(w io.Writer, res *mysql.Result) error {
	printExtracted(w, res.Source, res.Table, res.Mode, res.Op, res.Rows, res.Files, res.Bytes, res.DurationS)
	printWatermark(w, res.Cursor, res.WatermarkBefore, res.WatermarkAfter, res.SkippedRows)
	if res.ZeroDatesNulled > 0 {
		fmt.Fprintf(w, "zero dates written as NULL: %d\n", res.ZeroDatesNulled)
	}
	if res.NullCursorRows > 0 {
		fmt.Fprintf(w, "rows with a NULL cursor not extracted: %d\n", res.NullCursorRows)
	}
	return nil
}

// mysqlOptions resolves an extract against the config: a flag (or job
// key) wins over tables.<lake table>, the name it returns.
func (o *extractMySQLFlags) mysqlOptions(cfg *config.Config) (mysql.Options, string, error) {
	lookback, err := config.ParseDuration("--lookback", o.lookback)
	if err != nil {
		return mysql.Options{}, "", err
	}
	name := lakeTableName(o.table, o.as)
	tc := cfg.Tables[name]
	opts := mysql.Options{
		DSN:            o.dsn,
		Table:          o.table,
		As:             o.as,
		Key:            firstNonEmpty(o.key, tc.Key),
		Incremental:    o.incremental,
		Cursor:         o.cursor,
		Lookback:       lookback,
		PartitionBy:    o.partitionBy,
		ChunkRows:      o.chunkRows,
		Parallel:       o.parallel,
		Where:          o.where,
		TinyInt1AsBool: o.tinyInt1AsBool,
		Spatial:        o.spatial,
		Codec:          tc.Codec,
	}
	tableDefaults(tc, opts.Incremental, &opts.PartitionBy, &opts.Cursor)
	return opts, name, nil
}

// dsnPassword finds the password of either DSN form, to register it as a
// secret before anything can print it.
func dsnPassword(dsn string) string {
	userinfo := dsn
	if rest, ok := strings.CutPrefix(dsn, "mysql://"); ok {
		userinfo = rest
	}
	at := strings.LastIndex(userinfo, "@")
	if at < 0 {
		return ""
	}
	_, pw, ok := strings.Cut(userinfo[:at], ":")
	if !ok {
		return ""
	}
	return pw
}

// extractMySQLError turns the refusals of a run whose settings no longer
// fit the lake table into one line naming the command that fixes it.
func extractMySQLError(err error, o *extractMySQLFlags) error {
	var (
		source *mysql.SourceChangedError
		rule   *table.PartitionRuleError
		types  *table.AppendSchemaError
	)
	switch {
	case errors.As(err, &source):
		return input.Errorf("%v; nothing was written. To replace tables/%s with %s, run the same command without --incremental (a full extract starts the job over); to keep both, extract %s into another table with --as NAME",
			source, source.Table, source.Want, source.Want)
	case errors.As(err, &rule):
		want := "without --partition-by"
		if !rule.Want.IsZero() {
			want = "with --partition-by " + rule.Want.String()
		}
		return input.Errorf("%v; nothing was written. To rewrite the table under the new rule, run `lakectl extract mysql --dsn DSN --table %s %s` without --incremental (a full extract replaces every file); or keep the table's rule",
			rule, o.table, want)
	case errors.As(err, &types):
		return fmt.Errorf("%w; nothing was written. To rewrite the table with the source's types, run the same command without --incremental (a full extract replaces every file), or extract a view that casts %s back to %s",
			err, types.Column, types.Have)
	}
	return err
}
