package files

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2" // reads the lake back as any engine would

	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
)

// fixture is a landing prefix on MinIO and a lake in a folder.
type fixture struct {
	t   *testing.T
	env testenv.S3Env
	src lake.Store
	dir string
	lk  lake.Store
	url string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	env := testenv.S3(t)
	env.SetAWSEnv(t)
	f := &fixture{t: t, env: env, dir: t.TempDir(), url: env.URL("landing")}
	var err error
	if f.src, err = OpenSource(context.Background(), f.url, f.lakeOpts()); err != nil {
		t.Fatal(err)
	}
	if f.lk, err = lake.NewFileStore(f.dir); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) lakeOpts() lake.Options {
	return lake.Options{S3Endpoint: f.env.Endpoint, S3PathStyle: true}
}

func (f *fixture) opts(routes ...string) Options {
	o := Options{From: f.url, Job: "landed"}
	for _, s := range routes {
		r, err := ParseRoute(s)
		if err != nil {
			f.t.Fatal(err)
		}
		o.Routes = append(o.Routes, r)
	}
	return o
}

func (f *fixture) extract(o Options) (*Result, error) {
	return Extract(context.Background(), f.lk, f.src, o)
}

func (f *fixture) mustExtract(o Options) *Result {
	f.t.Helper()
	res, err := f.extract(o)
	if err != nil {
		f.t.Fatalf("extract: %v", err)
	}
	return res
}

// put lands an object as another system would.
func (f *fixture) put(key string, body []byte) {
	f.t.Helper()
	if _, err := f.src.Put(context.Background(), key, bytes.NewReader(body), int64(len(body)), lake.PutOptions{}); err != nil {
		f.t.Fatal(err)
	}
}

// events are n records of a kind, numbered from first.
func events(kind string, first, n int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		id := first + i
		out[i] = map[string]any{"event_id": fmt.Sprintf("%s-%d", kind, id), "type": kind, "user": id % 97,
			"amount": json.Number(strconv.Itoa(id%1000) + ".25"), "ts": "2026-11-30T12:00:00Z", "meta": map[string]any{"n": id}}
	}
	return out
}

// jsonLines encodes records one a line; concat with no separator at all
// (as Firehose writes them).
func jsonLines(recs []map[string]any, concat bool) []byte {
	var b bytes.Buffer
	for _, r := range recs {
		m, _ := json.Marshal(r)
		b.Write(m)
		if !concat {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

// duck opens DuckDB over a table's live files.
func (f *fixture) duck(tbl string) *sql.DB {
	f.t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { db.Close() })
	glob := filepath.Join(f.dir, "tables", tbl, "**", "*.parquet")
	if _, err := db.Exec(fmt.Sprintf("CREATE VIEW lk AS SELECT * FROM read_parquet('%s', hive_partitioning = true, union_by_name = true)", glob)); err != nil {
		f.t.Fatal(err)
	}
	return db
}

func (f *fixture) scalar(tbl, q string) string {
	f.t.Helper()
	var s sql.NullString
	if err := f.duck(tbl).QueryRow(q).Scan(&s); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
	return s.String
}

func (f *fixture) rows(tbl string) int {
	f.t.Helper()
	n, _ := strconv.Atoi(f.scalar(tbl, "SELECT count(*) FROM lk"))
	return n
}

// lakeFiles lists every object of the lake under prefix.
func (f *fixture) lakeFiles(prefix string) []string {
	var out []string
	_ = f.lk.List(context.Background(), prefix, func(o lake.ObjectInfo) error {
		out = append(out, o.Key)
		return nil
	})
	return out
}
