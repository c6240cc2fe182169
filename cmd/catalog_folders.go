package cmd

import (
	"context"
	"errors"

	"github.com/lakectl/lakectl/catalog"
	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
)

// partitionTypes reads tables.<t>.partition_types of the config: the
// declared types of folder keys written by other tools, by table.
func partitionTypes(cfg *config.Config) (map[string]map[string]schema.Type, error) {
	out := map[string]map[string]schema.Type{}
	for name, t := range cfg.Tables {
		types, err := catalog.ParsePartitionTypes(t.PartitionTypes)
		if err != nil {
			return nil, input.Errorf("config tables.%s.partition_types: %v (types: string, int64, date, timestamp, decimal(P,S), ...)", name, err)
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
		return &schema.BreakingChangeError{Table: ce.Table, Changes: []string{err.Error()}}
	}
	return err
}
