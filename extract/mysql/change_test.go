package mysql

import (
	"strconv"
	"testing"
	"time"
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
