package postgres

import (
	"errors"
	"github.com/lakectl/lakectl/internal/input"
	"slices"
	"strings"
	"testing"
)

func TestFullSnapshotChunkedMatchesSource(t *testing.T) {
	f := newFixture(t, false)
	f.exec(`CREATE TABLE orders (id bigint PRIMARY KEY, amount numeric(12,2) NOT NULL, note text)`,
		`INSERT INTO orders SELECT g, g * 1.25, CASE WHEN g % 7 = 0 THEN NULL ELSE 'n' || g END FROM generate_series(1, 5000) g`)
	for _, par := range []int{1, 3} {
		o := f.opts("public.orders")
		o.ChunkRows, o.Parallel = 700, par
		res := f.mustExtract(o)
		if res.Rows != 5000 || res.Mode != "full" || res.Op != "replace" || res.Parallel != par || !slices.Equal(res.Key, []string{"id"}) {
			t.Fatalf("parallel %d: result %+v", par, res)
		}
		db := f.duck("orders")
		got := strs(t, db, "SELECT count(*) || ' ' || count(DISTINCT id) || ' ' || sum(amount) || ' ' || count(note) FROM lk")
		want := f.pgStrs("SELECT count(*) || ' ' || count(DISTINCT id) || ' ' || sum(amount) || ' ' || count(note) FROM orders")
		if !slices.Equal(got, want) {
			t.Fatalf("parallel %d: lake %v, source %v", par, got, want)
		}
	}
}

func TestFullWithoutKeyReadsOneStream(t *testing.T) {
	f := newFixture(t, false)
	f.exec(`CREATE TABLE logs (line text)`, `INSERT INTO logs SELECT 'l' || g FROM generate_series(1, 300) g`)
	o := f.opts("logs")
	o.Parallel = 4
	res := f.mustExtract(o)
	if res.Rows != 300 || res.Parallel != 1 || len(res.Key) != 0 {
		t.Fatalf("%+v", res)
	}
}

func TestBadInputChangesNothing(t *testing.T) {
	f := newFixture(t, false)
	f.exec(`CREATE EXTENSION IF NOT EXISTS citext`,
		`CREATE TYPE pair AS (a int, b int)`,
		`CREATE TABLE odd (id int PRIMARY KEY, p pair)`)
	for _, c := range []struct{ table, want string }{
		{"public.missing", "not found"},
		{"public.odd", "to_json"},
		{"a.b.c", "SCHEMA.TABLE"},
	} {
		_, err := f.extract(f.opts(c.table))
		if err == nil || !input.Is(err) || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: err = %v, want a one-line bad-input error containing %q", c.table, err, c.want)
		}
	}
	f.lakeUntouched("odd")
	f.lakeUntouched("missing")
}

func TestCDCOnServerWithoutLogicalWAL(t *testing.T) {
	f := newFixture(t, false)
	f.exec(`CREATE TABLE t (id int PRIMARY KEY)`)
	var level string
	if err := f.pg.QueryRow(t.Context(), "SHOW wal_level").Scan(&level); err != nil || level == "logical" {
		t.Skipf("the shared server runs wal_level %q", level)
	}
	o := f.opts("t")
	o.CDC = true
	_, err := f.extract(o)
	if !errors.Is(err, ErrWALLevel) || !input.Is(err) || !strings.Contains(err.Error(), "wal_level = logical") {
		t.Fatalf("err = %v", err)
	}
	f.lakeUntouched("t")
}

func TestFullPartitionedByDay(t *testing.T) {
	f := newFixture(t, false)
	f.exec(`CREATE TABLE ev (id int PRIMARY KEY, at timestamptz NOT NULL)`,
		`INSERT INTO ev SELECT g, '2026-11-20 23:00:00+00'::timestamptz + g * interval '1 hour' FROM generate_series(1, 48) g`)
	o := f.opts("ev")
	o.PartitionBy = "at:day"
	if res := f.mustExtract(o); res.Rows != 48 || res.Files != 2 {
		t.Fatalf("%+v", res)
	}
	got := strs(t, f.duck("ev"), "SELECT at_day || '=' || count(*) FROM lk GROUP BY at_day ORDER BY at_day")
	if !slices.Equal(got, []string{"2026-11-21=24", "2026-11-22=24"}) {
		t.Fatalf("partitions %v", got)
	}
}
