package cmd

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/lakectl/lakectl/catalog"
	"github.com/lakectl/lakectl/internal/clierr"
	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

// partitionTypes reads tables.<t>.partition_types of the config: the
// declared types of folder keys written by other tools, by table.
func partitionTypes(cfg *config.Config) (map[string]map[string]schema.Type, error) {
	out := map[string]map[string]schema.Type{}
	for name, t := range cfg.Tables {
		types, err := catalog.ParsePartitionTypes(t.PartitionTypes)
		if err != nil {
			return nil, clierr.Usagef("config tables.%s.partition_types: %v (types: string, int64, date, timestamp, decimal(P,S), ...)", name, err)
		}
		if types != nil {
			out[name] = types
		}
	}
	return out, nil
}

// catalogStore opens the lake, reads partition_types and refuses any named
// table the lake does not hold, before crawl or check reads a file.
func catalogStore(ctx context.Context, f *Factory, tables []string) (lake.Store, map[string]map[string]schema.Type, error) {
	store, err := f.Store(ctx)
	if err != nil {
		return nil, nil, err
	}
	types, err := partitionTypes(f.Config())
	if err != nil {
		return nil, nil, err
	}
	return store, types, requireTables(ctx, f, store, tables)
}

// tablePartitionTypes is partitionTypes of one table.
func tablePartitionTypes(cfg *config.Config, name string) (map[string]schema.Type, error) {
	all, err := partitionTypes(cfg)
	return all[name], err
}

// breakingConflict gives live files that disagree the exit code of a
// breaking change (3), keeping the message that names them.
func breakingConflict(err error) error {
	var ce *catalog.ConflictError
	if errors.As(err, &ce) {
		return &clierr.BreakingChangeError{Table: ce.Table, Changes: []string{err.Error()}}
	}
	return err
}

// athenaLocation is the S3 location of a table for Athena: under
// --location (the lake's future s3:// URL) when given, else the table's
// own (tableURL).
func athenaLocation(tableURL, location, name string) (string, error) {
	if location == "" {
		if !strings.HasPrefix(tableURL, "s3://") {
			return "", clierr.Usagef("table %s is at %s, not on S3, so Athena cannot read it: pass --location s3://BUCKET/PREFIX (the lake's future S3 location) to get the DDL for the lake once it lives there", name, tableURL)
		}
		return tableURL, nil
	}
	if !strings.HasPrefix(location, "s3://") || len(location) <= len("s3://") {
		return "", clierr.Usagef("--location %q is not an s3:// URL: pass the lake's S3 location, e.g. s3://bucket/lake", location)
	}
	loc := strings.TrimSuffix(location, "/") + "/"
	if strings.HasSuffix(loc, "/"+table.TablePrefix(name)) {
		return loc, nil // the table's own location
	}
	return fmt.Sprintf("%s%s", loc, table.TablePrefix(name)), nil
}
