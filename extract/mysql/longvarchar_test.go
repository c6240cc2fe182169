package mysql

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestLongVarcharCarriesNoCopiesInStatistics: a VARCHAR(16000) holding
// 14 KB values is a long string column like TEXT: its bounds are not stored
// whole in the footer, and the file stays within 1.2x of DuckDB's (issue 11,
// finding 7).
func TestLongVarcharCarriesNoCopiesInStatistics(t *testing.T) {
	f := newFixture(t)
	f.exec(`CREATE TABLE lv (id INT PRIMARY KEY, s VARCHAR(16000), code VARCHAR(20)) CHARSET latin1`)
	for i := 1; i <= 3; i++ {
		// 14 KB of hex from random bytes: incompressible enough that copies show.
		f.exec("INSERT INTO lv SELECT " + string(rune('0'+i)) + ", CONCAT(" + strings.Repeat("HEX(RANDOM_BYTES(1000)), ", 6) + "HEX(RANDOM_BYTES(1000))), 'c'")
	}
	f.mustExtract(f.opts("lv"))
	files := f.liveFiles("lv")
	if len(files) != 1 {
		t.Fatalf("%d files, want 1", len(files))
	}
	duck := f.duck("lv")
	ref := filepath.Join(t.TempDir(), "duckdb.parquet")
	if _, err := duck.Exec("COPY (SELECT * FROM lk) TO '" + ref + "' (FORMAT parquet)"); err != nil {
		t.Fatal(err)
	}
	ours, theirs := fileSize(t, files[0]), fileSize(t, ref)
	t.Logf("lv: lakectl %d bytes, DuckDB %d bytes (%.2fx)", ours, theirs, float64(ours)/float64(theirs))
	if float64(ours) > 1.2*float64(theirs) {
		t.Fatalf("lakectl's file is %d bytes, DuckDB's %d: more than 1.2x", ours, theirs)
	}
	want := strings1(t, f.my.DB, "SELECT CONCAT(id, ' ', MD5(s)) FROM lv ORDER BY id")
	got := strings1(t, duck, "SELECT id || ' ' || md5(s) FROM lk ORDER BY id")
	if strings.Join(got, ";") != strings.Join(want, ";") {
		t.Fatalf("lake %q, source %q", got, want)
	}
}
