package cmd

import (
	"strconv"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/clierr"
)

func newExtractCmd(f *Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "extract",
		Short: "Extract sources (MySQL tables, partner APIs, landed files) into the lake",
	}
	c.AddCommand(newExtractMySQLCmd(f), newCmdExtractPostgres(f, nil), newExtractAPICmd(f), newCmdExtractFiles(f, nil))
	return c
}

type extractMySQLFlags struct {
	dsn, table, as, cursor, lookback, partitionBy, where string
	spatial                                              string
	key                                                  []string
	incremental, tinyInt1AsBool                          bool
	chunkRows, parallel                                  int
}

func newExtractMySQLCmd(f *Factory) *cobra.Command {
	var o extractMySQLFlags
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
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := positiveFlags(cmd, "chunk-rows", "parallel"); err != nil {
				return err
			}
			if o.spatial != "wkb" && o.spatial != "wkt" {
				return clierr.Usagef("--spatial %q: want wkb or wkt", o.spatial)
			}
			return runExtractMySQL(cmd, f, &o)
		},
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

type extractAPIFlags struct {
	sources     []string
	sourcesDir  string
	from, to    string
	concurrency int
	replay      bool
}

func newExtractAPICmd(f *Factory) *cobra.Command {
	var o extractAPIFlags
	c := &cobra.Command{
		Use:   "api --source SPEC [--source SPEC ...] | --sources DIR",
		Short: "Extract paginated partner HTTP APIs into raw/ and tables/",
		Long: `Call paginated HTTP APIs described by JSON source specs (one per partner), keep
every response under raw/, and write the records to Parquet under tables/.
--replay rebuilds the tables from raw/ without calling any API.`,
		Example: `  lakectl extract api --source sources/awin.json
  lakectl extract api --sources s3://bucket/sources/ --from 2026-11-01T00:00:00Z --to 2026-11-02T00:00:00Z
  lakectl extract api --sources sources/ --replay`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := positiveFlags(cmd, "concurrency"); err != nil {
				return err
			}
			return runExtractAPI(cmd, f, &o)
		},
	}
	fl := c.Flags()
	fl.StringArrayVar(&o.sources, "source", nil, "source spec: a JSON file or a lake URL (repeatable)")
	fl.StringVar(&o.sourcesDir, "sources", "", "folder or lake prefix: run every *.json spec in it")
	fl.StringVar(&o.from, "from", "", "window start, RFC 3339 or YYYY-MM-DD (default: from the stored state)")
	fl.StringVar(&o.to, "to", "", "window end, RFC 3339 or YYYY-MM-DD (default: now)")
	fl.IntVar(&o.concurrency, "concurrency", 0, "requests in flight across all sources (default 32)")
	fl.BoolVar(&o.replay, "replay", false, "rebuild tables from raw/ without calling any API")
	return c
}

// positiveFlags refuses an integer flag given explicitly as 0 or less
// (leaving it out keeps its default), before anything runs.
func positiveFlags(cmd *cobra.Command, names ...string) error {
	for _, n := range names {
		fl := cmd.Flags().Lookup(n)
		if fl == nil || !fl.Changed {
			continue
		}
		if v, err := strconv.Atoi(fl.Value.String()); err == nil && v < 1 {
			return clierr.Usagef("--%s %d: must be 1 or more", n, v)
		}
	}
	return nil
}
