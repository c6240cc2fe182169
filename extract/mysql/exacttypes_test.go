package mysql

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/lakectl/lakectl/catalog"
	"github.com/lakectl/lakectl/lake/parquetfile"
	"github.com/lakectl/lakectl/lake/schema"
)

// lakeSchema reads the schema of the table's first live file.
func (f *fixture) lakeSchema(t *testing.T, table string) schema.Schema {
	t.Helper()
	files := f.liveFiles(table)
	if len(files) == 0 {
		t.Fatalf("no file in tables/%s", table)
	}
	rel, _ := filepath.Rel(f.dir, files[0])
	ft, err := parquetfile.ReadFooterFrom(context.Background(), f.store, filepath.ToSlash(rel), -1)
	if err != nil {
		t.Fatal(err)
	}
	return ft.Schema
}

func TestTimeKeepsItsFullRangeExactly(t *testing.T) {
	f := newFixture(t)
	f.exec(
		"CREATE TABLE tm (id INT NOT NULL PRIMARY KEY, t TIME(6) NULL, t0 TIME NOT NULL)",
		`INSERT INTO tm VALUES (1, '-838:59:59', '-838:59:59'), (2, '838:59:59', '838:59:59'),
			(3, '00:00:00', '00:00:00'), (4, '-00:00:01.5', '-00:00:01'), (5, '25:00:00.000001', '100:00:00'),
			(6, '12:34:56.789', '23:59:59'), (7, NULL, '-01:00:00')`,
	)
	f.mustExtract(f.opts("tm"))
	// The source itself says what each value is in microseconds.
	want := strings1(t, f.my.DB, `SELECT CONCAT(id, ' ', COALESCE(CAST(ROUND(TIME_TO_SEC(t) * 1000000) AS SIGNED), 'null'), ' ',
		CAST(TIME_TO_SEC(t0) * 1000000 AS SIGNED)) FROM tm ORDER BY id`)
	got := strings1(t, f.duck("tm"), "SELECT id || ' ' || COALESCE(t::VARCHAR, 'null') || ' ' || t0::VARCHAR FROM lk ORDER BY id")
	if len(got) != len(want) {
		t.Fatalf("lake rows %q, source %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d: lake %q, source %q (microseconds)", i, got[i], want[i])
		}
	}
	if got[1] != "2 3020399000000 3020399000000" {
		t.Errorf("838:59:59 is %q, want 3020399000000 microseconds", got[1])
	}
	// Every DDL dialect maps it.
	s := f.lakeSchema(t, "tm")
	c := s.Columns[s.Index("t")]
	if c.Type != schema.TInt64 {
		t.Fatalf("TIME lands as %s, want int64 (microseconds)", c.Type)
	}
	for _, d := range catalog.Dialects() {
		typ, err := catalog.ColumnType(d, c, catalog.DDLOptions{})
		if err != nil || (typ != "BIGINT" && typ != "bigint") {
			t.Errorf("%s: TIME column type %q (%v), want BIGINT", d, typ, err)
		}
	}
}
