package mysql

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/lake/table"
)

// history tracks every (key, cursor) version MariaDB held when a run read
// it, and checks the lake against it with DuckDB.
type history struct {
	t     *testing.T
	f     *fixture
	table string
	all   map[string]bool
}

func newHistory(t *testing.T, f *fixture, table string) *history {
	return &history{t: t, f: f, table: table, all: map[string]bool{}}
}

// record adds the source's current versions.
func (h *history) record() {
	for _, p := range currentVersions(h.t, h.f, h.table) {
		h.all[p] = true
	}
}

// check fails unless the lake holds every recorded version exactly once
// and nothing else.
func (h *history) check(step string) {
	h.t.Helper()
	got := lakeVersions(h.t, h.f, h.table)
	missing := 0
	for p := range h.all {
		if !got[p] {
			missing++
		}
	}
	if missing > 0 || len(got) != len(h.all) {
		h.t.Fatalf("%s: lake holds %d versions, %d of the source's %d missing", step, len(got), missing, len(h.all))
	}
}

func TestLookbackRaisedAndLoweredNeverStoresDuplicates(t *testing.T) {
	f := newFixture(t)
	f.exec(
		"CREATE TABLE lb (id INT NOT NULL PRIMARY KEY, v VARCHAR(20), updated_at DATETIME(6) NOT NULL, KEY (updated_at))",
		"INSERT INTO lb SELECT seq, 'v', TIMESTAMP'2025-01-01 00:00:00' + INTERVAL seq SECOND FROM seq_1_to_1000",
	)
	h := newHistory(t, f, "lb")
	o := f.opts("lb")
	o.Incremental, o.Cursor, o.ChunkRows = true, "updated_at", 64
	second := 0
	run := func(step string, lookback time.Duration, change bool) {
		t.Helper()
		if change {
			second += 7
			f.exec("UPDATE lb SET v = 'u', updated_at = TIMESTAMP'2025-01-01 00:16:40' + INTERVAL " + itoa(second) + " SECOND WHERE id % 97 = " + itoa(second%97))
			f.exec("INSERT INTO lb VALUES (" + itoa(5000+second) + ", 'n', TIMESTAMP'2025-01-01 00:16:40' + INTERVAL " + itoa(second) + " SECOND)")
		}
		h.record()
		o.Lookback = lookback
		f.mustExtract(o)
		h.check(step)
	}
	run("snapshot without lookback", 0, false)
	// Late commits below the watermark: only a wider lookback sees them.
	f.exec("INSERT INTO lb VALUES (9001, 'late', TIMESTAMP'2025-01-01 00:16:40' - INTERVAL 30 MINUTE)",
		"UPDATE lb SET v = 'late', updated_at = TIMESTAMP'2025-01-01 00:16:40' - INTERVAL 20 MINUTE WHERE id = 3")
	run("lookback added", time.Hour, true)
	run("rerun with the lookback", time.Hour, true)
	run("rerun again", time.Hour, false)
	run("lookback lowered", time.Minute, true)
	run("lookback raised again", 2*time.Hour, true)
	run("rerun", 2*time.Hour, true)
	run("lookback dropped", 0, true)
	run("rerun", 3*time.Hour, false)
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestTimestampsAreUTCInstantsWhateverTheSessionTimeZone(t *testing.T) {
	f := newFixture(t)
	f.exec(
		"CREATE TABLE tz (id INT NOT NULL PRIMARY KEY, ts TIMESTAMP(6) NULL, dt DATETIME(6) NULL, KEY (ts))",
		"SET time_zone = '+00:00'",
	)
	// The test's own session is UTC: these are the instants.
	if _, err := f.my.DB.Exec("INSERT INTO tz VALUES (1, ?, ?), (2, ?, ?)",
		"2025-03-01 10:00:00", "2025-03-01 10:00:00", "2025-03-01 23:30:00.5", "2025-03-01 23:30:00.5"); err != nil {
		t.Fatal(err)
	}
	plus5 := f.opts("tz")
	plus5.DSN += "?time_zone=%27%2B05%3A00%27"
	plus5.Incremental, plus5.Cursor, plus5.Lookback = true, "ts", time.Hour
	f.mustExtract(plus5)
	q := "SELECT id::VARCHAR || ' ' || strftime(ts, '%Y-%m-%d %H:%M:%S.%g') || ' ' || strftime(dt, '%Y-%m-%d %H:%M:%S.%g') FROM lk ORDER BY id"
	checkTZ(t, strings1(t, f.duck("tz"), q))
	// The session time zone changes between runs: the same instants.
	if _, err := f.my.DB.Exec("INSERT INTO tz VALUES (3, ?, ?)", "2025-03-02 01:00:00", "2025-03-02 01:00:00"); err != nil {
		t.Fatal(err)
	}
	minus7 := plus5
	minus7.DSN = f.opts("tz").DSN + "?time_zone=%27-07%3A00%27"
	if res := f.mustExtract(minus7); res.Rows != 1 {
		t.Fatalf("the run after the time zone change wrote %d rows, want 1 (result %+v)", res.Rows, res)
	}
	checkTZ(t, strings1(t, f.duck("tz"), q))
}

// checkTZ compares the lake's rows with the UTC instants and the DATETIME
// wall-clock values written.
func checkTZ(t *testing.T, got []string) {
	t.Helper()
	want := []string{
		"1 2025-03-01 10:00:00.000 2025-03-01 10:00:00.000",
		"2 2025-03-01 23:30:00.500 2025-03-01 23:30:00.500",
		"3 2025-03-02 01:00:00.000 2025-03-02 01:00:00.000",
	}
	if len(got) > len(want) {
		t.Fatalf("lake rows %q: more than the source's", got)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("lake row %q, want %q (TIMESTAMP as the UTC instant, DATETIME as written)", got[i], want[i])
		}
	}
}

// lakeEmpty fails unless the lake holds no file at all (no table file, no
// commit record, no state, no lock).
func (f *fixture) lakeEmpty(t *testing.T) {
	t.Helper()
	var left []string
	_ = filepath.WalkDir(f.dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			left = append(left, strings.TrimPrefix(p, f.dir))
		}
		return nil
	})
	if len(left) > 0 {
		t.Fatalf("bad input left files in the lake: %v", left)
	}
}

func TestBadInputIsRefusedBeforeAnyTransaction(t *testing.T) {
	f := newFixture(t)
	f.exec("CREATE TABLE bi (id INT NOT NULL PRIMARY KEY, v VARCHAR(10), updated_at DATETIME NOT NULL)",
		"INSERT INTO bi VALUES (1, 'a', '2025-01-01 00:00:00')")
	for _, tc := range []struct {
		name string
		mod  func(*Options)
		want string
	}{
		{"partition column", func(o *Options) { o.PartitionBy = "nope:day" }, `"nope"`},
		{"partition column incremental", func(o *Options) {
			o.PartitionBy = "nope"
			o.Incremental, o.Cursor = true, "updated_at"
		}, `"nope"`},
		{"where column", func(o *Options) { o.Where = "nope > 1" }, "nope"},
		{"where column incremental", func(o *Options) {
			o.Where = "nope > 1"
			o.Incremental, o.Cursor = true, "updated_at"
		}, "nope"},
		{"unknown database", func(o *Options) { o.DSN = strings.TrimSuffix(o.DSN, f.my.Name) + "nodb_" + f.my.Name; o.Table = "bi" }, "nodb_"},
		{"unknown database in table", func(o *Options) { o.Table = "nodb_x.bi" }, "nodb_x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := f.opts("bi")
			tc.mod(&o)
			_, err := f.extract(o)
			assertUsage(t, err, tc.want)
			f.lakeEmpty(t)
		})
	}
}

// commitCount counts the table's commit records.
func (f *fixture) commitCount(table string) int {
	m, _ := filepath.Glob(filepath.Join(f.dir, "_lakectl", "tables", table, "commits", "*.json"))
	return len(m)
}

func TestPartitionRuleChangeIsRefusedUntilAFullExtractRewritesTheTable(t *testing.T) {
	f := newFixture(t)
	f.exec(
		"CREATE TABLE pr (id INT NOT NULL PRIMARY KEY, v VARCHAR(20), updated_at DATETIME(6) NOT NULL, KEY (updated_at))",
		"INSERT INTO pr SELECT seq, 'v', TIMESTAMP'2025-01-01 00:00:00' + INTERVAL seq HOUR FROM seq_1_to_100",
	)
	h := newHistory(t, f, "pr")
	o := f.opts("pr")
	o.Incremental, o.Cursor, o.Lookback = true, "updated_at", time.Hour
	h.record()
	f.mustExtract(o)
	h.check("unpartitioned snapshot")
	for i, rule := range []string{"updated_at:day", "id", ""} {
		f.exec("INSERT INTO pr VALUES (" + itoa(1000+i) + ", 'n', TIMESTAMP'2025-03-01 00:00:00' + INTERVAL " + itoa(i) + " HOUR)")
		changed := o
		changed.PartitionBy = rule
		if i > 0 {
			o.PartitionBy = []string{"updated_at:day", "id"}[i-1]
		}
		before := f.commitCount("pr")
		_, err := f.extract(changed)
		var pe *table.PartitionRuleError
		if !errors.As(err, &pe) || pe.Want.String() != rule {
			t.Fatalf("rule %q after %q: err = %v, want a *table.PartitionRuleError", rule, o.PartitionBy, err)
		}
		if n := f.commitCount("pr"); n != before {
			t.Fatalf("rule %q: the refused run left %d commit records", rule, n-before)
		}
		h.check("refused rule change " + rule) // DuckDB still reads one layout
		// A full extract under the new rule rewrites the table whole.
		full := changed
		full.Incremental = false
		h.record()
		f.mustExtract(full)
		h.all = map[string]bool{}
		h.record()
		h.check("full extract under " + rule)
		h.record()
		if res := f.mustExtract(changed); res.Op != "none" {
			t.Fatalf("incremental run under the new rule %q: op %s, want none", rule, res.Op)
		}
		h.check("incremental under " + rule)
	}
}

func TestJobPointedAtAnotherSourceTableIsRefused(t *testing.T) {
	f := newFixture(t)
	f.exec(
		"CREATE TABLE sa (id INT NOT NULL PRIMARY KEY, updated_at DATETIME NOT NULL)",
		"CREATE TABLE sb (id VARCHAR(10) NOT NULL PRIMARY KEY, updated_at DATETIME NOT NULL)",
		"INSERT INTO sa VALUES (1, '2025-01-01'), (2, '2025-01-02')",
		"INSERT INTO sb VALUES ('x', '2025-02-01'), ('y', '2025-02-02'), ('z', '2025-02-03')",
	)
	oa := f.opts("sa")
	oa.As, oa.Incremental, oa.Cursor = "t", true, "updated_at"
	f.mustExtract(oa)
	ob := oa
	ob.Table = f.my.Name + ".sb"
	_, err := f.extract(ob)
	var sc *SourceChangedError
	if !errors.As(err, &sc) || !strings.Contains(err.Error(), ".sa") || !strings.Contains(err.Error(), ".sb") {
		t.Fatalf("err = %v, want a *SourceChangedError naming both tables", err)
	}
	if got := scalar(t, f.duck("t"), "SELECT string_agg(id::VARCHAR, ',' ORDER BY id) FROM lk"); got != "1,2" {
		t.Fatalf("lake ids %s after the refused run, want 1,2", got)
	}
	full := ob
	full.Incremental = false
	f.mustExtract(full) // starts the job over on sb
	f.exec("INSERT INTO sb VALUES ('w', '2025-03-01')")
	if res := f.mustExtract(ob); res.Rows != 1 {
		t.Fatalf("incremental run on the new source wrote %d rows, want 1", res.Rows)
	}
	if got := scalar(t, f.duck("t"), "SELECT string_agg(id, ',' ORDER BY id) FROM lk"); got != "w,x,y,z" {
		t.Fatalf("lake ids %s, want w,x,y,z", got)
	}
}

func TestAppendWhoseTypesDoNotUnifyFailsBeforeTheCommit(t *testing.T) {
	f := newFixture(t)
	f.exec(
		"CREATE TABLE ty (id INT NOT NULL PRIMARY KEY, amount INT, updated_at DATETIME NOT NULL)",
		"INSERT INTO ty VALUES (1, 10, '2025-01-01'), (2, 20, '2025-01-02')",
	)
	o := f.opts("ty")
	o.Incremental, o.Cursor = true, "updated_at"
	f.mustExtract(o)
	f.exec("ALTER TABLE ty MODIFY amount VARCHAR(20)", "INSERT INTO ty VALUES (3, 'thirty', '2025-01-03')")
	before := f.commitCount("ty")
	_, err := f.extract(o)
	var te *table.AppendSchemaError
	if !errors.As(err, &te) || te.Column != "amount" || !strings.Contains(err.Error(), "int32") || !strings.Contains(err.Error(), "string") {
		t.Fatalf("err = %v, want a *table.AppendSchemaError naming amount, int32 and string", err)
	}
	if n := f.commitCount("ty"); n != before {
		t.Fatalf("the refused append left %d commit records", n-before)
	}
	if got := scalar(t, f.duck("ty"), "SELECT count(*) FROM lk"); got != "2" {
		t.Fatalf("lake rows %s, want 2", got)
	}
	// A widening change appends.
	f.exec("DELETE FROM ty WHERE id = 3", "ALTER TABLE ty MODIFY amount BIGINT NULL", "INSERT INTO ty VALUES (4, 40, '2025-01-04')")
	if res := f.mustExtract(o); res.Rows != 1 {
		t.Fatalf("widened append wrote %d rows, want 1", res.Rows)
	}
}
