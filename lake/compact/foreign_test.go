package compact

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Files written by DuckDB (four row groups each, a column added halfway,
// naive timestamps) are compacted column by column; DuckDB, reading the
// table before and after, sees the same rows.
func TestCompactDuckDBFilesKeepsRows(t *testing.T) {
	ctx := context.Background()
	dir, store := dirStore(t)
	parts := seedDuck(ctx, t, dir, store, benchSize{files: 20, rows: 400})
	before := duckFingerprint(t, dir)
	res, err := Compact(ctx, store, Options{Table: "bench"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 20*400 || res.InputFiles != 20 || res.Files != int64(len(parts)) {
		t.Fatalf("compacted %d rows of %d files into %d, want 8000 rows of 20 files into %d", res.Rows, res.InputFiles, res.Files, len(parts))
	}
	if after := duckFingerprint(t, dir); after != before {
		t.Fatalf("DuckDB reads\n%s\nafter compaction, want\n%s", after, before)
	}
}

// duckFingerprint is DuckDB's summary of the table's live files.
func duckFingerprint(t *testing.T, dir string) string {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	glob := filepath.Join(dir, "tables", "bench", "*", "*.parquet")
	var s string
	err = db.QueryRow(`SELECT concat_ws(' ', count(*), count(DISTINCT id), sum(id), sum(amount), count(note), sum(length(note)),
		sum(epoch_us(created_at)), count(price), sum(price), sum(qty), count_if(active), sum(hash(customer)) % 1000003)
		FROM read_parquet('` + glob + `', union_by_name = true) WHERE filename NOT LIKE '%/\_%' ESCAPE '\'`).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Another tool's UUID columns (FIXED_LEN_BYTE_ARRAY(16), logical UUID)
// compact into their canonical text: DuckDB reads the same values, as
// strings, after compaction.
func TestCompactKeepsAnotherToolsUUIDsAsText(t *testing.T) {
	ctx := context.Background()
	dir, store := dirStore(t)
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	part := filepath.Join(dir, "tables", "bench", "day=2026-03-01")
	if err := os.MkdirAll(part, 0o755); err != nil {
		t.Fatal(err)
	}
	for f := range 3 {
		q := fmt.Sprintf(`COPY (SELECT %d * 100 + i AS id, CASE WHEN i %% 5 = 0 THEN NULL ELSE
			CAST(md5(CAST(%d * 100 + i AS VARCHAR)) AS UUID) END AS u FROM range(100) t(i)) TO '%s' (FORMAT parquet)`,
			f, f, filepath.Join(part, fmt.Sprintf("duck-%d.parquet", f)))
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	sum := func() string {
		var s string
		if err := db.QueryRow(`SELECT concat_ws(' ', count(*), count(u), sum(hash(CAST(u AS VARCHAR))) % 1000003)
			FROM read_parquet('` + filepath.Join(part, "*.parquet") + `')`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := sum()
	res, err := Compact(ctx, store, Options{Table: "bench"})
	if err != nil {
		t.Fatal(err)
	}
	if res.InputFiles != 3 || res.Files != 1 {
		t.Fatalf("compacted %d files into %d, want 3 into 1", res.InputFiles, res.Files)
	}
	if after := sum(); after != before {
		t.Fatalf("DuckDB reads %s after compaction, want %s", after, before)
	}
}
