package mysql

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// versions lists the lake's (id, updated_at) pairs and fails on a
// duplicate pair.
func lakeVersions(t *testing.T, f *fixture, table string) map[string]bool {
	t.Helper()
	duck := f.duck(table)
	pairs := strings1(t, duck, "SELECT id || '@' || epoch_us(updated_at) FROM lk")
	out := map[string]bool{}
	for _, p := range pairs {
		if out[p] {
			t.Errorf("(key, cursor) pair %s is in the lake twice", p)
		}
		out[p] = true
	}
	return out
}

// currentVersions lists MariaDB's current (id, updated_at) pairs.
func currentVersions(t *testing.T, f *fixture, table string) []string {
	return strings1(t, f.my.DB, "SELECT CONCAT(id, '@', TIMESTAMPDIFF(MICROSECOND, '1970-01-01', updated_at)) FROM "+table)
}

func TestIncrementalCatchesUpdatesLateCommitsAndBoundaryTiesOnce(t *testing.T) {
	f := newFixture(t)
	f.exec(
		"CREATE TABLE ev (id INT NOT NULL PRIMARY KEY, v VARCHAR(20), updated_at DATETIME(6) NOT NULL, KEY (updated_at))",
		"INSERT INTO ev SELECT seq, CONCAT('v', seq), TIMESTAMP'2025-01-01 00:00:00' + INTERVAL seq SECOND FROM seq_1_to_1000",
	)
	o := f.opts("ev")
	o.Incremental, o.Cursor, o.Lookback, o.ChunkRows = true, "updated_at", 10*time.Minute, 100
	all := map[string]bool{} // every version MariaDB ever held
	record := func() {
		for _, p := range currentVersions(t, f, "ev") {
			all[p] = true
		}
	}
	step := func(name string, wantRows int64) *Result {
		t.Helper()
		res := f.mustExtract(o)
		if res.Rows != wantRows {
			t.Fatalf("%s: wrote %d rows, want %d (result %+v)", name, res.Rows, wantRows, res)
		}
		got := lakeVersions(t, f, "ev")
		for p := range all {
			if !got[p] {
				t.Fatalf("%s: version %s is missing from the lake", name, p)
			}
		}
		if len(got) != len(all) {
			t.Fatalf("%s: lake has %d versions, MariaDB had %d", name, len(got), len(all))
		}
		return res
	}

	record()
	res := step("first run (snapshot)", 1000)
	if res.WatermarkAfter != "2025-01-01 00:16:40.000000" || res.WatermarkBefore != "" {
		t.Fatalf("watermark %q -> %q, want '' -> 2025-01-01 00:16:40.000000", res.WatermarkBefore, res.WatermarkAfter)
	}
	step("rerun", 0)

	// Updates make new versions; inserts are new rows.
	f.exec("UPDATE ev SET v = 'new', updated_at = TIMESTAMP'2025-01-01 01:00:00' WHERE id <= 5",
		"INSERT INTO ev SELECT seq, 'ins', TIMESTAMP'2025-01-01 01:00:00' + INTERVAL seq SECOND FROM seq_1001_to_1010")
	record()
	step("updates and inserts", 15)
	step("rerun", 0)

	// A long transaction writes a cursor value below what another
	// transaction commits first; it commits after the run.
	ctx := context.Background()
	late, err := f.my.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer late.Close()
	for _, q := range []string{"BEGIN", "INSERT INTO ev VALUES (2000, 'late', TIMESTAMP'2025-01-01 02:05:00')"} {
		if _, err := late.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	f.exec("INSERT INTO ev VALUES (2001, 'early', TIMESTAMP'2025-01-01 02:06:00')")
	record()
	step("before the late commit", 1)
	if _, err := late.ExecContext(ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}
	record()
	step("late commit inside the lookback", 1)

	// A row with the watermark's exact cursor value arrives after it was set.
	f.exec("INSERT INTO ev VALUES (2002, 'tie', TIMESTAMP'2025-01-01 02:06:00')")
	record()
	res = step("equal cursor at the boundary", 1)
	if res.SkippedRows < 2 {
		t.Errorf("skipped %d already written rows, want at least the 2 at and below the watermark", res.SkippedRows)
	}
	if res.WindowFrom != "2025-01-01 01:56:00.000000" {
		t.Errorf("window_from = %q, want the watermark minus the 10m lookback", res.WindowFrom)
	}
	step("rerun", 0)
}

func TestIncrementalRejectsBadCursors(t *testing.T) {
	f := newFixture(t)
	f.exec("CREATE TABLE c (id INT PRIMARY KEY, name VARCHAR(10), seq BIGINT, d DATE)")
	for _, tc := range []struct {
		cursor   string
		lookback time.Duration
		want     string
	}{
		{"nope", 0, `cursor column "nope" is not a column`},
		{"name", 0, `cursor column "name" has type varchar(10)`},
		{"seq", time.Minute, "needs a DATE, DATETIME or TIMESTAMP cursor"},
	} {
		t.Run(tc.cursor, func(t *testing.T) {
			o := f.opts("c")
			o.Incremental, o.Cursor, o.Lookback = true, tc.cursor, tc.lookback
			_, err := f.extract(o)
			assertUsage(t, err, tc.want)
			f.lakeUntouched("c")
		})
	}
}

func TestIncrementalWithIntegerCursorAndNullCursors(t *testing.T) {
	f := newFixture(t)
	f.exec("CREATE TABLE n (id INT PRIMARY KEY, seq BIGINT NULL, KEY (seq))",
		"INSERT INTO n VALUES (1, 10), (2, 20), (3, NULL)")
	o := f.opts("n")
	o.Incremental, o.Cursor = true, "seq"
	if res := f.mustExtract(o); res.Rows != 3 {
		t.Fatalf("snapshot wrote %d rows, want all 3 (NULL cursor included)", res.Rows)
	}
	f.exec("INSERT INTO n VALUES (4, 20), (5, 30), (6, NULL)")
	res := f.mustExtract(o)
	if res.Rows != 2 || res.NullCursorRows != 2 || res.WatermarkAfter != "30" {
		t.Fatalf("got rows %d, null_cursor_rows %d, watermark %s; want 2, 2, 30", res.Rows, res.NullCursorRows, res.WatermarkAfter)
	}
	ids := strings1(t, f.duck("n"), "SELECT CAST(id AS VARCHAR) FROM lk ORDER BY id")
	if fmt.Sprint(ids) != "[1 2 3 4 5]" {
		t.Fatalf("lake ids %v, want [1 2 3 4 5]", ids)
	}
}
