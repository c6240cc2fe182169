package cmd

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/catalog"
	"github.com/lakectl/lakectl/internal/clierr"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/table"
)

func runCatalogCrawl(cmd *cobra.Command, f *Factory, tables []string) error {
	ctx := cmd.Context()
	store, err := f.Store(ctx)
	if err != nil {
		return err
	}
	types, err := partitionTypes(f.Config())
	if err != nil {
		return err
	}
	if err := requireTables(ctx, f, store, tables); err != nil {
		return err
	}
	res, err := catalog.Crawl(ctx, store, tables, catalog.CrawlOptions{Logger: f.Logger(), Progress: f.IO.Progress("crawl", f.Logger()), PartitionTypes: types})
	err = breakingConflict(err)
	if res == nil {
		return err
	}
	if rerr := f.IO.Render(res, func(w io.Writer) error {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TABLE\tFILES\tFOOTERS READ\tROWS\tVERSION\tCHANGE")
		for _, t := range res.Tables {
			change := t.Change
			switch {
			case t.Error != "" && t.Recorded:
				change += "; not recorded: " + t.Error
			case t.Error != "":
				change = "error: " + t.Error
			case !t.Recorded:
				change = "unchanged"
			}
			if t.Note != "" {
				change += " (" + t.Note + ")"
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\tv%d\t%s\n", t.Table, t.Files, t.FootersRead, t.Rows, t.Version, change)
		}
		return tw.Flush()
	}); rerr != nil {
		return rerr
	}
	return err
}

func runCatalogShow(cmd *cobra.Command, f *Factory, name string, n int) error {
	ctx := cmd.Context()
	store, err := f.Store(ctx)
	if err != nil {
		return err
	}
	var v *catalog.Version
	if n > 0 {
		v, err = catalog.Get(ctx, store, name, n)
	} else {
		v, err = catalog.Latest(ctx, store, name)
	}
	if err != nil {
		return noVersion(ctx, f, store, name, n, err)
	}
	return f.IO.Render(v, func(w io.Writer) error {
		fmt.Fprintf(w, "%s v%d (%s, %d files, fingerprint %s)\n", name, v.N, v.Time.UTC().Format("2006-01-02 15:04:05Z"), v.Files, v.Fingerprint)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "COLUMN\tTYPE\tNULLABLE")
		for _, c := range v.Schema.Columns {
			fmt.Fprintf(tw, "%s\t%s\t%v\n", c.Name, c.Type, c.Nullable)
		}
		for _, p := range v.Partitions {
			fmt.Fprintf(tw, "%s\t%s\tpartition\n", p.Name, p.Type)
		}
		return tw.Flush()
	})
}

func runCatalogHistory(cmd *cobra.Command, f *Factory, name string) error {
	ctx := cmd.Context()
	store, err := f.Store(ctx)
	if err != nil {
		return err
	}
	vs, err := catalog.History(ctx, store, name)
	if err != nil {
		return noVersion(ctx, f, store, name, 0, err)
	}
	if len(vs) == 0 {
		return noVersion(ctx, f, store, name, 0, lake.ErrNotExist)
	}
	res := struct {
		Table    string            `json:"table"`
		Versions []catalog.Version `json:"versions"`
	}{name, vs}
	return f.IO.Render(res, func(w io.Writer) error {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "VERSION\tTIME\tCOLUMNS\tFILES\tCHANGE")
		for _, v := range vs {
			fmt.Fprintf(tw, "v%d\t%s\t%d\t%d\t%s\n", v.N, v.Time.UTC().Format("2006-01-02 15:04:05Z"), len(v.Schema.Columns), v.Files, v.Change)
		}
		return tw.Flush()
	})
}

func runCatalogDiff(cmd *cobra.Command, f *Factory, args []string) error {
	ctx := cmd.Context()
	store, err := f.Store(ctx)
	if err != nil {
		return err
	}
	var ab [2]int
	for i, s := range args[1:] {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return clierr.Usagef("version %q is not a positive number; 'lakectl catalog history %s' lists them", s, args[0])
		}
		ab[i] = n
	}
	changes, err := catalog.Diff(ctx, store, args[0], ab[0], ab[1])
	if err != nil {
		return noVersion(ctx, f, store, args[0], 0, err)
	}
	res := struct {
		Table   string           `json:"table"`
		A       int              `json:"a,omitempty"`
		B       int              `json:"b,omitempty"`
		Changes []catalog.Change `json:"changes"`
	}{args[0], ab[0], ab[1], changes}
	if res.Changes == nil {
		res.Changes = []catalog.Change{}
	}
	return f.IO.Render(res, func(w io.Writer) error {
		if len(changes) == 0 {
			_, err := fmt.Fprintln(w, "no differences")
			return err
		}
		for _, c := range changes {
			mark := " "
			if c.Breaking {
				mark = "!"
			}
			fmt.Fprintf(w, "%s %s\n", mark, c)
		}
		return nil
	})
}

func runCatalogCheck(cmd *cobra.Command, f *Factory, tables []string) error {
	ctx := cmd.Context()
	store, err := f.Store(ctx)
	if err != nil {
		return err
	}
	types, err := partitionTypes(f.Config())
	if err != nil {
		return err
	}
	if err := requireTables(ctx, f, store, tables); err != nil {
		return err
	}
	res, err := catalog.Check(ctx, store, tables, catalog.CheckOptions{PartitionTypes: types})
	err = breakingConflict(err)
	if res == nil {
		return err
	}
	if rerr := f.IO.Render(res, func(w io.Writer) error {
		for _, t := range res.Tables {
			state := "ok"
			if t.Breaking {
				state = "BREAKING"
			}
			fmt.Fprintf(w, "%s v%d: %s", t.Table, t.Version, state)
			if t.Note != "" {
				fmt.Fprintf(w, " (%s)", t.Note)
			}
			fmt.Fprintln(w)
			for _, c := range t.Live {
				fmt.Fprintf(w, "  live files: %s\n", c)
			}
			for _, c := range t.Recorded {
				fmt.Fprintf(w, "  recorded:   %s\n", c)
			}
		}
		return nil
	}); rerr != nil {
		return rerr
	}
	return err
}

func runCatalogDDL(cmd *cobra.Command, f *Factory, name, dialect, location string) error {
	ctx := cmd.Context()
	d, err := catalog.ParseDialect(dialect)
	if err != nil {
		return err
	}
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
	if location != "" && d != catalog.Athena {
		return clierr.Usagef("--location applies to --dialect athena only (the %s DDL names no location)", d)
	}
	if d == catalog.Athena {
		if loc, err = athenaLocation(loc, location, name); err != nil {
			return err
		}
	}
	opts := catalog.DDLOptions{
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
		opts.VarcharBytes, opts.VarcharHeadroom = catalog.SizedVarchars(observed, unknown), -1
	}
	ddl, err := catalog.DDL(d, name, v.Schema, opts)
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

// notCrawled turns "no version" into what the user should do.
func notCrawled(name string, err error) error {
	if errors.Is(err, lake.ErrNotExist) {
		return fmt.Errorf("table %s has no recorded schema; run 'lakectl catalog crawl %s' first", name, name)
	}
	return err
}
