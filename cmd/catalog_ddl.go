package cmd

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/catalog"
	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/lake/table"
)

// catalogDDLOptions are the inputs of `lakectl catalog ddl`.
type catalogDDLOptions struct {
	f        *Factory
	ctx      context.Context
	Table    string
	Dialect  catalog.Dialect
	Location string // athena only
}

func newCmdCatalogDDL(f *Factory, runF func(*catalogDDLOptions) error) *cobra.Command {
	opts := &catalogDDLOptions{f: f}
	var dialect string
	c := &cobra.Command{
		Use:     "ddl TABLE --dialect redshift|athena|postgres|duckdb",
		Short:   "Print the DDL that creates the table in a dialect",
		Example: "  lakectl catalog ddl orders --dialect athena\n  lakectl catalog ddl orders --dialect athena --location s3://bucket/lake",
		Args:    cobra.ExactArgs(1),
		RunE: runE(opts, runF, catalogDDLRun, func(cmd *cobra.Command, args []string) error {
			opts.ctx, opts.Table = cmd.Context(), args[0]
			d, err := catalog.ParseDialect(dialect)
			if err != nil {
				return err
			}
			if opts.Dialect = d; opts.Location != "" && d != catalog.Athena {
				return input.Errorf("--location applies to --dialect athena only (the %s DDL names no location)", d)
			}
			return nil
		}),
	}
	c.Flags().StringVar(&dialect, "dialect", "", "redshift, athena, postgres or duckdb")
	c.Flags().StringVar(&opts.Location, "location", "", "athena: the lake's S3 location s3://BUCKET/PREFIX (default: the lake's own, which must be on S3)")
	_ = c.MarkFlagRequired("dialect")
	return c
}

func catalogDDLRun(opts *catalogDDLOptions) error {
	f, ctx, name, d := opts.f, opts.ctx, opts.Table, opts.Dialect
	store, err := f.Store(ctx)
	if err != nil {
		return err
	}
	v, err := catalog.Latest(ctx, store, name)
	if err != nil {
		return noVersion(ctx, f, store, name, 0, err)
	}
	tc := f.Config().Tables[name]
	loc := store.URL(table.TablePrefix(name))
	if d == catalog.Athena {
		if loc, err = athenaLocation(loc, opts.Location, name); err != nil {
			return err
		}
	}
	ddlOpts := catalog.DDLOptions{
		IfNotExists: true,
		Location:    loc,
		Partitions:  v.Partitions,
		DistKey:     tc.DistKey,
		SortKey:     tc.SortKey,
	}
	if d == catalog.Redshift {
		// VARCHAR sized from the data, as warehouse load sizes it.
		observed, unknown, err := catalog.StringSizes(ctx, store, name)
		if err != nil {
			return err
		}
		ddlOpts.VarcharBytes, ddlOpts.VarcharHeadroom = catalog.SizedVarchars(observed, unknown), -1
	}
	ddl, err := catalog.DDL(d, name, v.Schema, ddlOpts)
	if err != nil {
		return err
	}
	res := struct {
		Table   string `json:"table"`
		Dialect string `json:"dialect"`
		Version int    `json:"version"`
		DDL     string `json:"ddl"`
	}{name, string(d), v.N, ddl}
	return f.IO.Render(res, func(w io.Writer) error {
		_, err := fmt.Fprintln(w, ddl)
		return err
	})
}

// athenaLocation is the S3 location of a table for Athena: under
// --location (the lake's future s3:// URL) when given, else the table's
// own (tableURL).
func athenaLocation(tableURL, location, name string) (string, error) {
	if location == "" {
		if !strings.HasPrefix(tableURL, "s3://") {
			return "", input.Errorf("table %s is at %s, not on S3, so Athena cannot read it: pass --location s3://BUCKET/PREFIX (the lake's future S3 location) to get the DDL for the lake once it lives there", name, tableURL)
		}
		return tableURL, nil
	}
	if !strings.HasPrefix(location, "s3://") || len(location) <= len("s3://") {
		return "", input.Errorf("--location %q is not an s3:// URL: pass the lake's S3 location, e.g. s3://bucket/lake", location)
	}
	loc := strings.TrimSuffix(location, "/") + "/"
	if strings.HasSuffix(loc, "/"+table.TablePrefix(name)) {
		return loc, nil // the table's own location
	}
	return fmt.Sprintf("%s%s", loc, table.TablePrefix(name)), nil
}
