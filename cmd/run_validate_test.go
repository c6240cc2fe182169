package cmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/internal/iostreams"
)

// A job with a bad setting is refused before any job starts, by `run`
// and by `run --dry-run` alike: exit 2, one line naming the job and its
// config key, and nothing in the lake (the extract before it would have
// written there).
func TestRunRefusesABadJobBeforeAnyJobStarts(t *testing.T) {
	dir := t.TempDir()
	land := filepath.Join(dir, "landing", "open")
	if err := os.MkdirAll(land, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(land, "a.jsonl"), []byte(`{"id":1}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badSpec := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(badSpec, []byte(`{"name": "partner", "base_url": 7}`), 0o644); err != nil {
		t.Fatal(err)
	}
	lakeDir := filepath.Join(dir, "lake")
	pg := `{name: bad, type: extract-postgres, dsn: "postgres://u@h/db", table: public.orders, `
	my := `{name: bad, type: extract-mysql, dsn: "mysql://u@h/shop", table: shop.orders, `
	cases := []struct {
		job string
		// want is the message as cmd makes it, with the config key; a
		// library's message is matched only by what it must name (its
		// options become config keys as the libraries name them).
		want    string
		library bool
	}{
		{my + `chunk_rows: -1}`, "job bad: chunk_rows -1: must be 1 or more", false},
		{my + `parallel: 0}`, "job bad: parallel 0: must be 1 or more", false},
		{my + `parallel: 65}`, "parallel 65", true},
		{my + `incremental: true, cursor: updated_at, lookback: -1h}`, "lookback -1h", true},
		{my + `lookback: soon}`, `job bad: lookback "soon" is not a duration`, false},
		{my + `partition_by: "created_at:week"}`, `job bad: partition_by: invalid partition rule "created_at:week"`, false},
		{pg + `partition_by: ":day"}`, `job bad: partition_by: `, false},
		{my + `spatial: geojson}`, `"geojson"`, true},
		{`{name: bad, type: extract-mysql, table: shop.orders}`, "dsn", true},
		{pg + `parallel: -2}`, "job bad: parallel -2: must be 1 or more", false},
		{pg + `cdc: true, incremental: true}`, "job bad: cdc and incremental exclude each other", false},
		{pg + `cursor: updated_at}`, "job bad: cursor and lookback apply only with incremental", false},
		{pg + `slot: s1}`, "job bad: slot, publication and max_slot_retained apply only with cdc", false},
		{pg + `cdc: true, max_slot_retained: lots}`, `job bad: max_slot_retained "lots" is not a size`, false},
		{pg + `chunk_rows: -5}`, "job bad: chunk_rows -5: must be positive", false},
		{`{name: bad, type: extract-api, sources: [x.json], concurrency: 0}`, "job bad: concurrency 0: must be 1 or more", false},
		{`{name: bad, type: extract-api, sources: ["` + badSpec + `"]}`, "source spec " + badSpec, true},
		{`{name: bad, type: extract-api}`, "job bad: name the sources: sources (spec files) or sources_dir", false},
		{`{name: bad, type: compact, tables: [orders], target_size: huge}`, `job bad: target_size "huge" is not a size`, false},
		{`{name: bad, type: compact}`, "job bad: tables: name at least one lake table", false},
		{`{name: bad, type: load, tables: [orders], mode: merge}`, `mode "merge"`, true},
		{`{name: bad, type: load, tables: [orders], mode: upsert}`, "upsert", true},
		{`{name: bad, type: load, tables: [Orders]}`, `job bad: tables: invalid table name "Orders"`, false},
		{`{name: bad, type: load, tables: [orders], transform: /nonexistent/t.sql}`, "job bad: transform /nonexistent/t.sql: no such file", false},
		{`{name: bad, type: publish, tables: [orders]}`, "job bad: glue_database is required", false},
		{`{name: bad, type: catalog, tables: [orders], every: -5m}`, "job bad: every -5m: want a positive duration", false},
		{`{name: bad, type: extract-files, from: "` + dir + `", routes: ['x=y'], format: xml}`, `"xml"`, true},
	}
	cfg := filepath.Join(dir, "lakectl.yaml")
	for _, tc := range cases {
		conf := "lake: " + lakeDir + "\njobs:\n" +
			"  - {name: landed, type: extract-files, from: \"" + filepath.Join(dir, "landing") + "\", routes: ['^open/=push_open']}\n" +
			"  - " + tc.job + "\n"
		if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"run"}, {"run", "--dry-run"}} {
			code, out, errOut := run(t, append([]string{"--config", cfg}, args...)...)
			msg := strings.TrimSpace(errOut)
			switch {
			case code != 2:
				t.Errorf("%s %v: exit %d, want 2: %s%s", tc.job, args, code, out, errOut)
			case strings.Contains(msg, "\n") || out != "":
				t.Errorf("%s %v: want one line on stderr and no report, got %q and %q", tc.job, args, errOut, out)
			case !strings.Contains(msg, "job bad: ") || !strings.Contains(msg, tc.want):
				t.Errorf("%s %v: %q does not name the job and say %q", tc.job, args, msg, tc.want)
			case !tc.library && strings.Contains(msg, "--"):
				t.Errorf("%s %v: %q names a flag", tc.job, args, msg)
			}
			if _, err := os.Stat(lakeDir); !os.IsNotExist(err) {
				t.Fatalf("%s %v: the lake was written (%v): a job ran", tc.job, args, err)
			}
		}
	}
}

// Good keys of every job type pass the checks, explicit numbers included.
func TestRunAcceptsGoodJobKeys(t *testing.T) {
	dir := t.TempDir()
	transform := filepath.Join(dir, "t.sql")
	spec := filepath.Join(dir, "partner.json")
	for file, text := range map[string]string{transform: "SELECT * FROM stage", spec: `{
  "name": "partner", "base_url": "http://127.0.0.1:1", "accounts": [{"id": "1"}],
  "endpoints": [{"name": "tx", "path": "/tx", "window": {"granularity": "day", "start": "2026-11-20"},
    "pagination": {"type": "page", "page_param": "page", "size": 10, "stop": "short"},
    "records_path": "data", "fields": [{"name": "id", "type": "int64"}], "key": ["id"], "table": "partner_tx"}]
}`} {
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	io, _, _, _ := iostreams.Test()
	f := NewFactory(io)
	f.Config().Tables = map[string]config.Table{"orders": {Cursor: "updated_at", Key: []string{"id"}, TargetSize: "64MiB", Codec: "zstd",
		Checks: []config.Check{{Type: "unique", Columns: []string{"id"}}}}}
	jobs := []config.Job{
		{Name: "my", Type: jobExtractMySQL, DSN: "mysql://u:pw@h:3306/shop", Table: "shop.orders", Incremental: true,
			Lookback: "7d", PartitionBy: "updated_at:day", ChunkRows: 5000, Parallel: 4, Spatial: "wkt", Every: "1h"},
		{Name: "pg", Type: jobExtractPG, DSN: "postgres://u@h/db", Table: "public.orders", Incremental: true, Lookback: "10m", Parallel: 2},
		{Name: "cdc", Type: jobExtractPG, DSN: "postgres://u@h/db", Table: "orders", CDC: true, Slot: "orders_lake", MaxSlotRetained: "20GiB"},
		{Name: "api", Type: jobExtractAPI, Sources: []string{spec, "s3://bucket/specs/x.json"}, Concurrency: 8},
		{Name: "files", Type: jobExtractFiles, From: dir, Routes: []string{"^open/=push_open"}, Format: "jsonl", PartitionBy: "_ingested_at:hour"},
		{Name: "compact", Type: jobCompact, Tables: []string{"orders"}, TargetSize: "256MiB"},
		{Name: "catalog", Type: jobCatalog},
		{Name: "check", Type: jobCheck},
		{Name: "load", Type: jobLoad, Tables: []string{"orders"}, Into: "analytics.orders", Mode: "upsert", Transform: transform},
		{Name: "publish", Type: "publish", Tables: []string{"orders"}, GlueDatabase: "lake_db", Location: "s3://bucket/lake"},
	}
	if _, err := newPipeline(f).Plan(context.Background(), jobs, nil); err != nil {
		t.Fatal(err)
	}
}
