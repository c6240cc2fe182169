package testenv

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2" // the database/sql driver "duckdb"
)

// WriteHive writes the rows of query into folder dir as another tool
// would: DuckDB's COPY ... (FORMAT PARQUET, PARTITION_BY (cols)), Hive
// folders col=value/ whose values are not in the files. Without
// partitionBy, dir is the path of one Parquet file.
func WriteHive(t testing.TB, dir, query string, partitionBy ...string) {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	folder := dir
	if len(partitionBy) == 0 {
		folder = filepath.Dir(dir)
	}
	if err := os.MkdirAll(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := "FORMAT PARQUET"
	if len(partitionBy) > 0 {
		opts += ", PARTITION_BY (" + strings.Join(partitionBy, ", ") + ")"
	}
	if _, err := db.Exec(fmt.Sprintf("COPY (%s) TO '%s' (%s)", query, dir, opts)); err != nil {
		t.Fatal(err)
	}
}
