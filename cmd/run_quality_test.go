package cmd

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

// chat is a webhook receiver keeping each message's text.
type chat struct {
	mu    sync.Mutex
	texts []string
}

func (c *chat) start(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m struct{ Text string }
		_ = json.Unmarshal(b, &m)
		c.mu.Lock()
		c.texts = append(c.texts, m.Text)
		c.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/hooks/secret-token"
}

func (c *chat) messages() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.texts...)
}

// replaceTable replaces a table's rows (a full snapshot), as an extract
// that re-read a fixed source would.
func replaceTable(t *testing.T, store lake.Store, name, partitionBy string, s schema.Schema, rows []schema.Row) {
	t.Helper()
	ctx := context.Background()
	tbl, _ := table.Open(store, name)
	tx, err := tbl.Begin(ctx, table.TxOptions{Op: table.OpReplace, Job: "extract-" + name})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Abort(ctx)
	if err := tx.RemoveLive(ctx); err != nil {
		t.Fatal(err)
	}
	rule, _ := table.ParsePartitionRule(partitionBy)
	w, err := tx.NewWriter(s, table.WriterOptions{Partition: rule})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(ctx, rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

// replaceIDs replaces table t's rows with ids.
func replaceIDs(t *testing.T, store lake.Store, ids ...int64) {
	t.Helper()
	s := schema.Schema{Columns: []schema.Column{{Name: "id", Type: schema.TInt64}, {Name: "created_at", Type: schema.TTimestamp}}}
	rows := make([]schema.Row, len(ids))
	for i, id := range ids {
		rows[i] = schema.Row{schema.Int64Value(id), schema.TimestampValue(time.Now().Add(-time.Minute))}
	}
	replaceTable(t, store, "t", "", s, rows)
}

func exitCodeMetric(t *testing.T, path, job string) float64 {
	t.Helper()
	return metricValue(t, path, "lakectl_job_exit_code", job)
}

// metricValue reads one series of the textfile with Prometheus' parser.
func metricValue(t *testing.T, path, family, label string) float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mfs[family].GetMetric() {
		if m.GetLabel()[0].GetValue() == label {
			return m.GetGauge().GetValue() + m.GetCounter().GetValue()
		}
	}
	t.Fatalf("no %s{%q}", family, label)
	return 0
}

func TestCronRunWithFailingRuleThenRecovery(t *testing.T) {
	dir := t.TempDir()
	lakeDir, whFile, prom := filepath.Join(dir, "lake"), filepath.Join(dir, "wh.duckdb"), filepath.Join(dir, "lakectl.prom")
	store, err := lake.NewFileStore(lakeDir)
	if err != nil {
		t.Fatal(err)
	}
	var c chat
	cfg := filepath.Join(dir, "lakectl.yaml")
	if err := os.WriteFile(cfg, []byte(`lake: `+lakeDir+`
warehouse: duckdb://`+whFile+`
tables:
  t:
    checks:
      - {type: range, column: id, min: 1}
      - {type: freshness, column: created_at, max_age: 1h, severity: warn}
jobs:
  - {name: quality, type: check, tables: [t]}
  - {name: t-load, type: load, tables: [t]}
notify:
  - {webhook: "`+c.start(t)+`"}
metrics: {textfile: `+prom+`}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	replaceIDs(t, store, 1, 2, -3) // a bad row arrives

	for range 2 { // cron, every five minutes, nothing fixed yet
		if code, out, errOut := run(t, "--config", cfg, "-q", "run"); code != 4 {
			t.Fatalf("exit %d: %s %s", code, out, errOut)
		}
	}
	msgs := c.messages()
	if len(msgs) != 1 || !strings.Contains(msgs[0], "quality rule range(id) on table t (job quality) failed on ") ||
		!strings.Contains(msgs[0], ": 1 rows out of range. Rerun: lakectl --config "+cfg+" run quality") {
		t.Fatalf("messages: %q", msgs)
	}
	if got := exitCodeMetric(t, prom, "quality"); got != 4 {
		t.Errorf("exit code metric %v", got)
	}
	if got := metricValue(t, prom, "lakectl_table_freshness_seconds", "t"); got < 60 || got > 600 {
		t.Errorf("freshness of t: %vs", got)
	}
	if got := metricValue(t, prom, "lakectl_job_failures_total", "quality"); got != 2 {
		t.Errorf("failures of quality: %v", got)
	}
	db, err := sql.Open("duckdb", whFile)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM information_schema.tables WHERE table_name = 't'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("warehouse has table t (%d, %v): bad rows loaded", n, err)
	}
	db.Close()

	replaceIDs(t, store, 1, 2, 3) // the source is fixed and re-extracted
	if code, out, errOut := run(t, "--config", cfg, "-q", "run"); code != 0 {
		t.Fatalf("good run: exit %d: %s %s", code, out, errOut)
	}
	msgs = c.messages()
	if len(msgs) != 2 || !strings.Contains(msgs[1], "quality rule range(id) on table t (job quality) succeeds again") {
		t.Fatalf("messages: %q", msgs)
	}
	if got := exitCodeMetric(t, prom, "quality"); got != 0 {
		t.Errorf("exit code metric %v", got)
	}
	db, _ = sql.Open("duckdb", whFile)
	defer db.Close()
	var bad int
	if err := db.QueryRow(`SELECT count(*), count(*) FILTER (WHERE id < 0) FROM t`).Scan(&n, &bad); err != nil || n != 3 || bad != 0 {
		t.Fatalf("warehouse: %d rows, %d bad, %v", n, bad, err)
	}
}

func TestNotifyFlagOnAnyCommand(t *testing.T) {
	dir := t.TempDir()
	store, err := lake.NewFileStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	writeTable(t, store, "t", 1, 10)
	var c chat
	url := c.start(t)
	if code, _, _ := run(t, "--config", checkConfig(t, dir, 3), "--notify", url, "check"); code != 4 {
		t.Fatalf("exit %d", code)
	}
	if code, _, _ := run(t, "--config", checkConfig(t, dir, 3), "--notify", url, "check"); code != 4 {
		t.Fatalf("exit %d", code)
	}
	if code, _, _ := run(t, "--config", checkConfig(t, dir, 1), "--notify", url, "check"); code != 0 {
		t.Fatalf("exit %d", code)
	}
	msgs := c.messages()
	if len(msgs) != 2 || !strings.Contains(msgs[0], "lakectl: job check failed on ") || !strings.Contains(msgs[0], "quality rule range(id) (error) failed on table t: 2 rows out of range") ||
		!strings.Contains(msgs[1], "lakectl: job check succeeds again") {
		t.Fatalf("messages: %q", msgs)
	}
	// The rerun command leaves out --notify: a webhook URL's path is its token.
	if strings.Contains(msgs[0], "secret-token") || !strings.Contains(msgs[0], "Rerun: lakectl --config ") {
		t.Fatalf("failure message shows the webhook URL or no rerun command: %q", msgs[0])
	}
	// A target that cannot be reached changes nothing but a log line.
	writeTable(t, store, "t", 0, 1)
	code, _, errOut := run(t, "--config", checkConfig(t, dir, 3), "--notify", "http://127.0.0.1:1/hook", "check")
	if code != 4 || !strings.Contains(errOut, "notification not sent") {
		t.Fatalf("unreachable target: exit %d: %s", code, errOut)
	}
	if code, _, errOut := run(t, "--notify", "mailto:ops@example.com", "check"); code != 2 || !strings.Contains(errOut, `--notify "mailto:ops@example.com" is neither`) {
		t.Fatalf("bad --notify: exit %d: %s", code, errOut)
	}
}

// A check job that cannot run holds back the loads after it: a malformed
// rule is a usage error before any job runs, and a rule that fails to
// evaluate (a broken sql query) keeps the table out of the warehouse.
func TestRunWithACheckThatCannotRunLoadsNothing(t *testing.T) {
	dir := t.TempDir()
	lakeDir, whFile := filepath.Join(dir, "lake"), filepath.Join(dir, "wh.duckdb")
	store, err := lake.NewFileStore(lakeDir)
	if err != nil {
		t.Fatal(err)
	}
	replaceIDs(t, store, 1, 2, -3)
	config := func(rule string) string {
		cfg := filepath.Join(dir, "lakectl.yaml")
		if err := os.WriteFile(cfg, []byte(`lake: `+lakeDir+`
warehouse: duckdb://`+whFile+`
tables:
  t:
    checks:
      - `+rule+`
jobs:
  - {name: quality, type: check, tables: [t]}
  - {name: t-load, type: load, tables: [t]}
`), 0o600); err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	if code, out, errOut := run(t, "--config", config("{type: range, column: id}"), "run"); code != 2 || !strings.Contains(errOut, "range needs column and min or max") {
		t.Fatalf("malformed rule: exit %d: %s %s", code, out, errOut)
	}
	if code, out, errOut := run(t, "--config", config(`{type: sql, name: broken, query: "SELEC * FROM {table}"}`), "run"); code != 1 || !strings.Contains(out, "skipped") {
		t.Fatalf("broken query: exit %d: %s %s", code, out, errOut)
	}
	if _, err := os.Stat(whFile); err == nil {
		db, err := sql.Open("duckdb", whFile)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM information_schema.tables WHERE table_name = 't'`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("warehouse has table t (%d, %v): unchecked rows loaded", n, err)
		}
	}
}
