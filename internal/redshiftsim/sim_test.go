package redshiftsim_test

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"
	"github.com/parquet-go/parquet-go"

	"github.com/lakectl/lakectl/internal/redshiftsim"
	"github.com/lakectl/lakectl/internal/testenv"
)

// connect opens pgx on the simulator as lakectl's driver would, in exec
// mode (Redshift refuses pgx's client-side simple-protocol escaping).
func connect(t *testing.T, srv *redshiftsim.Server) *pgx.Conn {
	t.Helper()
	u, _ := url.Parse(srv.URL)
	u.Scheme = "postgres"
	q := u.Query()
	q.Del("iam_role")
	u.RawQuery = q.Encode()
	cfg, err := pgx.ParseConfig(u.String())
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
	c, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

// exec runs statements over the simple protocol (no arguments).
func exec(t *testing.T, c *pgx.Conn, sql string) error {
	t.Helper()
	return c.PgConn().Exec(context.Background(), sql).Close()
}

func TestStartupReportsRedshiftParameters(t *testing.T) {
	srv := redshiftsim.StartServer(t)
	c := connect(t, srv)
	pc := c.PgConn()
	if v := pc.ParameterStatus("server_version"); v != "8.0.2" {
		t.Errorf("server_version %q", v)
	}
	if v := pc.ParameterStatus("client_encoding"); v != "UNICODE" {
		t.Errorf("client_encoding %q", v)
	}
	if v := pc.ParameterStatus("standard_conforming_strings"); v != "" {
		t.Errorf("standard_conforming_strings reported as %q; Redshift has none", v)
	}
	// pgx's simple protocol refuses such a server, as it refuses Redshift.
	_, err := c.Exec(context.Background(), "SELECT 1", pgx.QueryExecModeSimpleProtocol, 1)
	if err == nil || !strings.Contains(err.Error(), "standard_conforming_strings") {
		t.Errorf("simple protocol query: %v", err)
	}
	var n int
	if err := c.QueryRow(context.Background(), "SELECT $1::int + 1", 41).Scan(&n); err != nil || n != 42 {
		t.Errorf("extended protocol: %d, %v", n, err)
	}
	// pgx's default mode: named statements, described, binary formats.
	cfg := c.Config().Copy()
	cfg.DefaultQueryExecMode = pgx.QueryExecModeCacheStatement
	c2, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close(context.Background())
	for range 2 {
		var ts time.Time
		if err := c2.QueryRow(context.Background(), "SELECT $1::int * 2, GETDATE()", 21).Scan(&n, &ts); err != nil || n != 42 || ts.IsZero() {
			t.Errorf("cached statement: %d %v, %v", n, ts, err)
		}
	}
	// Backslash is an escape character in Redshift literals.
	var s string
	if err := c.QueryRow(context.Background(), `SELECT 'a\\b' || 'it''s'`).Scan(&s); err != nil || s != `a\bit's` {
		t.Errorf("literal: %q, %v", s, err)
	}
}

type row struct {
	ID   int64  `parquet:"id"`
	Name string `parquet:"name"`
}

// putParquet writes rows as a Parquet object and returns its URL and size.
func putParquet(t *testing.T, env testenv.S3Env, key string, rows []row) (string, int64) {
	t.Helper()
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	put(t, env, key, buf.Bytes())
	return env.URL(key), int64(buf.Len())
}

func put(t *testing.T, env testenv.S3Env, key string, b []byte) {
	t.Helper()
	if _, err := env.Client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(env.Bucket), Key: aws.String(key), Body: bytes.NewReader(b)}); err != nil {
		t.Fatal(err)
	}
}

func manifest(urls []string, sizes []int64) []byte {
	var parts []string
	for i, u := range urls {
		meta := fmt.Sprintf(`, "meta": {"content_length": %d}`, sizes[i])
		if sizes[i] < 0 {
			meta = ""
		}
		parts = append(parts, fmt.Sprintf(`{"url": %q, "mandatory": true%s}`, u, meta))
	}
	return []byte(`{"entries": [` + strings.Join(parts, ", ") + `]}`)
}

func TestCopyParquetManifestByPositionWithoutCountInTag(t *testing.T) {
	srv := redshiftsim.StartServer(t)
	env := testenv.S3(t)
	c := connect(t, srv)
	ctx := context.Background()
	u1, n1 := putParquet(t, env, "d/a.parquet", []row{{1, "a"}, {2, "b"}})
	u2, n2 := putParquet(t, env, "d/b.parquet", []row{{3, "c"}})
	put(t, env, "m.json", manifest([]string{u1, u2}, []int64{n1, n2}))
	if err := exec(t, c, `CREATE TABLE t (id BIGINT ENCODE az64, name VARCHAR(4) ENCODE lzo) DISTSTYLE KEY DISTKEY (id) COMPOUND SORTKEY (id)`); err != nil {
		t.Fatal(err)
	}
	tag, err := c.PgConn().Exec(ctx, fmt.Sprintf("COPY t (id, name) FROM '%s' IAM_ROLE '%s' FORMAT AS PARQUET MANIFEST", env.URL("m.json"), redshiftsim.IAMRole)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := tag[0].CommandTag; got.String() != "COPY" || got.RowsAffected() != 0 {
		t.Errorf("COPY tag %q, want no row count", got)
	}
	var n int64
	if err := c.QueryRow(ctx, "SELECT pg_last_copy_count()").Scan(&n); err != nil || n != 3 {
		t.Errorf("pg_last_copy_count() = %d, %v; want 3", n, err)
	}
	var sum int64
	if err := c.QueryRow(ctx, "SELECT sum(id) FROM t WHERE name IN ('a', 'b', 'c')").Scan(&sum); err != nil || sum != 6 {
		t.Errorf("sum = %d, %v", sum, err)
	}
	// Columns go by position: a list in another order fails on types.
	err = exec(t, c, fmt.Sprintf("COPY t (name, id) FROM '%s' IAM_ROLE default FORMAT AS PARQUET MANIFEST", env.URL("m.json")))
	if err == nil || !strings.Contains(err.Error(), "incompatible Parquet schema") {
		t.Errorf("COPY with the columns swapped: %v", err)
	}
}

func TestCopyRefusesWhatRedshiftRefuses(t *testing.T) {
	srv := redshiftsim.StartServer(t)
	env := testenv.S3(t)
	c := connect(t, srv)
	u1, n1 := putParquet(t, env, "a.parquet", []row{{1, "short"}, {2, "this is longer than ten"}})
	put(t, env, "nolen.json", manifest([]string{u1}, []int64{-1}))
	put(t, env, "ok.json", manifest([]string{u1}, []int64{n1}))
	put(t, env, "gone.json", manifest([]string{env.URL("nothing.parquet")}, []int64{10}))
	if err := exec(t, c, `CREATE TABLE t (id BIGINT, name VARCHAR(10))`); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, sql, want string }{
		{"no content_length", "COPY t FROM '" + env.URL("nolen.json") + "' IAM_ROLE default FORMAT AS PARQUET MANIFEST", "content_length"},
		{"truncatecolumns", "COPY t FROM '" + env.URL("ok.json") + "' IAM_ROLE default FORMAT AS PARQUET MANIFEST TRUNCATECOLUMNS", "TRUNCATECOLUMNS"},
		{"maxerror", "COPY t FROM '" + env.URL("ok.json") + "' IAM_ROLE default FORMAT AS PARQUET MANIFEST MAXERROR 10", "MAXERROR"},
		{"region", "COPY t FROM '" + env.URL("ok.json") + "' IAM_ROLE default FORMAT AS PARQUET MANIFEST REGION 'us-east-1'", "REGION"},
		{"quoted default role", "COPY t FROM '" + env.URL("ok.json") + "' IAM_ROLE 'default' FORMAT AS PARQUET MANIFEST", "Invalid credentials"},
		{"missing mandatory file", "COPY t FROM '" + env.URL("gone.json") + "' IAM_ROLE default FORMAT AS PARQUET MANIFEST", "mandatory"},
		{"string too long", "COPY t FROM '" + env.URL("ok.json") + "' IAM_ROLE default FORMAT AS PARQUET MANIFEST", "sys_load_error_detail"},
	} {
		err := exec(t, c, tc.sql)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		}
	}
	var msg, file string
	var code int
	if err := c.QueryRow(context.Background(), "SELECT TRIM(error_message), error_code, TRIM(file_name) FROM sys_load_error_detail").Scan(&msg, &code, &file); err != nil {
		t.Fatal(err)
	}
	if code != 1204 || file != u1 || !strings.Contains(msg, "String length exceeds DDL length") {
		t.Errorf("load error %d %s %s", code, file, msg)
	}
	var n int64
	if err := c.QueryRow(context.Background(), "SELECT count(*) FROM t").Scan(&n); err != nil || n != 0 {
		t.Errorf("failed COPY left %d rows", n)
	}
}

func TestTransactionRules(t *testing.T) {
	srv := redshiftsim.StartServer(t)
	c := connect(t, srv)
	must := func(sql string) {
		t.Helper()
		if err := exec(t, c, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	must(`CREATE TABLE a (id BIGINT IDENTITY(0,1), v VARCHAR(5), at TIMESTAMP DEFAULT GETDATE(), j SUPER, b VARBYTE(10)) DISTSTYLE EVEN`)
	must(`CREATE TABLE b (v VARCHAR(5))`)
	must(`INSERT INTO a (v) VALUES ('x'), ('y')`)
	must(`BEGIN; INSERT INTO b VALUES ('1'); TRUNCATE a; ROLLBACK`)
	var n int64
	_ = c.QueryRow(context.Background(), "SELECT (SELECT count(*) FROM a) * 10 + (SELECT count(*) FROM b)").Scan(&n)
	if n != 1 {
		t.Errorf("after TRUNCATE in a rolled back transaction: a*10+b = %d, want 1 (TRUNCATE commits)", n)
	}
	if err := exec(t, c, `BEGIN; ALTER TABLE b ALTER COLUMN v TYPE VARCHAR(10)`); err == nil || !strings.Contains(err.Error(), "transaction block") {
		t.Errorf("ALTER COLUMN TYPE in a transaction: %v", err)
	}
	must("ROLLBACK")
	must(`ALTER TABLE b ALTER COLUMN v TYPE VARCHAR(10)`)
	if err := exec(t, c, `ALTER TABLE b ALTER COLUMN v TYPE BIGINT`); err == nil {
		t.Error("ALTER COLUMN TYPE to BIGINT accepted")
	}
	must(`CREATE TABLE b2 (v VARCHAR(10)); INSERT INTO b2 VALUES ('2'), ('3')`)
	if err := exec(t, c, `BEGIN; ALTER TABLE b APPEND FROM b2`); err == nil || !strings.Contains(err.Error(), "transaction block") {
		t.Errorf("ALTER TABLE APPEND in a transaction: %v", err)
	}
	must("ROLLBACK")
	must(`ALTER TABLE b ALTER DISTKEY v`)
	must(`ALTER TABLE b ALTER COMPOUND SORTKEY (v)`)
	must(`ALTER TABLE b ALTER COLUMN v ENCODE zstd`)
	if err := exec(t, c, `ALTER TABLE nosuch ALTER DISTSTYLE EVEN`); err == nil {
		t.Error("ALTER DISTSTYLE of a missing table accepted")
	}
	must(`ALTER TABLE b APPEND FROM b2`)
	_ = c.QueryRow(context.Background(), "SELECT (SELECT count(*) FROM b) * 10 + (SELECT count(*) FROM b2)").Scan(&n)
	if n != 30 {
		t.Errorf("after APPEND: b*10+b2 = %d, want 30", n)
	}
}

func TestVarcharLengthsAreBytesForInsertsToo(t *testing.T) {
	srv := redshiftsim.StartServer(t)
	c := connect(t, srv)
	if err := exec(t, c, `CREATE TABLE t (v VARCHAR(4))`); err != nil {
		t.Fatal(err)
	}
	if err := exec(t, c, `INSERT INTO t VALUES ('abcd')`); err != nil {
		t.Fatal(err)
	}
	err := exec(t, c, `INSERT INTO t VALUES ('ééé')`) // 3 characters, 6 bytes
	if err == nil || !strings.Contains(err.Error(), "value too long") {
		t.Errorf("6 bytes into VARCHAR(4): %v", err)
	}
	if err := exec(t, c, `ALTER TABLE t ALTER COLUMN v TYPE VARCHAR(6)`); err != nil {
		t.Fatal(err)
	}
	if err := exec(t, c, `INSERT INTO t VALUES ('ééé')`); err != nil {
		t.Errorf("6 bytes into VARCHAR(6) after widening: %v", err)
	}
}
