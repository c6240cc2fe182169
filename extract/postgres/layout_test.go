package postgres

import (
	"github.com/lakectl/lakectl/internal/input"
	"testing"
)

// An append (CDC changes, incremental rows) under another partition rule
// than the table's files would mix two layouts in one table: refused as
// bad input before anything is written.
func TestAppendUnderAnotherPartitionRuleIsRefused(t *testing.T) {
	for _, cdc := range []bool{false, true} {
		f := newFixture(t, cdc)
		f.exec(`CREATE TABLE ev (id int PRIMARY KEY, d date NOT NULL, ts timestamptz NOT NULL)`,
			`INSERT INTO ev SELECT g, '2026-01-01'::date + g, '2026-01-01'::timestamptz + g * interval '1 hour' FROM generate_series(1, 20) g`)
		o := f.opts("ev")
		o.CDC = cdc
		if !cdc {
			o.Incremental, o.Cursor = true, "ts"
		}
		f.mustExtract(o)
		before := f.liveFiles("ev")
		f.exec(`INSERT INTO ev VALUES (100, '2026-03-01', '2026-12-01')`, `UPDATE ev SET ts = ts + interval '1 year' WHERE id = 1`)
		o.PartitionBy = "d:month"
		_, err := f.extract(o)
		if !input.Is(err) {
			t.Fatalf("cdc %v: err = %v, want bad input", cdc, err)
		}
		if after := f.liveFiles("ev"); len(after) != len(before) {
			t.Fatalf("cdc %v: files %v after the refused run, want %v", cdc, after, before)
		}
	}
}
