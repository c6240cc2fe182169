package cmd

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/extract/mysql"
	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/internal/redact"
)

func runExtractMySQL(cmd *cobra.Command, f *Factory, o *extractMySQLFlags) error {
	ctx := cmd.Context()
	lookback, err := config.ParseDuration("--lookback", o.lookback)
	if err != nil {
		return err
	}
	name := o.as
	if name == "" {
		_, tbl, _ := strings.Cut(o.table, ".")
		if tbl == "" {
			tbl = o.table
		}
		name = strings.ToLower(tbl)
	}
	tc := f.Config().Tables[name]
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
		Codec:          tc.Codec,
		Logger:         f.Logger(),
	}
	if opts.PartitionBy == "" {
		opts.PartitionBy = tc.PartitionBy
	}
	if opts.Cursor == "" && opts.Incremental {
		opts.Cursor = tc.Cursor
	}
	redact.Register(ctx, dsnPassword(o.dsn))
	store, err := f.Store(ctx)
	if err != nil {
		return err
	}
	p := f.IO.Progress("extract "+name, f.Logger())
	opts.Progress = p
	res, err := mysql.Extract(ctx, store, opts)
	p.Done()
	if err != nil {
		return err
	}
	if res.Rows > 0 || res.RemovedFiles > 0 {
		f.syncCatalog(ctx, store, res.Table)
	}
	return f.IO.Render(res, func(w io.Writer) error {
		fmt.Fprintf(w, "extracted %s into tables/%s (%s, %s): %d rows, %d files, %s in %.1fs\n",
			res.Source, res.Table, res.Mode, res.Op, res.Rows, res.Files, humanBytes(res.Bytes), res.DurationS)
		if res.Cursor != "" {
			fmt.Fprintf(w, "watermark %s: %s -> %s\n", res.Cursor, orNone(res.WatermarkBefore), orNone(res.WatermarkAfter))
		}
		if res.SkippedRows > 0 {
			fmt.Fprintf(w, "skipped %d rows already in the lake (lookback overlap)\n", res.SkippedRows)
		}
		if res.ZeroDatesNulled > 0 {
			fmt.Fprintf(w, "zero dates written as NULL: %d\n", res.ZeroDatesNulled)
		}
		if res.NullCursorRows > 0 {
			fmt.Fprintf(w, "rows with a NULL cursor not extracted: %d\n", res.NullCursorRows)
		}
		return nil
	})
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

func firstNonEmpty(a, b []string) []string {
	if len(a) > 0 {
		return a
	}
	return b
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
