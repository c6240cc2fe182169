package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	_ "github.com/duckdb/duckdb-go/v2" // reads the lake back as any Parquet engine would
	"github.com/lakectl/lakectl/internal/testenv"
)

// lakeUnderTest is where the pipeline writes: its global flags, and a way
// to get its tables/ folder on local disk for DuckDB to read.
type lakeUnderTest struct {
	name  string
	flags []string
	local func(t *testing.T) string // a directory holding tables/<table>/...
}

func fileLake(t *testing.T) lakeUnderTest {
	dir := filepath.Join(t.TempDir(), "lake")
	return lakeUnderTest{name: "file", flags: []string{"--lake", "file://" + dir},
		local: func(*testing.T) string { return dir }}
}

// s3Lake is a MinIO bucket; the AWS variables are set for the binary as a
// user would set them, the endpoint passed with --s3-endpoint.
func s3Lake(t *testing.T) lakeUnderTest {
	env := testenv.S3(t)
	env.SetAWSEnv(t)
	const prefix = "lake"
	return lakeUnderTest{
		name:  "s3",
		flags: []string{"--lake", env.URL(prefix), "--s3-endpoint", env.Endpoint, "--s3-path-style"},
		local: func(t *testing.T) string { return downloadTables(t, env, prefix) },
	}
}

// downloadTables copies <prefix>/tables/ of the bucket to a fresh local
// directory, keys unchanged.
func downloadTables(t *testing.T, env testenv.S3Env, prefix string) string {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	p := s3.NewListObjectsV2Paginator(env.Client, &s3.ListObjectsV2Input{
		Bucket: aws.String(env.Bucket), Prefix: aws.String(prefix + "/tables/")})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("list lake objects: %v", err)
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			dst := filepath.Join(dir, strings.TrimPrefix(key, prefix+"/"))
			if err := getObject(ctx, env, key, dst); err != nil {
				t.Fatalf("download %s: %v", key, err)
			}
		}
	}
	return dir
}

func getObject(ctx context.Context, env testenv.S3Env, key, dst string) error {
	out, err := env.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(env.Bucket), Key: aws.String(key)})
	if err != nil {
		return err
	}
	defer out.Body.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, out.Body); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// checkLake asserts that the lake's table holds every version in want
// exactly once, with its content, and nothing else; and that lake ls
// counts the same rows. It reports whether all held.
func checkLake(t *testing.T, c *cli, lk lakeUnderTest, table string, want map[version]string) bool {
	t.Helper()
	ok := true
	dir := lk.local(t)
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatalf("open duckdb: %v", err)
	}
	defer db.Close()
	glob := filepath.Join(dir, "tables", table, "**", "*.parquet")
	q := fmt.Sprintf(`SELECT id, CAST(amount * 100 AS BIGINT), note, epoch_us(updated_at)
		FROM read_parquet('%s', hive_partitioning = true)`, strings.ReplaceAll(glob, "'", "''"))
	rows, err := db.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatalf("read lake table %s with DuckDB: %v", table, err)
	}
	defer rows.Close()
	got := map[version]int{}
	var problems []string
	var total int
	err = scanRows(rows, func(r row) {
		total++
		v := version{r.id, r.cursorUS}
		got[v]++
		if w, ok := want[v]; ok && w != r.content() && got[v] == 1 {
			problems = append(problems, fmt.Sprintf("version %v: lake has %s, source had %s", v, r.content(), w))
		}
	})
	if err != nil {
		t.Fatalf("read lake table %s with DuckDB: %v", table, err)
	}
	for v, n := range got {
		if _, ok := want[v]; !ok {
			problems = append(problems, fmt.Sprintf("version %v: in the lake %d times, never in the source", v, n))
		} else if n > 1 {
			problems = append(problems, fmt.Sprintf("version %v: in the lake %d times", v, n))
		}
	}
	for v := range want {
		if got[v] == 0 {
			problems = append(problems, fmt.Sprintf("version %v: extracted from the source, missing from the lake", v))
		}
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		ok = false
		t.Errorf("%s lake table %s: %d rows, %d distinct versions, want %d versions; %d problems, first: %s",
			lk.name, table, total, len(got), len(want), len(problems), strings.Join(problems[:min(8, len(problems))], "\n  "))
	}
	var ls struct {
		Partitions []struct {
			Rows int64 `json:"rows"`
		} `json:"partitions"`
	}
	c.runOK(t, &ls, "-o", "json", "lake", "ls", table)
	var lsRows int64
	for _, p := range ls.Partitions {
		lsRows += p.Rows
	}
	if lsRows != int64(total) {
		ok = false
		t.Errorf("%s lake: lake ls counts %d rows in %s, its files hold %d", lk.name, lsRows, table, total)
	}
	return ok
}
