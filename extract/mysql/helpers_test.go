package mysql

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

	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/internal/redact"
	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
)

// fixture is a MariaDB database and a local lake for one test.
type fixture struct {
	t     *testing.T
	my    testenv.MySQLDB
	dir   string
	store lake.Store
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	my := testenv.MySQL(t)
	dir := t.TempDir()
	store, err := lake.NewFileStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, my: my, dir: dir, store: store}
}

func (f *fixture) exec(qs ...string) {
	f.t.Helper()
	for _, q := range qs {
		if _, err := f.my.DB.Exec(q); err != nil {
			f.t.Fatalf("%s: %v", q, err)
		}
	}
}

// opts returns Options for table t of the fixture's database.
func (f *fixture) opts(t string) Options {
	return Options{DSN: f.my.URL, Table: f.my.Name + "." + t}
}

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

// duck queries the lake's table t with DuckDB; the view "lk" is the table.
func (f *fixture) duck(table string) *sql.DB {
	f.t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		f.t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	f.t.Cleanup(func() { _ = db.Close() })
	glob := filepath.Join(f.dir, "tables", table, "**", "*.parquet")
	if _, err := db.Exec("SET TimeZone = 'UTC'"); err != nil {
		f.t.Fatal(err)
	}
	if _, err := db.Exec(fmt.Sprintf("CREATE VIEW lk AS SELECT * FROM read_parquet('%s', hive_partitioning = true, union_by_name = true)", glob)); err != nil {
		f.t.Fatal(err)
	}
	return db
}

// liveFiles lists the Parquet files under tables/<table>/.
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
	if _, err := os.Stat(filepath.Join(f.dir, "_lakectl", "state", "extract-mysql-"+table+".json")); !errors.Is(err, fs.ErrNotExist) {
		f.t.Errorf("job state exists after a failed run (err %v)", err)
	}
}

// column of strings read by one query, NULL as "<nil>".
func strings1(t *testing.T, db *sql.DB, q string) []string {
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
		if s.Valid {
			out = append(out, s.String)
		} else {
			out = append(out, "<nil>")
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

// scalar reads one value as a string.
func scalar(t *testing.T, db *sql.DB, q string, args ...any) string {
	t.Helper()
	var s sql.NullString
	if err := db.QueryRow(q, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if !s.Valid {
		return "<nil>"
	}
	return s.String
}

// assertUsage fails unless err is a one-line usage error containing want.
func assertUsage(t *testing.T, err error, want string) {
	t.Helper()
	var usage *input.Error
	if err == nil || !errors.As(err, &usage) || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v, want a one-line usage error containing %q", err, want)
	}
}
