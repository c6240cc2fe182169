package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/table"
)

// requireTable opens a lake table that a command reads and refuses, as a
// usage error, a name the lake does not hold: a typo must not look like
// an empty table, nor create a warehouse file or folder.
func requireTable(ctx context.Context, f *Factory, store lake.Store, name string) (*table.Table, error) {
	tbl, err := table.Open(store, name)
	if err != nil {
		return nil, err
	}
	if err := tbl.MustExist(ctx); err != nil {
		if errors.Is(err, table.ErrNoTable) {
			return nil, input.Errorf("table %s is not in the lake %s; 'lakectl lake ls' lists the tables (check the name and --lake)", name, f.Config().Lake)
		}
		return nil, err
	}
	return tbl, nil
}

// requireStoreTable opens the lake and refuses a table it does not hold.
func (f *Factory) requireStoreTable(ctx context.Context, name string) error {
	store, err := f.Store(ctx)
	if err != nil {
		return err
	}
	_, err = requireTable(ctx, f, store, name)
	return err
}

// requireTables refuses any named table the lake does not hold (exit 2),
// before work starts.
func requireTables(ctx context.Context, f *Factory, store lake.Store, names []string) error {
	for _, name := range names {
		if _, err := requireTable(ctx, f, store, name); err != nil {
			return err
		}
	}
	return nil
}

// requireLake refuses a lake folder that does not exist, for commands
// that only read the lake.
func requireLake(f *Factory, store lake.Store) error {
	if lp, ok := lake.As[lake.LocalPather](store); ok {
		root := lp.LocalPath("")
		if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
			return input.Errorf("lake folder %s does not exist; check --lake (LAKECTL_LAKE)", root)
		}
	}
	return nil
}

// sqlIdent is an unquoted SQL identifier every warehouse takes as is.
var sqlIdent = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,126}$`)

// checkInto validates a warehouse target, SCHEMA.TABLE or TABLE, before
// any work: quoting would make anything safe, but a name with quotes or
// semicolons is a mistake to refuse, not a table to create.
func checkInto(flag, into string) error {
	if into == "" {
		return nil
	}
	schema, name, found := strings.Cut(into, ".")
	if !found {
		schema, name = "", into
	}
	if (found && !sqlIdent.MatchString(schema)) || !sqlIdent.MatchString(name) {
		return input.Errorf("%s %q is not SCHEMA.TABLE or TABLE of letters, digits and _", flag, into)
	}
	return nil
}

// checkNumericFlags refuses a negative value of any numeric flag the user
// set: no count, size or duration of lakectl's is below zero.
func checkNumericFlags(c *cobra.Command) error {
	var err error
	c.Flags().Visit(func(fl *pflag.Flag) {
		if err != nil {
			return
		}
		switch fl.Value.Type() {
		case "int", "int32", "int64", "float64", "duration":
			if v := fl.Value.String(); len(v) > 0 && v[0] == '-' {
				err = usageError(c, fmt.Errorf("--%s %s: must not be negative", fl.Name, v))
			}
		}
	})
	return err
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
			return input.Errorf("--%s %d: must be 1 or more", n, v)
		}
	}
	return nil
}

// lakeStore opens the lake for a command that only reads it, refusing a
// lake folder that does not exist.
func (f *Factory) lakeStore(ctx context.Context) (lake.Store, error) {
	store, err := f.Store(ctx)
	if err != nil {
		return nil, err
	}
	return store, requireLake(f, store)
}
