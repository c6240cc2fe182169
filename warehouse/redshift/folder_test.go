package redshift

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/warehouse/driver"
)

// The statements around a COPY of files with folder values run in
// PostgreSQL (Redshift's ancestor, same temp tables, LIKE and CAST): the
// rows COPY puts in the temporary table reach the target with the folder
// value, and the temporary table is gone. COPY itself is replaced by an
// INSERT of the rows it would load.
func TestFolderStatementsCarryTheFolderValueIntoTheTarget(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, testenv.Postgres(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE TABLE clicks (id BIGINT NOT NULL, dt DATE, region VARCHAR(256))`); err != nil {
		t.Fatal(err)
	}
	s := schema.Schema{Columns: []schema.Column{{Name: "id", Type: schema.TInt64}}}
	c := &copyStmt{Table: `"clicks"`, Columns: []string{`"id"`}, ManifestURL: "s3://b/m.json", IAMRole: "arn:aws:iam::1:role/r",
		Files: []driver.StageFile{{Key: "tables/clicks/dt=2026-03-02/region=eu/a.parquet", Schema: s, Folder: []driver.FolderValue{
			{Name: "dt", Type: schema.TDate, SQLType: "DATE", Value: "2026-03-02"},
			{Name: "region", Type: schema.TString, SQLType: "VARCHAR(256)", Value: "e'u"},
		}}}}
	stmts, copyAt, err := openTest(t, testURL).copySQL(c, 0)
	if err != nil {
		t.Fatal(err)
	}
	stmts[copyAt] = `INSERT INTO "lakectl_folder_0" ("id") VALUES (1), (2), (3)`
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range stmts {
		if _, err := tx.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	var n, right int64
	q := `SELECT count(*), count(*) FILTER (WHERE dt = DATE '2026-03-02' AND region = 'e''u') FROM clicks`
	if err := conn.QueryRow(ctx, q).Scan(&n, &right); err != nil || n != 3 || right != 3 {
		t.Fatalf("target: %d rows, %d with the folder values (%v); want 3, 3", n, right, err)
	}
}
