package postgres

import (
	"github.com/lakectl/lakectl/internal/input"
	"strconv"
	"testing"
	"time"
)

// versions lists the source's current (id, updated_at) pairs.
func (f *fixture) versions(table string) []string {
	return f.pgStrs("SELECT id || '@' || to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') FROM " + table)
}

func TestIncrementalKeepsEveryVersionOnceAcrossLookbackChanges(t *testing.T) {
	f := newFixture(t, false)
	f.exec(`CREATE TABLE lb (id int PRIMARY KEY, v text, updated_at timestamptz NOT NULL)`,
		`CREATE INDEX ON lb (updated_at)`,
		`INSERT INTO lb SELECT g, 'v', '2025-01-01 00:00:00+00'::timestamptz + g * interval '1 second' FROM generate_series(1, 1000) g`)
	all := map[string]bool{}
	o := f.opts("lb")
	o.Incremental, o.Cursor, o.ChunkRows = true, "updated_at", 64
	second := 0
	step := func(name string, lookback time.Duration, change bool, late ...bool) {
		t.Helper()
		if len(late) > 0 {
			// A row committed late, below the last window but inside the
			// new lookback: only a run that reads the lake back finds it.
			f.exec(`INSERT INTO lb SELECT 9000 + ` + itoa(second) + `, 'late', max(updated_at) - interval '30 minutes' FROM lb`)
		}
		if change {
			second += 7
			f.exec(`UPDATE lb SET v = 'u', updated_at = '2025-01-01 00:16:40+00'::timestamptz + ` + itoa(second) + ` * interval '1 second' WHERE id % 97 = ` + itoa(second%97))
			f.exec(`INSERT INTO lb VALUES (` + itoa(5000+second) + `, 'n', '2025-01-01 00:16:40+00'::timestamptz + ` + itoa(second) + ` * interval '1 second')`)
		}
		for _, v := range f.versions("lb") {
			all[v] = true
		}
		o.Lookback = lookback
		f.mustExtract(o)
		got := strs(t, f.duck("lb"), `SELECT CAST(id AS VARCHAR) || '@' || strftime(updated_at, '%Y-%m-%d %H:%M:%S.%f') FROM lk`)
		seen := map[string]bool{}
		for _, g := range got {
			if seen[g] {
				t.Fatalf("%s: version %s stored twice", name, g)
			}
			seen[g] = true
		}
		for v := range all {
			if !seen[v] {
				t.Fatalf("%s: version %s missing from the lake", name, v)
			}
		}
		if len(seen) != len(all) {
			t.Fatalf("%s: lake holds %d versions, source had %d", name, len(seen), len(all))
		}
	}
	step("snapshot without lookback", 0, false)
	step("lookback added", time.Hour, true)
	step("rerun with the lookback", time.Hour, true)
	step("rerun again", time.Hour, false)
	step("lookback lowered", time.Minute, true)
	step("lookback raised again, a late row below what the state knows", 2*time.Hour, true, true)
	step("lookback dropped", 0, true)
	step("rerun", 3*time.Hour, false)
}

func TestIncrementalRejectsBadCursors(t *testing.T) {
	f := newFixture(t, false)
	f.exec(`CREATE TABLE c (id int PRIMARY KEY, t text, n bigint)`)
	for _, c := range []struct {
		cursor   string
		lookback time.Duration
	}{{"t", 0}, {"nope", 0}, {"n", time.Minute}} {
		o := f.opts("c")
		o.Incremental, o.Cursor, o.Lookback = true, c.cursor, c.lookback
		if _, err := f.extract(o); !input.Is(err) {
			t.Errorf("cursor %s lookback %s: err = %v, want bad input", c.cursor, c.lookback, err)
		}
	}
	f.lakeUntouched("c")
}

func itoa(i int) string { return strconv.Itoa(i) }
