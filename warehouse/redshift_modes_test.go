package warehouse_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/parquetfile"
	"github.com/lakectl/lakectl/lake/table"
	"github.com/lakectl/lakectl/warehouse"
)

// checksumSQL is computed the same way by DuckDB over the lake files and
// by the warehouse over the target: count, sums and a digest of every
// (id, code, updated) in id order.
const checksumSQL = `SELECT count(*), coalesce(sum(id), 0), coalesce(sum(updated), 0),
	md5(coalesce(string_agg(CAST(id AS VARCHAR) || ':' || coalesce(code, '~') || ':' || CAST(updated AS VARCHAR), ',' ORDER BY id, updated), ''))
	FROM %s`

type checksum struct {
	Rows, SumID, SumUpdated int64
	Digest                  string
}

// lakeChecksum reads the table's live files with DuckDB (an independent
// Parquet reader): downloaded from the lake, read with read_parquet.
func lakeChecksum(t *testing.T, store lake.Store, name string) checksum {
	t.Helper()
	ctx := context.Background()
	tbl, err := table.Open(store, name)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var paths []string
	err = tbl.Files(ctx, func(f table.File) error {
		r, err := store.Get(ctx, f.Key)
		if err != nil {
			return err
		}
		defer r.Close()
		p := filepath.Join(dir, fmt.Sprintf("f%d.parquet", len(paths)))
		out, err := os.Create(p)
		if err != nil {
			return err
		}
		defer out.Close()
		_, err = io.Copy(out, r)
		paths = append(paths, "'"+p+"'")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var c checksum
	q := fmt.Sprintf(checksumSQL, "read_parquet(["+strings.Join(paths, ", ")+"])")
	if err := db.QueryRow(q).Scan(&c.Rows, &c.SumID, &c.SumUpdated, &c.Digest); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return c
}

func checkChecksum(t *testing.T, tg target, store lake.Store, lakeTable, target string) {
	t.Helper()
	want := lakeChecksum(t, store, lakeTable)
	var got checksum
	tg.query(t, fmt.Sprintf(checksumSQL, target), &got.Rows, &got.SumID, &got.SumUpdated, &got.Digest)
	if got != want {
		t.Errorf("warehouse %s differs from DuckDB over the lake files:\n got %+v\nwant %+v", target, got, want)
	}
}

func TestRedshiftEveryLoadMode(t *testing.T) {
	store := s3Lake(t)
	tg := redshiftTarget(t)
	rule := table.PartitionRule{Column: "ts", Unit: table.UnitDay}
	b1, b2 := makeRecs(1, 300, 1), append(makeRecs(200, 200, 3), makeRecs(250, 10, 2)...)
	appendBatch(t, store, "events", b1, rule)
	appendBatch(t, store, "events", b2, rule)

	load(t, tg, store, warehouse.LoadOptions{Table: "events", Into: "a.appended"})
	checkChecksum(t, tg, store, "events", "a.appended")

	load(t, tg, store, warehouse.LoadOptions{Table: "events", Into: "a.upserted", Mode: "upsert", Key: []string{"id"}, Cursor: "updated"})
	checkAggregates(t, tg.agg(t, "a.upserted"), expected(latest(b1, b2)))

	load(t, tg, store, warehouse.LoadOptions{Table: "events", Into: "a.replaced", Mode: "replace"})
	b3 := makeRecs(1000, 30, 4)
	appendBatch(t, store, "events", b3, rule)
	res := load(t, tg, store, warehouse.LoadOptions{Table: "events", Into: "a.replaced", Mode: "replace"})
	if res.Files < 3 {
		t.Errorf("replace reloaded %d files, want every file of the 3 touched partitions", res.Files)
	}
	checkChecksum(t, tg, store, "events", "a.replaced")

	ctx := context.Background()
	wh, err := warehouse.Open(ctx, tg.url, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	if _, err := warehouse.Reprocess(ctx, store, wh, warehouse.ReprocessOptions{Table: "events", Into: "a.appended"}); err != nil {
		t.Fatalf("reprocess: %v", err)
	}
	checkChecksum(t, tg, store, "events", "a.appended")
}

func TestRedshiftInsertMethodUpsertKeepsTheLatestVersion(t *testing.T) {
	store := newLake(t) // load_method=insert reads the files itself
	tg := redshiftTarget(t)
	tg.url += "&load_method=insert"
	b1 := makeRecs(1, 100, 1)
	b2 := append(makeRecs(50, 100, 2), makeRecs(60, 10, 3)...)
	appendBatch(t, store, "users", b1, table.PartitionRule{})
	appendBatch(t, store, "users", b2, table.PartitionRule{})
	load(t, tg, store, warehouse.LoadOptions{Table: "users", Mode: "upsert", Key: []string{"id"}})
	checkAggregates(t, tg.agg(t, "users"), expected(latest(b1, b2)))
}

func TestRedshiftKilledLoadThenRerunLoadsExactlyOnce(t *testing.T) {
	store := s3Lake(t)
	tg := redshiftTarget(t)
	b1, b2 := makeRecs(1, 400, 1), makeRecs(401, 400, 1)
	appendBatch(t, store, "crash", b1, table.PartitionRule{})
	load(t, tg, store, warehouse.LoadOptions{Table: "crash"})
	appendBatch(t, store, "crash", b2, table.PartitionRule{})

	marker := filepath.Join(t.TempDir(), "copying")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperLoadUntilKilled$", "-test.count=1")
	cmd.Env = append(os.Environ(), "LAKECTL_WH_CHILD=1", "LAKECTL_WH_LAKE="+store.URL(""), "LAKECTL_WH_URL="+tg.url,
		"LAKECTL_WH_MARKER="+marker, "LAKECTL_WH_S3_ENDPOINT="+os.Getenv("AWS_ENDPOINT_URL_S3"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(marker); err == nil {
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatal("child never started copying")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	// The killed session's transaction is rolled back when its connection
	// drops; wait for the backend to notice.
	waitFor(t, func() bool { return tg.count(t, "SELECT count(*) FROM crash") == 400 })
	res := load(t, tg, store, warehouse.LoadOptions{Table: "crash"})
	if res.Files != 1 || res.Rows != 400 {
		t.Errorf("rerun after kill -9 loaded %d files, %d rows; want 1, 400", res.Files, res.Rows)
	}
	checkChecksum(t, tg, store, "crash", "crash")
	if res := load(t, tg, store, warehouse.LoadOptions{Table: "crash"}); res.Files != 0 {
		t.Errorf("second rerun loaded %d files", res.Files)
	}
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 10s")
		}
	}
}

// foreignRow is a row of a file written by another tool (no lakectl
// metadata in its footer).
type foreignRow struct {
	ID   int64  `parquet:"id"`
	Name string `parquet:"name"`
}

// appendForeign commits a Parquet file written with parquet-go itself.
func appendForeign(t *testing.T, store lake.Store, name string, rows []foreignRow) {
	t.Helper()
	ctx := context.Background()
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	ft, err := parquetfile.ReadFooter(ctx, bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := table.Open(store, name)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := tbl.Begin(ctx, table.TxOptions{Op: table.OpAppend})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Abort(ctx) }()
	key := tx.NewFileKey("")
	if _, err := store.Put(ctx, tx.StagingKey(key), bytes.NewReader(buf.Bytes()), int64(buf.Len()), lake.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := tx.AddFile(ctx, table.FileEntry{Key: key, Size: int64(buf.Len()), Rows: int64(len(rows)), SchemaFingerprint: ft.Fingerprint}); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestRedshiftFilesWithoutSizesFallBackAndAFailedCopySaysWhy(t *testing.T) {
	store := s3Lake(t)
	tg := redshiftTarget(t)
	appendForeign(t, store, "ext", []foreignRow{{1, "short"}, {2, strings.Repeat("y", 400)}})
	_, err := tryLoad(tg, store, warehouse.LoadOptions{Table: "ext"})
	if err == nil {
		t.Fatal("a 400-byte value in a file without sizes loaded: the fallback is 256 bytes (+25%)")
	}
	t.Log(err)
	for _, want := range []string{"SYS_LOAD_ERROR_DETAIL", "String length exceeds DDL length", "column name"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	res := load(t, tg, store, warehouse.LoadOptions{Table: "ext", DryRun: true})
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "256 bytes") {
		t.Errorf("dry run notes = %q, want the 256-byte fallback named", res.Notes)
	}
	if n := tg.count(t, "SELECT count(*) FROM information_schema.tables WHERE table_name IN ('ext', 'lakectl_loads')"); n != 1 {
		t.Errorf("after the failed load %d of ext and the ledger exist, want only the ledger", n)
	}
}

func TestRedshiftCompactionOfPartlyLoadedFilesInsertsOnlyTheNewRows(t *testing.T) {
	store := s3Lake(t)
	tg := redshiftTarget(t)
	b1, b2, b3 := makeRecs(1, 100, 1), makeRecs(101, 150, 1), makeRecs(251, 80, 1)
	k1 := appendBatch(t, store, "logs", b1, table.PartitionRule{})
	k2 := appendBatch(t, store, "logs", b2, table.PartitionRule{})
	load(t, tg, store, warehouse.LoadOptions{Table: "logs"})
	k3 := appendBatch(t, store, "logs", b3, table.PartitionRule{})
	b4 := makeRecs(331, 20, 1)
	// A compaction merges the loaded files with the new one before the
	// next load; another new file is COPYed whole.
	compact(t, store, "logs", append(append(k1, k2...), k3...), append(append(b1, b2...), b3...))
	appendBatch(t, store, "logs", b4, table.PartitionRule{})
	res := load(t, tg, store, warehouse.LoadOptions{Table: "logs"})
	if res.Rows != 100 || res.Files != 2 {
		t.Fatalf("load after compaction copied %d rows of %d files; want 100 of 2", res.Rows, res.Files)
	}
	checkChecksum(t, tg, store, "logs", "logs")
}
