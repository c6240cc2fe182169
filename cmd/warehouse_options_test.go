package cmd

import (
	"slices"
	"testing"

	"github.com/lakectl/lakectl/internal/clierr"
)

func TestWarehouseLoadOptions(t *testing.T) {
	type O = warehouseLoadOptions
	cases := []optCase[O]{
		{args: []string{"orders"}, check: func(t *testing.T, o *O) {
			if o.Table != "orders" || o.mode != "append" || o.into != "" || o.key != nil || o.parallel != 0 || o.dryRun {
				t.Errorf("defaults: %+v", o)
			}
		}},
		{args: []string{"orders", "--mode", "upsert", "--key", "id,ts", "--cursor", "ts", "--parallel", "4", "--into", "dw.orders", "--transform", "t.sql", "--dry-run"},
			check: func(t *testing.T, o *O) {
				if o.mode != "upsert" || !slices.Equal(o.key, []string{"id", "ts"}) || o.cursor != "ts" || o.parallel != 4 ||
					o.into != "dw.orders" || o.transform != "t.sql" || !o.dryRun {
					t.Errorf("flags: %+v", o)
				}
			}},
		{args: nil, code: clierr.ExitUsage},
		{args: []string{"a", "b"}, code: clierr.ExitUsage},
		{args: []string{"orders", "--parallel", "-1"}, code: clierr.ExitUsage},
	}
	// tables.<t> gives what no flag gave.
	tableCfg := "tables:\n  orders:\n    into: cfg.orders\n    key: [cfg_id]\n    cursor: cfg_ts\n    partition_types: {dt: date}\n"
	resolved := func(into, key, cursor string) func(*testing.T, *O) {
		return func(t *testing.T, o *O) {
			lo, err := o.loadOptions(o.f.Config(), o.Table)
			if err != nil || lo.Into != into || !slices.Equal(lo.Key, []string{key}) || lo.Cursor != cursor || lo.PartitionTypes["dt"].String() != "date" {
				t.Errorf("resolved %+v, %v; want into %s key %s cursor %s", lo, err, into, key, cursor)
			}
		}
	}
	cases = append(cases,
		optCase[O]{args: []string{"orders"}, config: tableCfg, check: resolved("cfg.orders", "cfg_id", "cfg_ts")},
		optCase[O]{args: []string{"orders", "--into", "f.o", "--key", "id", "--cursor", "ts"}, config: tableCfg, check: resolved("f.o", "id", "ts")},
		optCase[O]{args: []string{"orders", "--into", "a;b"}, check: func(t *testing.T, o *O) {
			if _, err := o.loadOptions(o.f.Config(), o.Table); clierr.Code(err) != clierr.ExitUsage {
				t.Errorf("--into a;b: %v", err)
			}
		}},
	)
	cases = append(cases, warehousePrecedence([]string{"orders"}, func(o *O) string { return o.f.Config().Warehouse })...)
	testOptions(t, "warehouse load", newCmdWarehouseLoad, cases)
}

func TestWarehouseReprocessOptions(t *testing.T) {
	type O = warehouseReprocessOptions
	cases := []optCase[O]{
		{args: []string{"orders"}, check: func(t *testing.T, o *O) {
			if o.Table != "orders" || o.ScaleTo != 0 || o.Yes || o.DryRun || o.Key != nil {
				t.Errorf("defaults: %+v", o)
			}
		}},
		{args: []string{"orders", "--scale-to", "8", "--yes", "--key", "id", "--cursor", "ts", "--into", "s.o", "--parallel", "2", "--dry-run"},
			check: func(t *testing.T, o *O) {
				if o.ScaleTo != 8 || !o.Yes || !slices.Equal(o.Key, []string{"id"}) || o.Cursor != "ts" || o.Into != "s.o" || o.Parallel != 2 || !o.DryRun {
					t.Errorf("flags: %+v", o)
				}
			}},
		{args: nil, code: clierr.ExitUsage},
	}
	tableCfg := "tables:\n  orders:\n    into: cfg.orders\n    key: [cfg_id]\n    cursor: cfg_ts\n"
	resolved := func(into, key, cursor string) func(*testing.T, *O) {
		return func(t *testing.T, o *O) {
			ro, err := o.reprocessOptions(o.f.Config())
			if err != nil || ro.Into != into || ro.Cursor != cursor || (key == "") != (ro.Key == nil) || key != "" && !slices.Equal(ro.Key, []string{key}) {
				t.Errorf("resolved %+v, %v; want into %s key %s cursor %s", ro, err, into, key, cursor)
			}
		}
	}
	cases = append(cases,
		optCase[O]{args: []string{"orders"}, check: resolved("orders", "", "")},
		optCase[O]{args: []string{"orders"}, config: tableCfg, check: resolved("cfg.orders", "cfg_id", "cfg_ts")},
		optCase[O]{args: []string{"orders", "--into", "f.o", "--key", "id", "--cursor", "ts"}, config: tableCfg, check: resolved("f.o", "id", "ts")},
	)
	cases = append(cases, warehousePrecedence([]string{"orders"}, func(o *O) string { return o.f.Config().Warehouse })...)
	testOptions(t, "warehouse reprocess", newCmdWarehouseReprocess, cases)
}

func TestWarehouseScaleOptions(t *testing.T) {
	type O = warehouseScaleOptions
	cases := []optCase[O]{
		{args: []string{"--nodes", "4", "--wait"}, check: func(t *testing.T, o *O) {
			if o.Nodes != 4 || o.RPU != 0 || !o.Wait || o.Restore || o.Yes || o.DryRun {
				t.Errorf("flags: %+v", o)
			}
		}},
		{args: []string{"--rpu", "32", "--yes", "--dry-run"}, check: func(t *testing.T, o *O) {
			if o.RPU != 32 || !o.Yes || !o.DryRun {
				t.Errorf("flags: %+v", o)
			}
		}},
		{args: []string{"--restore"}, check: func(t *testing.T, o *O) {
			if !o.Restore {
				t.Errorf("flags: %+v", o)
			}
		}},
		{args: nil, code: clierr.ExitUsage},
		{args: []string{"--nodes", "2", "--rpu", "8"}, code: clierr.ExitUsage},
		{args: []string{"--nodes", "2", "extra"}, code: clierr.ExitUsage},
	}
	cases = append(cases, optCase[O]{args: []string{"--nodes", "2", "--cluster", "c1"}, config: "cluster: c0\nworkgroup: \n",
		check: func(t *testing.T, o *O) {
			if c := o.f.Config(); c.Cluster != "c1" {
				t.Errorf("cluster %q, want the flag's", c.Cluster)
			}
		}})
	testOptions(t, "warehouse scale", newCmdWarehouseScale, cases)
}

func TestWarehouseStatusOptions(t *testing.T) {
	type O = warehouseStatusOptions
	cases := []optCase[O]{
		{args: nil},
		{args: []string{"extra"}, code: clierr.ExitUsage},
	}
	cases = append(cases, warehousePrecedence(nil, func(o *O) string { return o.f.Config().Warehouse })...)
	testOptions(t, "warehouse status", newCmdWarehouseStatus, cases)
}
