package cmd

import (
	"slices"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/clierr"
)

func TestExtractMySQLOptions(t *testing.T) {
	type O = extractMySQLOptions
	base := []string{"--dsn", "mysql://etl@db/shop", "--table", "shop.orders"}
	cases := []optCase[O]{
		{args: base, check: func(t *testing.T, o *O) {
			if o.dsn != "mysql://etl@db/shop" || o.table != "shop.orders" || o.spatial != "wkb" || o.parallel != 1 || o.chunkRows != 0 ||
				o.incremental || o.tinyInt1AsBool || o.as != "" || o.key != nil {
				t.Errorf("defaults: %+v", o)
			}
		}},
		{args: append(slices.Clone(base), "--as", "o", "--key", "a,b", "--incremental", "--cursor", "ts", "--lookback", "10m",
			"--partition-by", "ts:day", "--chunk-rows", "500", "--parallel", "3", "--where", "id>1", "--tinyint1-as-bool", "--spatial", "wkt"),
			check: func(t *testing.T, o *O) {
				if o.as != "o" || !slices.Equal(o.key, []string{"a", "b"}) || !o.incremental || o.cursor != "ts" || o.lookback != "10m" ||
					o.partitionBy != "ts:day" || o.chunkRows != 500 || o.parallel != 3 || o.where != "id>1" || !o.tinyInt1AsBool || o.spatial != "wkt" {
					t.Errorf("flags: %+v", o)
				}
			}},
		{args: []string{"--table", "shop.orders"}, code: clierr.ExitUsage},
		{args: []string{"--dsn", "x"}, code: clierr.ExitUsage},
		{args: append(slices.Clone(base), "--spatial", "geojson"), code: clierr.ExitUsage},
		{args: append(slices.Clone(base), "--chunk-rows", "0"), code: clierr.ExitUsage},
		{args: append(slices.Clone(base), "--parallel", "0"), code: clierr.ExitUsage},
	}
	tableCfg := "tables:\n  orders:\n    key: [cfg_id]\n    cursor: cfg_ts\n    partition_by: cfg_ts:month\n    codec: zstd\n"
	resolved := func(name, key, cursor, partitionBy string) func(*testing.T, *O) {
		return func(t *testing.T, o *O) {
			mo, n, err := o.mysqlOptions(o.f.Config())
			if err != nil || n != name || !slices.Equal(mo.Key, []string{key}) || mo.Cursor != cursor || mo.PartitionBy != partitionBy {
				t.Errorf("resolved %s %+v, %v; want %s key %s cursor %s partition %s", n, mo, err, name, key, cursor, partitionBy)
			}
		}
	}
	cases = append(cases,
		// The cursor comes from the config only for an incremental extract.
		optCase[O]{args: base, config: tableCfg, check: resolved("orders", "cfg_id", "", "cfg_ts:month")},
		optCase[O]{args: append(slices.Clone(base), "--incremental"), config: tableCfg, check: resolved("orders", "cfg_id", "cfg_ts", "cfg_ts:month")},
		optCase[O]{args: append(slices.Clone(base), "--incremental", "--cursor", "ts", "--key", "id", "--partition-by", "ts:day"), config: tableCfg,
			check: resolved("orders", "id", "ts", "ts:day")},
		optCase[O]{args: []string{"--dsn", "d", "--table", "shop.Orders", "--as", "o2"}, config: tableCfg, check: func(t *testing.T, o *O) {
			if mo, n, err := o.mysqlOptions(o.f.Config()); err != nil || n != "o2" || mo.Key != nil {
				t.Errorf("--as o2: %s %+v %v", n, mo, err)
			}
		}},
		optCase[O]{args: append(slices.Clone(base), "--lookback", "soon"), check: func(t *testing.T, o *O) {
			if _, _, err := o.mysqlOptions(o.f.Config()); clierr.Code(err) != clierr.ExitUsage {
				t.Errorf("--lookback soon: %v", err)
			}
		}},
	)
	cases = append(cases, lakePrecedence(base, func(o *O) string { return o.f.Config().Lake })...)
	testOptions(t, "extract mysql", newCmdExtractMySQL, cases)
}

func TestExtractAPIOptions(t *testing.T) {
	type O = extractAPIOptions
	cases := []optCase[O]{
		{args: []string{"--source", "a.json", "--source", "b,c.json"}, check: func(t *testing.T, o *O) {
			if !slices.Equal(o.sources, []string{"a.json", "b,c.json"}) || o.sourcesDir != "" || o.concurrency != 0 || o.replay || o.from != "" || o.to != "" {
				t.Errorf("flags: %+v", o)
			}
		}},
		{args: []string{"--sources", "s3://b/sources/", "--from", "2026-11-01", "--to", "2026-11-02T00:00:00Z", "--concurrency", "8", "--replay"},
			check: func(t *testing.T, o *O) {
				if o.sourcesDir != "s3://b/sources/" || o.from != "2026-11-01" || o.to != "2026-11-02T00:00:00Z" || o.concurrency != 8 || !o.replay {
					t.Errorf("flags: %+v", o)
				}
			}},
		{args: []string{"--sources", "d", "--concurrency", "0"}, code: clierr.ExitUsage},
		{args: []string{"extra"}, code: clierr.ExitUsage},
	}
	cases = append(cases, lakePrecedence([]string{"--sources", "d"}, func(o *O) string { return o.f.Config().Lake })...)
	testOptions(t, "extract api", newCmdExtractAPI, cases)
}

func TestExtractPostgresOptionsThroughRoot(t *testing.T) {
	type O = extractPostgresOptions
	base := []string{"--dsn", "postgres://etl@db/shop", "--table", "public.orders"}
	cases := []optCase[O]{
		{args: base, check: func(t *testing.T, o *O) {
			if o.DSN != "postgres://etl@db/shop" || o.Table != "public.orders" || o.Parallel != 1 || o.CDC || o.Incremental {
				t.Errorf("defaults: %+v", o)
			}
		}},
		{args: append(slices.Clone(base), "--cdc", "--incremental"), code: clierr.ExitUsage},
	}
	tableCfg := "tables:\n  orders:\n    key: [cfg_id]\n    cursor: cfg_ts\n    partition_by: cfg_ts:month\n"
	resolved := func(key, cursor, partitionBy string, connect time.Duration) func(*testing.T, *O) {
		return func(t *testing.T, o *O) {
			po, n, err := o.pgOptions(o.Factory.Config(), o.Factory.Timeouts())
			if err != nil || n != "orders" || !slices.Equal(po.Key, []string{key}) || po.Cursor != cursor || po.PartitionBy != partitionBy || po.ConnectTimeout != connect {
				t.Errorf("resolved %s %+v, %v", n, po, err)
			}
		}
	}
	cases = append(cases,
		optCase[O]{args: append(slices.Clone(base), "--incremental"), config: tableCfg, check: resolved("cfg_id", "cfg_ts", "cfg_ts:month", 30*time.Second)},
		optCase[O]{args: append(slices.Clone(base), "--incremental", "--cursor", "ts", "--key", "id", "--partition-by", "ts:day", "--connect-timeout", "5s"),
			config: tableCfg, check: resolved("id", "ts", "ts:day", 5*time.Second)},
		optCase[O]{args: append(slices.Clone(base), "--incremental"), check: func(t *testing.T, o *O) {
			if _, _, err := o.pgOptions(o.Factory.Config(), o.Factory.Timeouts()); clierr.Code(err) != clierr.ExitUsage {
				t.Errorf("--incremental without a cursor: %v", err)
			}
		}},
	)
	cases = append(cases, lakePrecedence(base, func(o *O) string { return o.Factory.Config().Lake })...)
	testOptions(t, "extract postgres", newCmdExtractPostgres, cases)
}

func TestExtractFilesOptionsThroughRoot(t *testing.T) {
	type O = extractFilesOptions
	cases := lakePrecedence([]string{"--from", "s3://landing/in/", "--route", "x=events"}, func(o *O) string { return o.f.Config().Lake })
	testOptions(t, "extract files", newCmdExtractFiles, cases)
}
