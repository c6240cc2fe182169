package cmd

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2" // to check the DuckDB warehouse
	"github.com/jackc/pgx/v5"

	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
)

type loadSummary struct {
	Rows         int64    `json:"rows"`
	Files        int      `json:"files"`
	SkippedFiles int      `json:"skipped_files"`
	DryRun       bool     `json:"dry_run"`
	Statements   []string `json:"statements"`
}

func load(t *testing.T, args ...string) loadSummary {
	t.Helper()
	code, out, errOut := run(t, args...)
	if code != 0 {
		t.Fatalf("lakectl %v: exit %d %s", args, code, errOut)
	}
	var s loadSummary
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return s
}

func TestWarehouseLoadCommandDuckDBAndPostgres(t *testing.T) {
	dir := t.TempDir()
	store, err := lake.Open(context.Background(), filepath.Join(dir, "lake"), lake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	writeTable(t, store, "orders", 0, 10)
	writeTable(t, store, "orders", 10, 5)

	duck := "duckdb://" + filepath.Join(dir, "wh.duckdb")
	pg := testenv.Postgres(t)
	for _, wh := range []string{duck, pg} {
		base := []string{"--lake", filepath.Join(dir, "lake"), "--warehouse", wh, "-o", "json", "warehouse"}
		if s := load(t, append(base, "load", "orders", "--dry-run")...); !s.DryRun || s.Files != 4 || len(s.Statements) == 0 {
			t.Fatalf("%s dry run: %+v", wh, s)
		}
		if s := load(t, append(base, "load", "orders")...); s.Rows != 15 || s.Files != 4 {
			t.Fatalf("%s load: %+v", wh, s)
		}
		if s := load(t, append(base, "load", "orders")...); s.Rows != 0 || s.SkippedFiles != 4 {
			t.Fatalf("%s rerun loaded again: %+v", wh, s)
		}
		if code, _, _ := run(t, append(base, "reprocess", "orders")...); code != 2 {
			t.Fatalf("%s reprocess without --yes when not interactive: exit %d, want 2", wh, code)
		}
		if s := load(t, append(base, "reprocess", "orders", "--yes")...); s.Rows != 15 {
			t.Fatalf("%s reprocess: %+v", wh, s)
		}
		code, out, _ := run(t, append(base, "status")...)
		if code != 0 || !strings.Contains(out, "load_id") {
			t.Fatalf("%s status: exit %d %s", wh, code, out)
		}
	}

	var n, sum int64
	db, err := sql.Open("duckdb", filepath.Join(dir, "wh.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow("SELECT count(*), sum(id) FROM orders").Scan(&n, &sum); err != nil || n != 15 || sum != 105 {
		t.Fatalf("duckdb orders: %d rows, sum %d, %v", n, sum, err)
	}
	db.Close()
	conn, err := pgx.Connect(context.Background(), pg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if err := conn.QueryRow(context.Background(), "SELECT count(*), sum(id) FROM orders").Scan(&n, &sum); err != nil || n != 15 || sum != 105 {
		t.Fatalf("postgres orders: %d rows, sum %d, %v", n, sum, err)
	}
}

func TestWarehouseLoadRedshiftDryRunOffline(t *testing.T) {
	env := testenv.S3(t)
	env.SetAWSEnv(t)
	lakeURL := env.URL("lake")
	store, err := lake.Open(context.Background(), lakeURL, lake.Options{S3PathStyle: true})
	if err != nil {
		t.Fatal(err)
	}
	writeTable(t, store, "orders", 0, 4)
	wh := "redshift://etl:R3dsh1ftPw@127.0.0.1:1/dw?iam_role=arn:aws:iam::123456789012:role/copy"
	code, out, errOut := run(t, "--lake", lakeURL, "--s3-path-style", "--warehouse", wh, "warehouse", "load", "orders", "--dry-run")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "COPY") || !strings.Contains(out, "FORMAT AS PARQUET") || !strings.Contains(out, "content_length") || !strings.Contains(out, "unreachable") {
		t.Fatalf("dry run does not show COPY, manifest and the unreachable note:\n%s", out)
	}
	if strings.Contains(out+errOut, "R3dsh1ftPw") {
		t.Fatal("password printed")
	}
}

// TestWarehouseLoadDryRunCreatesNoDuckDBFile: a dry run changes nothing,
// not even by creating the warehouse's DuckDB file (issue 17).
func TestWarehouseLoadDryRunCreatesNoDuckDBFile(t *testing.T) {
	dir := t.TempDir()
	store, err := lake.Open(context.Background(), filepath.Join(dir, "lake"), lake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	writeTable(t, store, "orders", 0, 10)
	file := filepath.Join(dir, "wh.duckdb")
	base := []string{"--lake", filepath.Join(dir, "lake"), "--warehouse", "duckdb://" + file, "warehouse", "load", "orders", "--dry-run"}
	if s := load(t, append(base, "-o", "json")...); !s.DryRun || s.Files != 2 || len(s.Statements) == 0 {
		t.Fatalf("dry run: %+v", s)
	}
	code, out, errOut := run(t, base...)
	if code != 0 || !strings.Contains(out, "would create") || strings.Contains(out, "\ncreated") {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, out, errOut)
	}
	if _, err := os.Stat(file); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the dry run created %s (%v)", file, err)
	}
	reprocess := []string{"--lake", filepath.Join(dir, "lake"), "--warehouse", "duckdb://" + file, "warehouse", "reprocess", "orders", "--dry-run"}
	if code, out, errOut := run(t, reprocess...); code != 0 {
		t.Fatalf("reprocess dry run: exit %d\n%s\n%s", code, out, errOut)
	}
	if _, err := os.Stat(file); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the reprocess dry run created %s (%v)", file, err)
	}
}
