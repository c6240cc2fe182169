package ddlexec

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2" // the embedded engine under test

	"github.com/lakectl/lakectl/catalog"
	"github.com/lakectl/lakectl/catalog/internal/cattest"
)

func TestDuckDBTableFromDDLAcceptsTheLakesRows(t *testing.T) {
	s := cattest.EveryType()
	file := writeFile(t, s, extremeRows(t))
	db, err := sql.Open("duckdb", filepath.Join(t.TempDir(), "w.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE SCHEMA lake`); err != nil {
		t.Fatal(err)
	}
	ddl, err := catalog.DDL(catalog.DuckDB, "orders", s, catalog.DDLOptions{Schema: "lake", IfNotExists: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ddl); err != nil {
		t.Fatalf("DuckDB rejected the DDL: %v\n%s", err, ddl)
	}
	src := fmt.Sprintf("read_parquet('%s')", strings.ReplaceAll(file, "'", "''"))
	if _, err := db.Exec(`INSERT INTO lake.orders SELECT * FROM ` + src); err != nil {
		t.Fatalf("INSERT ... SELECT * FROM read_parquet: %v", err)
	}
	// Every value arrived unchanged: the table and the file hold the same
	// multiset of rows, compared by DuckDB in both directions.
	for _, q := range []string{
		`SELECT count(*) FROM (SELECT * FROM lake.orders EXCEPT ALL SELECT * FROM ` + src + `)`,
		`SELECT count(*) FROM (SELECT * FROM ` + src + ` EXCEPT ALL SELECT * FROM lake.orders)`,
	} {
		var n int
		if err := db.QueryRow(q).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%s = %d, %v; want 0 differing rows", q, n, err)
		}
	}
	checks := []struct{ sql, want string }{
		{`SELECT count(*)::VARCHAR FROM lake.orders`, "3"},
		{`SELECT max(u64)::VARCHAR FROM lake.orders`, "18446744073709551615"},
		{`SELECT min(tiny)::VARCHAR || ' ' || max(tiny)::VARCHAR FROM lake.orders`, "-128 127"},
		{`SELECT max(u32)::VARCHAR FROM lake.orders`, "4294967295"},
		{`SELECT max(big_amount)::VARCHAR FROM lake.orders`, "99999999999999999999999999999.999999999"},
		{`SELECT min(amount)::VARCHAR FROM lake.orders`, "-9999999999.99"},
		{`SELECT max(epoch_us(created_at))::VARCHAR FROM lake.orders`, "253402300799999999"},
		{`SELECT max(birthday)::VARCHAR FROM lake.orders`, "9999-12-31"},
		{`SELECT max(opens_at)::VARCHAR FROM lake.orders`, "23:59:59.999999"},
		{`SELECT name FROM lake.orders WHERE id = 9223372036854775807`, "Grüße, 世界 🚀 'quoted' \"double\""},
		{`SELECT json_extract_string(attrs, '$.s') FROM lake.orders WHERE id = 9223372036854775807`, "é"},
		{`SELECT hex(payload) FROM lake.orders WHERE id = 9223372036854775807`, "0001FEFF"},
		{`SELECT count(*)::VARCHAR FROM lake.orders WHERE flag IS NULL AND u64 IS NULL AND attrs IS NULL`, "1"},
		{`SELECT string_agg("Select", ',' ORDER BY id) FROM lake.orders`, "x,y"},
	}
	for _, c := range checks {
		var got sql.NullString
		if err := db.QueryRow(c.sql).Scan(&got); err != nil || got.String != c.want {
			t.Errorf("%s = %q, %v; want %q", c.sql, got.String, err, c.want)
		}
	}
}
