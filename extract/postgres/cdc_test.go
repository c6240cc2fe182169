package postgres

import (
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
)

// latest is the lake's current state of table t: for each key the latest
// version by _lsn, deletes dropped.
const latestSQL = `SELECT id || ':' || coalesce(v, '-') FROM (
	SELECT *, row_number() OVER (PARTITION BY id ORDER BY _lsn DESC) AS rn FROM lk) WHERE rn = 1 AND _op <> 'd' ORDER BY id`

func TestCDCSnapshotThenChangesKeepDeletes(t *testing.T) {
	f := newFixture(t, true)
	f.exec(`CREATE TABLE items (id int PRIMARY KEY, v text, big text, n int NOT NULL DEFAULT 1)`,
		`INSERT INTO items SELECT g, 'v' || g, NULL FROM generate_series(1, 50) g`)
	o := f.opts("public.items")
	o.CDC, o.Parallel, o.ChunkRows = true, 2, 7 // both sessions import the slot's snapshot
	res := f.mustExtract(o)
	if res.Mode != "cdc-snapshot" || res.Rows != 50 || res.Parallel != 2 || res.LSNAfter == "" || res.Slot != "lakectl_items" {
		t.Fatalf("first run: %+v", res)
	}
	// Changes after the snapshot, in several transactions.
	f.exec(`INSERT INTO items VALUES (51, 'new', NULL), (52, 'gone soon', NULL)`,
		`UPDATE items SET v = 'changed' WHERE id IN (1, 2)`,
		`DELETE FROM items WHERE id IN (3, 52)`,
		`UPDATE items SET v = 'twice' WHERE id = 1`)
	res = f.mustExtract(o)
	if res.Mode != "cdc" || res.Changes != 7 || res.Inserts != 2 || res.Updates != 3 || res.Deletes != 2 || res.Rows != 7 || res.Transactions != 4 {
		t.Fatalf("second run: %+v", res)
	}
	// Nothing new: no commit, slot position unchanged.
	res = f.mustExtract(o)
	if res.Op != "none" || res.Changes != 0 {
		t.Fatalf("idle run: %+v", res)
	}
	db := f.duck("items")
	got := strs(t, db, latestSQL)
	want := f.pgStrs(`SELECT id || ':' || coalesce(v, '-') FROM items ORDER BY id`)
	if !slices.Equal(got, want) {
		t.Fatalf("lake latest versions differ from the source:\n lake   %v\n source %v", got, want)
	}
	if n := strs(t, db, "SELECT count(*) FROM lk WHERE _op = 'd' AND v IS NULL AND id IN (3, 52)"); n[0] != "2" {
		t.Fatalf("deletes: %v", n)
	}
}

func TestCDCRereadAfterCrashIsNotStoredTwice(t *testing.T) {
	f := newFixture(t, true)
	f.exec(`CREATE TABLE k (id int PRIMARY KEY, v text)`, `INSERT INTO k VALUES (1, 'a')`)
	o := f.opts("k")
	o.CDC = true
	f.mustExtract(o)
	f.exec(`INSERT INTO k VALUES (2, 'b')`, `DELETE FROM k WHERE id = 1`)
	crash := o
	crash.beforeAdvance = func() error { return errors.New("crash after the lake commit") }
	if _, err := f.extract(crash); err == nil {
		t.Fatal("the simulated crash did not fail the run")
	}
	f.exec(`INSERT INTO k VALUES (3, 'c')`)
	res := f.mustExtract(o)
	// The run starts the slot at the job's position (past the crashed
	// run's commit), so the server does not even send those changes again.
	if res.Changes != 1 || res.LSNBefore == "" {
		t.Fatalf("after the crash: %+v", res)
	}
	got := strs(t, f.duck("k"), "SELECT count(*) || '/' || count(DISTINCT _lsn) FROM lk")
	if got[0] != "4/4" { // snapshot row (lsn 0) + 3 changes, each once
		t.Fatalf("lake rows/distinct lsn = %v", got)
	}
}

func TestCDCFaultsSayWhatToSet(t *testing.T) {
	f := newFixture(t, true)
	role := testenv.Name("plain_")
	t.Cleanup(func() { f.exec(`DROP OWNED BY `+role, `DROP ROLE `+role) })
	f.exec(`CREATE TABLE nokey (a int, b text)`,
		`CREATE TABLE nothing (id int PRIMARY KEY)`, `ALTER TABLE nothing REPLICA IDENTITY NOTHING`,
		`CREATE ROLE `+role+` LOGIN`, `GRANT ALL ON ALL TABLES IN SCHEMA public TO `+role,
		`CREATE TABLE ok (id int PRIMARY KEY)`)
	for _, c := range []struct {
		table string
		url   string
		is    error
		want  string
	}{
		{"nokey", f.url, ErrNoKey, "REPLICA IDENTITY FULL"},
		{"nothing", f.url, ErrNoKey, "REPLICA IDENTITY DEFAULT"},
		{"ok", strings.Replace(f.url, "postgres@", role+"@", 1), ErrReplication, "ALTER ROLE"},
	} {
		o := f.opts(c.table)
		o.DSN, o.CDC = c.url, true
		_, err := f.extract(o)
		if !errors.Is(err, c.is) || !input.Is(err) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %v naming %q", c.table, err, c.is, c.want)
		}
		f.lakeUntouched(c.table)
	}
	// A dropped slot is reported, nothing written.
	o := f.opts("ok")
	o.CDC = true
	f.mustExtract(o)
	f.exec(`SELECT pg_drop_replication_slot('lakectl_ok')`)
	_, err := f.extract(o)
	if !errors.Is(err, ErrSlotDropped) || !strings.Contains(err.Error(), "new snapshot") {
		t.Fatalf("dropped slot: err = %v", err)
	}
	o.Resnapshot = true
	if res := f.mustExtract(o); res.Mode != "cdc-snapshot" {
		t.Fatalf("resnapshot: %+v", res)
	}
}

// TestCDCConvertsLikeTheSnapshot inserts the same values before and after
// the slot's snapshot: the row the snapshot read and the row pgoutput sent
// must be equal in the lake, column by column.
func TestCDCConvertsLikeTheSnapshot(t *testing.T) {
	f := newFixture(t, true)
	f.exec(`CREATE TYPE color AS ENUM ('red', 'blue')`,
		`CREATE TABLE wide (id int PRIMARY KEY, b bool, i2 int2, i8 int8, f4 float4, f8 float8, n numeric(20,4), nu numeric,
		m money, t text, by bytea, d date, ts timestamp, tz timestamptz, tm time, iv interval, u uuid, j json, jb jsonb,
		a int[], ta text[], e color, ip inet, big text)`)
	vals := `true, -7, 9007199254740993, 1.25, 'NaN', 12345.6789, 'Infinity', 12.34, 'ä "q"', '\x00ff', '2028-02-29'::date,
		'2026-11-23 14:05:06.123456', '2026-11-23 14:05:06.5+05:30', '13:14:15.5', '1 day 2 hours', gen_random_uuid(),
		'{"a": 1}', '{"a": 1}', '{1,NULL}', '{"x y",NULL}', 'blue', '::1', repeat('x', 100000)`
	f.exec(`INSERT INTO wide VALUES (1, ` + vals + `)`)
	o := f.opts("wide")
	o.CDC = true
	f.mustExtract(o)
	f.exec(`INSERT INTO wide SELECT 2, b, i2, i8, f4, f8, n, nu, m, t, by, d, ts, tz, tm, iv, u, j, jb, a, ta, e, ip, big FROM wide WHERE id = 1`)
	if res := f.mustExtract(o); res.Inserts != 1 {
		t.Fatalf("%+v", res)
	}
	db := f.duck("wide")
	cols := strs(t, db, "SELECT column_name FROM (DESCRIBE lk) WHERE column_name NOT IN ('id', '_op', '_lsn')")
	for _, c := range cols {
		q := `SELECT count(DISTINCT coalesce(CAST("` + c + `" AS VARCHAR), '<nil>')) || ' ' || count("` + c + `") FROM lk`
		if got := strs(t, db, q)[0]; got != "1 2" {
			t.Errorf("column %s: snapshot and change differ or are NULL (distinct, non-null = %s)", c, got)
		}
	}
}

// TestCDCConnectionLostMidStreamWritesNothing ends the walsender after the
// first change of a run, as a server restart would: the run fails with one
// line, the lake is unchanged, and the next run reads every change once.
func TestCDCConnectionLostMidStreamWritesNothing(t *testing.T) {
	f := newFixture(t, true)
	f.exec(`CREATE TABLE s (id int PRIMARY KEY, v text)`, `INSERT INTO s VALUES (1, 'a')`)
	o := f.opts("s")
	o.CDC = true
	f.mustExtract(o)
	// Enough bytes that they cannot all sit in socket buffers when the
	// server goes away.
	f.exec(`INSERT INTO s SELECT g, repeat('b', 4000) FROM generate_series(2, 5000) g`, `DELETE FROM s WHERE id = 1`)
	cut := o
	killed := false
	cut.afterChange = func() {
		if !killed {
			killed = true
			f.exec(`SELECT pg_terminate_backend(active_pid, 5000) FROM pg_replication_slots WHERE slot_name = 'lakectl_s'`)
		}
	}
	before := len(f.liveFiles("s"))
	_, err := f.extract(cut)
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "run again") {
		t.Fatalf("err = %v, want one line saying to run again", err)
	}
	if n := len(f.liveFiles("s")); n != before {
		t.Fatalf("the failed run left %d files (had %d)", n, before)
	}
	o.MaxSlotRetained = 1 // any WAL held back is reported
	res := f.mustExtract(o)
	if res.Changes != 5000 || !res.SlotOverLimit || res.SlotRetainedBytes <= 0 {
		t.Fatalf("next run: %+v", res)
	}
	got := strs(t, f.duck("s"), latestSQL)
	want := f.pgStrs(`SELECT id || ':' || coalesce(v, '-') FROM s ORDER BY id`)
	if !slices.Equal(got, want) {
		t.Fatalf("lake %v, source %v", got, want)
	}
}

func TestConnectTimeoutBoundsASilentServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // accept and never answer
		}
	}()
	f := &fixture{t: t, dir: t.TempDir()}
	f.store, _ = lake.NewFileStore(f.dir)
	start := time.Now()
	_, err = f.extract(Options{DSN: "postgres://u:Secr3t@" + l.Addr().String() + "/db", Table: "t", ConnectTimeout: time.Second})
	if err == nil || time.Since(start) > 10*time.Second || strings.Contains(err.Error(), "Secr3t") || !strings.Contains(err.Error(), "127.0.0.1") {
		t.Fatalf("after %s: err = %v", time.Since(start), err)
	}
}
