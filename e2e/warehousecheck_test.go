package e2e

import (
	"context"
	"database/sql"
	"testing"

	"github.com/jackc/pgx/v5"
)

// warehouseUnderTest is a warehouse URL and how to read a table back.
type warehouseUnderTest struct {
	name  string
	url   string
	query string // (id, cents, note, cursor_us) ordered by id
	path  string // DuckDB file; empty for PostgreSQL
	load  string // URL the binary loads into, when not url (Redshift through its simulator)
}

func duckWarehouse(t *testing.T) warehouseUnderTest {
	path := t.TempDir() + "/wh.duckdb"
	return warehouseUnderTest{name: "duckdb", url: "duckdb://" + path, path: path,
		query: `SELECT id, CAST(amount * 100 AS BIGINT), note, epoch_us(updated_at) FROM orders ORDER BY id`}
}

func pgWarehouse(url string) warehouseUnderTest {
	return warehouseUnderTest{name: "postgres", url: url,
		query: `SELECT id, (amount * 100)::bigint, note, (extract(epoch FROM updated_at) * 1000000)::bigint
			FROM orders ORDER BY id`}
}

// digest reads the warehouse table. Handles are closed at once: an
// embedded DuckDB file admits one writing process at a time.
func (w warehouseUnderTest) digest(t *testing.T) digest {
	t.Helper()
	ctx := context.Background()
	if w.path != "" {
		db, err := sql.Open("duckdb", w.path)
		if err != nil {
			t.Fatalf("open %s warehouse: %v", w.name, err)
		}
		defer db.Close()
		d, err := digestQuery(ctx, db, w.query)
		if err != nil {
			t.Fatalf("read %s warehouse: %v", w.name, err)
		}
		return d
	}
	conn, err := pgx.Connect(ctx, w.url)
	if err != nil {
		t.Fatalf("connect to %s warehouse: %v", w.name, err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, w.query)
	if err != nil {
		t.Fatalf("read %s warehouse: %v", w.name, err)
	}
	defer rows.Close()
	d, err := digestRows(rows)
	if err != nil {
		t.Fatalf("read %s warehouse: %v", w.name, err)
	}
	return d
}

// checkWarehouse asserts the warehouse table equals the source's rows.
func checkWarehouse(t *testing.T, w warehouseUnderTest, want digest) {
	t.Helper()
	if got := w.digest(t); !got.equal(want) {
		t.Errorf("%s warehouse differs from the source: %s", w.name, want.diff(got))
	}
}
