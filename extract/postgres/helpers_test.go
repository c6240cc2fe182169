package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2" // reads the lake back as any engine would
	"github.com/jackc/pgx/v5"

	"github.com/lakectl/lakectl/internal/redact"
	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopPostgresLogical()
	os.Exit(code)
}

// fixture is a PostgreSQL database and a local lake for one test.
type fixture struct {
	t     *testing.T
	url   string
	pg    *pgx.Conn
	dir   string
	store lake.Store
}

func newFixture(t *testing.T, logical bool) *fixture {
	t.Helper()
	var u string
	if logical {
		u = testenv.PostgresLogical(t)
	} else {
		u = testenv.Postgres(t)
	}
	conn, err := pgx.Connect(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	dir := t.TempDir()
	store, err := lake.NewFileStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, url: u, pg: conn, dir: dir, store: store}
}

func (f *fixture) exec(qs ...string) {
	f.t.Helper()
	for _, q := range qs {
		if _, err := f.pg.Exec(context.Background(), q); err != nil {
			f.t.Fatalf("%s: %v", q, err)
		}
	}
}

func (f *fixture) opts(table string) Options { return Options{DSN: f.url, Table: table} }

func (f *fixture) extract(o Options) (*Result, error) {
	ctx := redact.WithSecrets(context.Background(), &redact.Secrets{})
	return Extract(ctx, f.store, o)
}

func (f *fixture) mustExtract(o Options) *Result {
	f.t.Helper()
	res, err := f.extract(o)
	if err != nil {
		f.t.Fatalf("extract %s: %v", o.Table, err)
	}
	return res
}

// duck opens DuckDB with the view "lk" over the lake table.
func (f *fixture) duck(table string) *sql.DB {
	f.t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		f.t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	f.t.Cleanup(func() { _ = db.Close() })
	glob := filepath.Join(f.dir, "tables", table, "**", "*.parquet")
	for _, q := range []string{"SET TimeZone = 'UTC'",
		fmt.Sprintf("CREATE VIEW lk AS SELECT * FROM read_parquet('%s', hive_partitioning = true, union_by_name = true)", glob)} {
		if _, err := db.Exec(q); err != nil {
			f.t.Fatal(err)
		}
	}
	return db
}

func (f *fixture) liveFiles(table string) []string {
	var out []string
	_ = filepath.WalkDir(filepath.Join(f.dir, "tables", table), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".parquet") {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// lakeUntouched fails unless the lake holds no table file and no state.
func (f *fixture) lakeUntouched(table string) {
	f.t.Helper()
	if files := f.liveFiles(table); len(files) > 0 {
		f.t.Errorf("lake has %d files under tables/%s after a failed run", len(files), table)
	}
	if _, err := os.Stat(filepath.Join(f.dir, "_lakectl", "state", "extract-postgres-"+table+".json")); !errors.Is(err, fs.ErrNotExist) {
		f.t.Errorf("job state exists after a failed run (err %v)", err)
	}
}

// strs reads one column of strings, NULL as "<nil>".
func strs(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s sql.NullString
		if err := rows.Scan(&s); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out = append(out, map[bool]string{true: s.String, false: "<nil>"}[s.Valid])
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// pgStrs reads one column of strings from the source.
func (f *fixture) pgStrs(q string) []string {
	f.t.Helper()
	rows, err := f.pg.Query(context.Background(), q)
	if err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (string, error) {
		var s *string
		err := r.Scan(&s)
		if s == nil {
			return "<nil>", err
		}
		return *s, err
	})
	if err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
	return out
}
