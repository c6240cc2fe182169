package duckdb_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lakectl/lakectl/warehouse/duckdb"
)

// A load from S3 rewrites its temporary files in place (the prefetcher
// reuses them): DuckDB must read a rewritten file's new bytes even when
// its size and modification time did not change.
func TestDuckDBReadsAFileRewrittenInPlace(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w, err := duckdb.Open(ctx, filepath.Join(dir, "wh.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	db := w.DB()
	// One connection: the setting below is the session's. DuckDB caches
	// external files' blocks when it prefetches them (remote files, or
	// local ones with this setting); the warehouse turns the cache off.
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, "SET prefetch_all_parquet_files = true"); err != nil {
		t.Fatal(err)
	}
	path, other := filepath.Join(dir, "slot.parquet"), filepath.Join(dir, "other.parquet")
	for p, v := range map[string]int{path: 1, other: 2} {
		if _, err := db.ExecContext(ctx, "COPY (SELECT range + 1000000 * $1::BIGINT AS x FROM range(1000)) TO '"+p+"' (FORMAT parquet)", v); err != nil {
			t.Fatal(err)
		}
	}
	sum := func() int64 {
		var n int64
		if err := db.QueryRowContext(ctx, "SELECT sum(x) FROM read_parquet('"+path+"')").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if got := sum(); got != 1000499500 {
		t.Fatalf("first read: sum %d, want 1000499500", got)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(other)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, time.Time{}, st.ModTime()); err != nil {
		t.Fatal(err)
	}
	if got := sum(); got != 2000499500 {
		t.Fatalf("read after the rewrite: sum %d, want 2000499500 (a stale cached read)", got)
	}
}
