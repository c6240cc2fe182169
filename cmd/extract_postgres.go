package cmd

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/extract/postgres"
	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/internal/netx"
	"github.com/lakectl/lakectl/internal/redact"
)

// extractPostgresOptions are the flags of `lakectl extract postgres`.
type extractPostgresOptions struct {
	Factory *Factory
	Ctx     context.Context

	DSN, Table, As   string
	Key              []string
	Incremental      bool
	Cursor, Lookback string
	CDC              bool
	Slot             string
	Publication      string
	Resnapshot       bool
	MaxSlotRetained  string
	PartitionBy      string
	ChunkRows        int
	Parallel         int
	// ConnectTimeout and IOTimeout bound every network wait (0: the
	// library's defaults, 30s and 5m); the global --connect-timeout and
	// --io-timeout set them.
	ConnectTimeout time.Duration
	IOTimeout      time.Duration
}

func newCmdExtractPostgres(f *Factory, runF func(*extractPostgresOptions) error) *cobra.Command {
	o := &extractPostgresOptions{Factory: f}
	c := &cobra.Command{
		Use:   "postgres --dsn URL --table SCHEMA.TABLE",
		Short: "Extract a PostgreSQL table into tables/NAME, fully or by change data capture",
		Long: `Extract a PostgreSQL table into the lake as Parquet.

Full mode reads one consistent snapshot (REPEATABLE READ; with --parallel one
exported snapshot shared by every connection) in primary-key chunks and
replaces the table's files.

--cdc reads the table's changes through logical replication (pgoutput) from a
slot and a publication (created when missing). The first run snapshots the
table at the slot's consistent point; later runs append every insert, update
and delete up to the WAL position at start as row versions with _op (c, u, d)
and _lsn, then stop. The slot advances only after the lake commit.`,
		Example: `  lakectl extract postgres --dsn 'postgres://etl:${PG_PW}@db:5432/shop' --table public.orders
  lakectl extract postgres --dsn "$PG_DSN" --table public.orders --cdc
  lakectl extract postgres --dsn "$PG_DSN" --table public.orders --cdc --slot orders_lake --publication orders_lake`,
		Args: cobra.NoArgs,
		RunE: runE(o, runF, extractPostgresRun, func(cmd *cobra.Command, _ []string) error {
			o.Ctx = cmd.Context()
			return o.validate(cmd)
		}),
	}
	fl := c.Flags()
	fl.StringVar(&o.DSN, "dsn", "", "source: postgres://user:password@host:port/db?sslmode=...")
	fl.StringVar(&o.Table, "table", "", "source table SCHEMA.TABLE (TABLE alone: schema public)")
	fl.StringVar(&o.As, "as", "", "lake table name (default: the table part, lowercased)")
	fl.StringSliceVar(&o.Key, "key", nil, "key columns for chunking (default: the primary key)")
	fl.BoolVar(&o.Incremental, "incremental", false, "extract only rows past the stored watermark")
	fl.StringVar(&o.Cursor, "cursor", "", "cursor column for --incremental")
	fl.StringVar(&o.Lookback, "lookback", "", "re-read this far behind the watermark, e.g. 10m, 2h or 7d")
	fl.BoolVar(&o.CDC, "cdc", false, "read changes through logical replication (pgoutput)")
	fl.StringVar(&o.Slot, "slot", "", "replication slot for --cdc (default lakectl_NAME)")
	fl.StringVar(&o.Publication, "publication", "", "publication for --cdc (default lakectl_NAME)")
	fl.BoolVar(&o.Resnapshot, "resnapshot", false, "with --cdc: take a new snapshot and a new slot position")
	fl.StringVar(&o.MaxSlotRetained, "max-slot-retained", "", "report the slot when it holds back more WAL than this (default 10GiB)")
	fl.StringVar(&o.PartitionBy, "partition-by", "", "partition rule COL or COL:day|hour|month")
	fl.IntVar(&o.ChunkRows, "chunk-rows", 0, "rows per keyset chunk (default 100000)")
	fl.IntVar(&o.Parallel, "parallel", 1, "connections reading the snapshot in parallel")
	_ = c.MarkFlagRequired("dsn")
	_ = c.MarkFlagRequired("table")
	return c
}

// validate checks the flags against each other; every message names the flag.
func (o *extractPostgresOptions) validate(cmd *cobra.Command) error {
	fl := cmd.Flags()
	switch {
	case o.CDC && o.Incremental:
		return input.Errorf("--cdc and --incremental exclude each other: CDC already reads only the changes")
	case !o.Incremental && (o.Cursor != "" || o.Lookback != ""):
		return input.Errorf("--cursor and --lookback apply only with --incremental")
	case !o.CDC && (fl.Changed("slot") || fl.Changed("publication") || o.Resnapshot || o.MaxSlotRetained != ""):
		return input.Errorf("--slot, --publication, --resnapshot and --max-slot-retained apply only with --cdc")
	case o.Parallel < 1 || o.Parallel > postgres.MaxParallel:
		return input.Errorf("--parallel %d: want 1 to %d", o.Parallel, postgres.MaxParallel)
	case o.ChunkRows < 0:
		return input.Errorf("--chunk-rows %d: must be positive", o.ChunkRows)
	}
	return nil
}

func extractPostgresRun(o *extractPostgresOptions) error {
	f := o.Factory
	res, err := extractPostgres(o.Ctx, f, o)
	if err != nil {
		return err
	}
	return f.IO.Render(res, func(w io.Writer) error { return printExtractPostgres(w, res) })
}

// extractPostgres runs one extract and keeps the catalog current; the
// command and `run` share it.
func extractPostgres(ctx context.Context, f *Factory, o *extractPostgresOptions) (*postgres.Result, error) {
	opts, name, err := o.pgOptions(f.Config(), f.Timeouts())
	if err != nil {
		return nil, err
	}
	opts.Logger = f.Logger()
	redact.Register(ctx, pgPassword(o.DSN))
	store, err := f.Store(ctx)
	if err != nil {
		return nil, err
	}
	p := f.IO.Progress("extract "+name, f.Logger())
	opts.Progress = p
	res, err := postgres.Extract(ctx, store, opts)
	p.Done()
	if err != nil {
		return nil, postgresError(err)
	}
	if res.Rows > 0 || res.RemovedFiles > 0 {
		f.syncCatalog(ctx, store, res.Table)
	}
	return res, nil
}

// pgOptions resolves the extract against the config: a flag (or job key)
// wins over tables.<lake table>, the name it returns; timeouts not set
// take the global --connect-timeout and --io-timeout.
func (o *extractPostgresOptions) pgOptions(cfg *config.Config, t netx.Timeouts) (postgres.Options, string, error) {
	lookback, err := config.ParseDuration("--lookback", o.Lookback)
	if err != nil {
		return postgres.Options{}, "", err
	}
	var maxRetained int64
	if o.MaxSlotRetained != "" {
		if maxRetained, err = config.ParseSize("--max-slot-retained", o.MaxSlotRetained); err != nil {
			return postgres.Options{}, "", err
		}
	}
	name := lakeTableName(o.Table, o.As)
	tc := cfg.Tables[name]
	opts := postgres.Options{
		DSN: o.DSN, Table: o.Table, As: o.As, Key: firstNonEmpty(o.Key, tc.Key),
		Incremental: o.Incremental, Cursor: o.Cursor, Lookback: lookback,
		CDC: o.CDC, Slot: o.Slot, Publication: o.Publication, Resnapshot: o.Resnapshot, MaxSlotRetained: maxRetained,
		PartitionBy: o.PartitionBy, ChunkRows: o.ChunkRows, Parallel: o.Parallel,
		ConnectTimeout: cmp.Or(o.ConnectTimeout, t.Connect), IdleTimeout: cmp.Or(o.IOTimeout, t.IO),
		Codec: tc.Codec,
	}
	tableDefaults(tc, opts.Incremental, &opts.PartitionBy, &opts.Cursor)
	if opts.Incremental && opts.Cursor == "" {
		return postgres.Options{}, "", input.Errorf("--incremental needs --cursor COL (an integer, date, timestamp or timestamptz column)")
	}
	return opts, name, nil
}

// postgresError maps the library's errors to exit codes and flag names.
func postgresError(err error) error {
	if errors.Is(err, postgres.ErrSlotDropped) {
		err = fmt.Errorf("%w (rerun with --resnapshot)", err)
	}
	if errors.Is(err, postgres.ErrPartitionRule) {
		err = fmt.Errorf("%w (a run without --incremental, or --cdc with --resnapshot, rewrites the table under the new rule)", err)
	}
	return err
}

// pgPassword finds the password of a postgres:// URL or key=value DSN, to
// register it as a secret before anything can print it.
func pgPassword(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		pw, _ := u.User.Password()
		return pw
	}
	for _, kv := range strings.Fields(dsn) {
		if v, ok := strings.CutPrefix(kv, "password="); ok {
			return strings.Trim(v, "'")
		}
	}
	return ""
}

func printExtractPostgres(w io.Writer, res *postgres.Result) error {
	printExtracted(w, res.Source, res.Table, res.Mode, res.Op, res.Rows, res.Files, res.Bytes, res.DurationS)
	if res.Slot != "" {
		fmt.Fprintf(w, "slot %s: %s -> %s; %d changes (%d inserts, %d updates, %d deletes) in %d transactions\n",
			res.Slot, orNone(res.LSNBefore), orNone(res.LSNAfter), res.Changes, res.Inserts, res.Updates, res.Deletes, res.Transactions)
	}
	if res.SlotOverLimit {
		fmt.Fprintf(w, "warning: slot %s holds back %s of WAL: run the job more often, or drop the slot if it is retired\n", res.Slot, humanBytes(res.SlotRetainedBytes))
	}
	printWatermark(w, res.Cursor, res.WatermarkBefore, res.WatermarkAfter, res.SkippedRows)
	if res.NullCursorRows > 0 {
		fmt.Fprintf(w, "rows with a NULL cursor not extracted: %d\n", res.NullCursorRows)
	}
	if res.SpecialsNulled > 0 {
		fmt.Fprintf(w, "NaN/infinite numerics and infinite dates written as NULL: %d\n", res.SpecialsNulled)
	}
	if res.UnchangedToast > 0 {
		fmt.Fprintf(w, "unchanged large values written as NULL: %d (set REPLICA IDENTITY FULL to keep them)\n", res.UnchangedToast)
	}
	return nil
}

// runExtractPostgresJob is the extract-postgres job of `lakectl run`.
func runExtractPostgresJob(ctx context.Context, f *Factory, j config.Job, dryRun bool, jr *JobResult) error {
	if dryRun {
		jr.Status, jr.Result = "planned", fmt.Sprintf("extract %s into tables/%s", j.Table, lakeTableName(j.Table, j.As))
		return nil
	}
	o := &extractPostgresOptions{DSN: j.DSN, Table: j.Table, As: j.As, Key: j.Key, Incremental: j.Incremental,
		Cursor: j.Cursor, Lookback: j.Lookback, CDC: j.CDC, Slot: j.Slot, Publication: j.Publication,
		MaxSlotRetained: j.MaxSlotRetained, PartitionBy: j.PartitionBy, ChunkRows: j.ChunkRows, Parallel: max(j.Parallel, 1)}
	if o.CDC && o.Incremental {
		return input.Errorf("job %s: cdc and incremental exclude each other", j.Name)
	}
	r, err := extractPostgres(ctx, f, o)
	if r != nil {
		jr.Rows, jr.Files, jr.Bytes, jr.Result = r.Rows, r.Files, r.Bytes, r
	}
	return err
}
