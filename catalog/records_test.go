package catalog_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // the independent reader of the files

	"github.com/lakectl/lakectl/catalog"
	"github.com/lakectl/lakectl/catalog/internal/cattest"
	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/compact"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

var day0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// everyTypeRows is n rows of cattest.EveryType from id first, over days
// days (one partition each); the text columns vary in length.
func everyTypeRows(first, n, days int) []schema.Row {
	s := cattest.EveryType()
	rows := make([]schema.Row, n)
	for r := range rows {
		id := first + r
		row := make(schema.Row, len(s.Columns))
		for i, c := range s.Columns {
			switch c.Name {
			case "id":
				row[i] = schema.Int64Value(int64(id))
			case "name", "Select":
				row[i] = schema.StringValue(strings.Repeat("é", id%17))
			case "payload":
				row[i] = schema.BytesValue(make([]byte, id%23))
			case "attrs":
				row[i] = schema.StringValue(fmt.Sprintf(`{"n":%d}`, id))
			case "created_at":
				row[i] = schema.TimestampValue(day0.Add(time.Duration(r%days) * 24 * time.Hour))
			default:
				row[i] = schema.NullValue()
			}
		}
		rows[r] = row
	}
	return rows
}

// commitRows appends rows to tbl in one transaction, partitioned by day.
func commitRows(ctx context.Context, t *testing.T, tbl *table.Table, rows []schema.Row) *table.CommitRecord {
	t.Helper()
	tx, err := tbl.Begin(ctx, table.TxOptions{Op: table.OpAppend})
	if err != nil {
		t.Fatal(err)
	}
	w, err := tx.NewWriter(cattest.EveryType(), table.WriterOptions{Partition: table.PartitionRule{Column: "created_at", Unit: table.UnitDay}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(ctx, rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	rec, err := tx.Commit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// duckCopy writes a query's rows as a Parquet file with DuckDB (another
// tool) at path.
func duckCopy(t *testing.T, db *sql.DB, query, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(fmt.Sprintf(`COPY (%s) TO '%s' (FORMAT parquet)`, query, path)); err != nil {
		t.Fatal(err)
	}
}

// A crawl learns lakectl's files from their commit records (appends and a
// compaction) and reads footers only of the others: another tool's file,
// a lakectl file overwritten by another tool, a file whose record is of
// an earlier version (no max bytes) and one whose txid was aborted. What
// it records is what a crawl of the same files by their footers alone
// records, and DuckDB agrees on each file's rows and longest name.
func TestCrawlLearnsLakectlFilesFromCommitRecords(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := lake.NewFileStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := table.Open(store, "t")
	if err != nil {
		t.Fatal(err)
	}
	var recs []*table.CommitRecord
	for c := range 4 {
		recs = append(recs, commitRows(ctx, t, tbl, everyTypeRows(c*100, 40+c, 2)))
	}
	// Compact the first day: one output with a compact record.
	cres, err := compact.Compact(ctx, store, compact.Options{Table: "t", Partitions: []string{"created_at_day=2026-03-01"}})
	if err != nil || cres.Files != 1 || cres.InputFiles != 4 {
		t.Fatalf("compaction = %+v, %v; want 4 inputs into 1 output", cres, err)
	}
	day2 := func(rec *table.CommitRecord) string {
		for _, e := range rec.Added {
			if strings.Contains(e.Key, "2026-03-02") {
				return e.Key
			}
		}
		t.Fatalf("commit %s wrote no file of the second day", rec.TxID)
		return ""
	}
	// The first commit's record as an earlier version wrote it.
	stripMaxBytes(ctx, t, store, recs[0])
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Another tool overwrites the second commit's file (another size) and
	// adds a file of its own.
	over := day2(recs[1])
	before, _ := os.Stat(filepath.Join(dir, over))
	duckCopy(t, db, `SELECT range::BIGINT AS id, repeat('x', range::INT) AS name FROM range(7)`, filepath.Join(dir, over))
	if after, _ := os.Stat(filepath.Join(dir, over)); after.Size() == before.Size() {
		t.Fatal("the overwritten file kept its size")
	}
	duckCopy(t, db, `SELECT range::BIGINT AS id, 'abc' AS name, 'n' AS note FROM range(3)`, filepath.Join(dir, "tables/t/created_at_day=2026-03-02/other.parquet"))
	// A lakectl-named file whose transaction was aborted.
	tx, err := tbl.Begin(ctx, table.TxOptions{Op: table.OpAppend})
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Abort(ctx); err != nil {
		t.Fatal(err)
	}
	aborted := tx.NewFileKey("created_at_day=2026-03-02")
	duckCopy(t, db, `SELECT 99::BIGINT AS id, 'aborted' AS name`, filepath.Join(dir, aborted))

	ref := footersOnlyCopy(t, dir)
	res, err := catalog.Crawl(ctx, store, []string{"t"}, catalog.CrawlOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Live: the output, four second-day files (one overwritten), the
	// foreign and the aborted one. Records: four appends, the compaction,
	// the aborted txid.
	if res.Files != 7 || res.RecordsRead != 6 || res.FootersRead != 4 {
		t.Fatalf("crawl = %+v, want 7 files, 6 records and 4 footers read (foreign, overwritten, earlier record, aborted)", res)
	}
	refRes, err := catalog.Crawl(ctx, ref, []string{"t"}, catalog.CrawlOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Its six records are looked up and missing.
	if refRes.FootersRead != 7 || refRes.RecordsRead != 6 || refRes.Rows != res.Rows {
		t.Fatalf("footers-only crawl = %+v, want 7 footers, 6 records looked up and %d rows", refRes, res.Rows)
	}
	sameVersion(ctx, t, store, ref)
	sameFacts(ctx, t, store, ref)
	duckAgrees(ctx, t, db, dir, store)
	// A second crawl reads nothing new.
	if res, err = catalog.Crawl(ctx, store, []string{"t"}, catalog.CrawlOptions{}); err != nil || res.FootersRead+res.RecordsRead != 0 {
		t.Fatalf("second crawl = %+v, %v; want nothing read", res, err)
	}
}

// stripMaxBytes rewrites a commit record without its entries' max_bytes.
func stripMaxBytes(ctx context.Context, t *testing.T, store lake.Store, rec *table.CommitRecord) {
	t.Helper()
	key := "_lakectl/tables/" + rec.Table + "/commits/" + rec.TxID + ".json"
	var raw map[string]any
	if err := lake.GetJSON(ctx, store, key, &raw); err != nil {
		t.Fatal(err)
	}
	for _, e := range raw["added"].([]any) {
		delete(e.(map[string]any), "max_bytes")
	}
	b, _ := json.Marshal(raw)
	if strings.Contains(string(b), "max_bytes") {
		t.Fatal("max_bytes left")
	}
	if _, err := store.Put(ctx, key, strings.NewReader(string(b)), int64(len(b)), lake.PutOptions{}); err != nil {
		t.Fatal(err)
	}
}

// footersOnlyCopy copies the lake's tables/ (with modification times) to
// a new lake without commit records: its crawl reads every footer.
func footersOnlyCopy(t *testing.T, dir string) lake.Store {
	t.Helper()
	dst := t.TempDir()
	src := filepath.Join(dir, "tables")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(out, b, 0o644); err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		return os.Chtimes(out, fi.ModTime(), fi.ModTime())
	})
	if err != nil {
		t.Fatal(err)
	}
	s, err := lake.NewFileStore(dst)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sameVersion(ctx context.Context, t *testing.T, a, b lake.Store) {
	t.Helper()
	va, err := catalog.Latest(ctx, a, "t")
	if err != nil {
		t.Fatal(err)
	}
	vb, err := catalog.Latest(ctx, b, "t")
	if err != nil {
		t.Fatal(err)
	}
	if !va.Schema.Equal(vb.Schema) || fmt.Sprint(va.Partitions) != fmt.Sprint(vb.Partitions) || va.Files != vb.Files {
		t.Fatalf("recorded version from records = %+v\nfrom footers = %+v", va, vb)
	}
}

// sameFacts compares what both crawls know of each live file.
func sameFacts(ctx context.Context, t *testing.T, a, b lake.Store) {
	t.Helper()
	ka, kb := catalog.KnownFooters(ctx, a, "t"), catalog.KnownFooters(ctx, b, "t")
	n := 0
	err := a.List(ctx, "tables/t/", func(oa lake.ObjectInfo) error {
		ob, err := b.Stat(ctx, oa.Key)
		if err != nil {
			return err
		}
		fa, okA := ka(oa.Key, oa.Size, oa.ETag)
		fb, okB := kb(ob.Key, ob.Size, ob.ETag)
		if !okA || !okB || !fa.Schema.Equal(fb.Schema) || fa.Rows != fb.Rows || !maps.Equal(fa.MaxBytes, fb.MaxBytes) {
			return fmt.Errorf("file %s: from records %+v (%v), from footers %+v (%v)", oa.Key, fa, okA, fb, okB)
		}
		n++
		return nil
	})
	if err != nil || n != 7 {
		t.Fatalf("compared %d files: %v", n, err)
	}
}

// duckAgrees checks each file's rows and longest name against DuckDB.
func duckAgrees(ctx context.Context, t *testing.T, db *sql.DB, dir string, store lake.Store) {
	t.Helper()
	known := catalog.KnownFooters(ctx, store, "t")
	err := store.List(ctx, "tables/t/", func(o lake.ObjectInfo) error {
		f, ok := known(o.Key, o.Size, o.ETag)
		if !ok {
			return fmt.Errorf("file %s not in the index", o.Key)
		}
		var rows, longest int64
		q := fmt.Sprintf(`SELECT count(*), coalesce(max(strlen(name)), 0) FROM read_parquet('%s')`, filepath.Join(dir, o.Key))
		if err := db.QueryRow(q).Scan(&rows, &longest); err != nil {
			return err
		}
		if rows != f.Rows {
			return fmt.Errorf("file %s: %d rows, DuckDB counts %d", o.Key, f.Rows, rows)
		}
		if f.MaxBytes != nil && int64(f.MaxBytes["name"]) != longest {
			return fmt.Errorf("file %s: name max bytes %d, DuckDB says %d", o.Key, f.MaxBytes["name"], longest)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Crawling N lakectl files written in C commits sends one GET per commit
// record, not one per file, and a crawl of the same lake by footers
// would send N.
func TestCrawlOnS3SendsOneGetPerCommit(t *testing.T) {
	ctx := context.Background()
	env := testenv.S3(t)
	env.SetAWSEnv(t)
	store, err := lake.Open(ctx, env.URL("lake"), lake.Options{S3Endpoint: env.Endpoint, S3PathStyle: true, Region: env.Region})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	tbl, err := table.Open(store, "t")
	if err != nil {
		t.Fatal(err)
	}
	const commits, days = 5, 6
	for c := range commits {
		commitRows(ctx, t, tbl, everyTypeRows(c*100, 30, days))
	}
	before := lake.Requests(store)
	res, err := catalog.Crawl(ctx, store, nil, catalog.CrawlOptions{})
	if err != nil {
		t.Fatal(err)
	}
	after := lake.Requests(store)
	gets, lists := after[lake.ReqGet]-before[lake.ReqGet], after[lake.ReqList]-before[lake.ReqList]
	// Beyond the records: the latest version and the file index (both
	// missing here). The lake is listed once, and the versions.
	if res.Files != commits*days || res.RecordsRead != commits || res.FootersRead != 0 || gets > commits+2 || lists != 2 {
		t.Fatalf("crawl of %d files in %d commits = %+v with %d GETs and %d LISTs, want %d records, no footer, at most %d GETs and 2 LISTs", commits*days, commits, res, gets, lists, commits, commits+2)
	}
	// The summary of partitions takes its rows from the same records.
	before = lake.Requests(store)
	parts, err := tbl.Partitions(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	gets = lake.Requests(store)[lake.ReqGet] - before[lake.ReqGet]
	var rows int64
	for _, p := range parts {
		rows += p.Rows
	}
	if rows != res.Rows || rows != commits*30 || len(parts) != days || gets > commits {
		t.Fatalf("partitions = %+v with %d GETs, want %d rows in %d partitions, at most %d GETs", parts, gets, commits*30, days, commits)
	}
}

// A crawl of every table lists the lake once; a table with a file it
// cannot place fails alone.
func TestCrawlOfEveryTableFailsOnlyTheTableWithAMisplacedFile(t *testing.T) {
	ctx := context.Background()
	store, err := lake.NewFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a", "b"} {
		tbl, err := table.Open(store, name)
		if err != nil {
			t.Fatal(err)
		}
		commitRows(ctx, t, tbl, everyTypeRows(0, 10, 2))
	}
	b := cattest.Parquet(t, cattest.EveryType(), everyTypeRows(0, 3, 1))
	if _, err := store.Put(ctx, "tables/a/not-a-folder/x.parquet", strings.NewReader(string(b)), int64(len(b)), lake.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	res, err := catalog.Crawl(ctx, store, nil, catalog.CrawlOptions{})
	if err == nil || !strings.Contains(err.Error(), "tables/a/not-a-folder/x.parquet") {
		t.Fatalf("crawl error = %v, want one naming the misplaced file", err)
	}
	if len(res.Tables) != 2 || res.Tables[0].Error == "" || res.Tables[1].Error != "" || res.Tables[1].Files != 2 || res.Tables[1].Version != 1 {
		t.Fatalf("crawl = %+v, want a failed and b crawled", res.Tables)
	}
}

// A crawl of a lake of many tables learns each from its commit records,
// whether the table read them during the listing (the first few) or after
// it (the others), and a second crawl reads none.
func TestCrawlOfManyTablesReadsEachTablesRecordsOnce(t *testing.T) {
	ctx := context.Background()
	store, err := lake.NewFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	const tables, commits, days = 7, 2, 3
	for i := range tables {
		tbl, err := table.Open(store, fmt.Sprintf("t%d", i))
		if err != nil {
			t.Fatal(err)
		}
		for c := range commits {
			commitRows(ctx, t, tbl, everyTypeRows(c*100, 10, days))
		}
	}
	res, err := catalog.Crawl(ctx, store, nil, catalog.CrawlOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Tables) != tables {
		t.Fatalf("%d tables crawled, want %d", len(res.Tables), tables)
	}
	for _, tc := range res.Tables {
		if tc.Files != commits*days || tc.RecordsRead != commits || tc.FootersRead != 0 || tc.Rows != commits*10 || tc.Version != 1 {
			t.Errorf("table %s: %+v, want %d files from %d records, %d rows, version 1", tc.Table, tc, commits*days, commits, commits*10)
		}
	}
	if res, err = catalog.Crawl(ctx, store, nil, catalog.CrawlOptions{}); err != nil || res.RecordsRead+res.FootersRead != 0 || res.Recorded != 0 {
		t.Fatalf("second crawl = %+v, %v; want nothing read nor recorded", res, err)
	}
}
