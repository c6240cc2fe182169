package compact

import (
	"context"
	"database/sql"
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
