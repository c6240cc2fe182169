package mysql

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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

func TestSpatialColumnsLandAsWKBWithSRIDOrAsWKT(t *testing.T) {
	f := newFixture(t)
	f.exec(
		"CREATE TABLE address (address_id INT NOT NULL PRIMARY KEY, location GEOMETRY NOT NULL, p POINT NULL, poly POLYGON NULL)",
		`INSERT INTO address VALUES
			(1, ST_GeomFromText('POINT(-122.41 37.77)', 4326), ST_GeomFromText('POINT(1 2)'), NULL),
			(2, ST_GeomFromText('LINESTRING(0 0, 1 1, 2 0)'), NULL, ST_GeomFromText('POLYGON((0 0, 4 0, 4 4, 0 0))', 3857))`,
	)
	f.mustExtract(f.opts("address"))
	for _, c := range []string{"location", "p", "poly"} {
		want := strings1(t, f.my.DB, "SELECT COALESCE(CONCAT(LOWER(HEX("+c+")), ' ', LOWER(HEX(ST_AsBinary("+c+"))), ' ', ST_SRID("+c+")), 'null') FROM address ORDER BY address_id")
		got := strings1(t, f.duck("address"), "SELECT COALESCE(lower(hex("+c+")) || ' ' || lower(hex("+c+"[5:])), 'null') FROM lk ORDER BY address_id")
		for i := range want {
			if want[i] == "null" || got[i] == "null" {
				if want[i] != got[i] {
					t.Errorf("%s row %d: lake %q, source %q", c, i, got[i], want[i])
				}
				continue
			}
			w, g := strings.Fields(want[i]), strings.Fields(got[i])
			if g[0] != w[0] || g[1] != w[1] {
				t.Errorf("%s row %d: lake bytes %s (WKB %s), source %s (WKB %s)", c, i, g[0], g[1], w[0], w[1])
			}
			if srid := sridOf(t, g[0]); srid != w[2] {
				t.Errorf("%s row %d: SRID %s in the lake bytes, source %s", c, i, srid, w[2])
			}
		}
	}
	// WKT on request.
	o := f.opts("address")
	o.As, o.Spatial = "address_wkt", SpatialWKT
	f.mustExtract(o)
	want := strings1(t, f.my.DB, "SELECT CONCAT(ST_AsText(location), '|', COALESCE(ST_AsText(p), 'null'), '|', COALESCE(ST_AsText(poly), 'null')) FROM address ORDER BY address_id")
	got := strings1(t, f.duck("address_wkt"), "SELECT location || '|' || COALESCE(p, 'null') || '|' || COALESCE(poly, 'null') FROM lk ORDER BY address_id")
	if strings.Join(got, ";") != strings.Join(want, ";") {
		t.Fatalf("WKT in the lake %q, source %q", got, want)
	}
}

// sridOf reads the little-endian SRID of MySQL's spatial bytes in hex.
func sridOf(t *testing.T, h string) string {
	t.Helper()
	b, err := hex.DecodeString(h)
	if err != nil || len(b) < 4 {
		t.Fatalf("bad spatial bytes %q", h)
	}
	return strconv.FormatUint(uint64(binary.LittleEndian.Uint32(b)), 10)
}

func TestBlobsAndLongTextCarryNoCopiesInStatistics(t *testing.T) {
	f := newFixture(t)
	// Sakila's staff: two rows, one with a 36 KB picture.
	f.exec(`CREATE TABLE staff (staff_id TINYINT UNSIGNED NOT NULL PRIMARY KEY, first_name VARCHAR(45) NOT NULL,
		last_name VARCHAR(45) NOT NULL, address_id SMALLINT UNSIGNED NOT NULL, picture BLOB, email VARCHAR(50),
		store_id TINYINT UNSIGNED NOT NULL, active TINYINT(1) NOT NULL DEFAULT 1, username VARCHAR(16) NOT NULL,
		password VARCHAR(40) BINARY, notes LONGTEXT, last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)`,
		`INSERT INTO staff VALUES
		(1, 'Mike', 'Hillyer', 3, RANDOM_BYTES(1024), 'Mike.Hillyer@sakilastaff.com', 1, 1, 'Mike', '8cb2237d0679ca88db6464eac60da96345513964', NULL, '2006-02-15 03:57:16'),
		(2, 'Jon', 'Stephens', 4, NULL, 'Jon.Stephens@sakilastaff.com', 2, 1, 'Jon', NULL, NULL, '2006-02-15 03:57:16')`,
		// 36 KB of incompressible bytes, and a 20 KB note.
		"UPDATE staff SET picture = CONCAT("+strings.Repeat("RANDOM_BYTES(1024), ", 35)+"RANDOM_BYTES(1024)) WHERE staff_id = 1",
		"UPDATE staff SET notes = REPEAT(SHA2(staff_id, 256), 320) WHERE staff_id = 1",
	)
	f.mustExtract(f.opts("staff"))
	files := f.liveFiles("staff")
	if len(files) != 1 {
		t.Fatalf("%d files, want 1", len(files))
	}
	ours := fileSize(t, files[0])
	duck := f.duck("staff")
	if got := scalar(t, duck, "SELECT max(octet_length(picture)) FROM lk"); got != "36864" {
		t.Fatalf("picture of %s bytes, want 36864", got)
	}
	ref := filepath.Join(t.TempDir(), "duckdb.parquet")
	if _, err := duck.Exec("COPY (SELECT * FROM lk) TO '" + ref + "' (FORMAT parquet)"); err != nil {
		t.Fatal(err)
	}
	theirs := fileSize(t, ref)
	t.Logf("staff: lakectl %d bytes, DuckDB %d bytes (%.2fx)", ours, theirs, float64(ours)/float64(theirs))
	if float64(ours) > 1.2*float64(theirs) {
		t.Fatalf("lakectl's file is %d bytes, DuckDB's %d: more than 1.2x", ours, theirs)
	}
	// DuckDB reads the same rows back.
	want := strings1(t, f.my.DB, "SELECT CONCAT(staff_id, ' ', COALESCE(MD5(picture), '-'), ' ', COALESCE(MD5(notes), '-')) FROM staff ORDER BY staff_id")
	got := strings1(t, duck, "SELECT staff_id || ' ' || COALESCE(md5(picture), '-') || ' ' || COALESCE(md5(notes), '-') FROM lk ORDER BY staff_id")
	if strings.Join(got, ";") != strings.Join(want, ";") {
		t.Fatalf("lake %q, source %q", got, want)
	}
}

func fileSize(t *testing.T, p string) int64 {
	t.Helper()
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}
