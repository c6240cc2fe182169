package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/lakectl/lakectl/internal/testenv"
)

// secret returns a random password that cannot occur by chance.
func secret(prefix string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// mysqlUser creates a MariaDB user with a password that may read db, and
// returns the lakectl DSN that logs in as it.
func mysqlUser(t *testing.T, src *source, password string) string {
	t.Helper()
	user := testenv.Name("e2eu_")
	for _, q := range []string{
		fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'", user, password),
		fmt.Sprintf("GRANT SELECT ON %s.* TO '%s'@'%%'", src.db.Name, user),
	} {
		if _, err := src.db.DB.Exec(q); err != nil {
			t.Fatalf("create MySQL user: %v", err)
		}
	}
	t.Cleanup(func() { _, _ = src.db.DB.Exec(fmt.Sprintf("DROP USER '%s'@'%%'", user)) })
	u, err := url.Parse(src.db.URL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(user, password)
	return u.String()
}

// pgRole creates a PostgreSQL login role with a password owning a fresh
// database, and returns the warehouse URL that logs in as it.
func pgRole(t *testing.T, password string) string {
	t.Helper()
	ctx := context.Background()
	role := testenv.Name("e2er_")
	admin := testenv.Postgres(t) // a throwaway database, for an admin connection
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s'", role, password)); err != nil {
		t.Fatalf("create PostgreSQL role: %v", err)
	}
	// Registered before the database's cleanup, so it runs after it.
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, admin)
		if err == nil {
			_, _ = c.Exec(ctx, "DROP ROLE IF EXISTS "+role)
			_ = c.Close(ctx)
		}
	})
	whURL := testenv.Postgres(t)
	u, err := url.Parse(whURL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s OWNER TO %s", strings.TrimPrefix(u.Path, "/"), role)); err != nil {
		t.Fatalf("give the role its database: %v", err)
	}
	u.User = url.UserPassword(role, password)
	return u.String()
}

var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// checkResultJSON asserts the -o json contract of a long operation: one
// document, snake_case field names, and numeric rows, files, bytes and
// duration_s. It returns the document.
func checkResultJSON(t *testing.T, r result) map[string]any {
	t.Helper()
	var doc map[string]any
	decodeOneJSON(t, r, &doc)
	for _, f := range []string{"rows", "files", "bytes", "duration_s"} {
		if _, ok := doc[f].(float64); !ok {
			t.Errorf("-o json of %q: field %q missing or not a number: %s", r.args, f, r.stdout)
		}
	}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if !snakeCase.MatchString(k) {
					t.Errorf("-o json of %q: field %q is not snake_case", r.args, k)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	return doc
}

// checkOneErrorLine asserts a failure's contract under -q: nothing on
// stdout, its error in one line on stderr (a usage error may add the
// "Run '... --help' for usage." hint).
func checkOneErrorLine(t *testing.T, r result) {
	t.Helper()
	if r.stdout != "" {
		t.Errorf("failed command printed on stdout: %s", r)
	}
	var lines []string
	for _, l := range nonEmptyLines(r.stderr) {
		if !(r.code == 2 && strings.HasPrefix(l, "Run '")) {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 {
		t.Errorf("want the error as one line on stderr, got %d lines: %s", len(lines), r)
	}
}

// TestOutputContractAndSecrets drives every long operation with -o json
// and a set of failures, as a script would, with a MariaDB user and a
// PostgreSQL role that have passwords: results are one JSON document with
// rows/files/bytes/duration_s, failures are one line on stderr with the
// SPEC's exit code, and no password (right or wrong) is ever printed.
func TestOutputContractAndSecrets(t *testing.T) {
	rng := seededRand(t)
	src := newSource(t, rng)
	src.insert(t, 120, src.clock(0))
	mysqlPW, wrongPW, pgPW := secret("MyPw-"), secret("WrongPw-"), secret("PgPw-")
	dsn := mysqlUser(t, src, mysqlPW)
	pgURL := pgRole(t, pgPW)
	lk := fileLake(t)
	c := newCLI(t, lk.flags...)
	// The table's key and cursor, as a team would keep them in
	// ./lakectl.yaml: reprocess takes them from there.
	cfg := "tables:\n  orders:\n    key: [id]\n    cursor: updated_at\n"
	if err := os.WriteFile(filepath.Join(c.dir, "lakectl.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	pg := pgWarehouse(pgURL)
	duck := duckWarehouse(t)
	secrets := []string{mysqlPW, wrongPW, pgPW}
	noSecrets := func(r result) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(r.stdout+r.stderr, s) {
				t.Errorf("a password appears in the output: %s", r)
			}
		}
	}
	wrongDSN := strings.Replace(dsn, mysqlPW, wrongPW, 1)
	u, _ := url.Parse(dsn)
	driverDSN := fmt.Sprintf("%s:%s@tcp(%s)%s", u.User.Username(), wrongPW, u.Host, u.Path)
	extract := func(dsn string, extra ...string) []string {
		return append([]string{"extract", "mysql", "--dsn", dsn, "--table", src.table(), "--as", "orders",
			"--incremental", "--cursor", "updated_at", "--lookback", "5m", "--partition-by", "created_at:day", "--chunk-rows", "50"}, extra...)
	}
	load := func(w warehouseUnderTest) []string {
		return []string{"--warehouse", w.url, "warehouse", "load", "orders", "--mode", "upsert", "--key", "id", "--cursor", "updated_at"}
	}
	unreachablePG := strings.Replace(pgURL, "127.0.0.1:5432", "127.0.0.1:1", 1)

	t.Run("results", func(t *testing.T) {
		steps := []struct {
			name     string
			args     []string
			wantRows int64 // -1: not checked
			before   func()
		}{
			{"extract", append([]string{"-o", "json"}, extract(dsn)...), 120, nil},
			{"extract again", append([]string{"-o", "json"}, extract(dsn)...), -1, func() { src.mutate(t, 30, 30, 2) }},
			{"compact", []string{"-o", "json", "lake", "compact", "orders"}, -1, nil},
			{"load postgres", append([]string{"-o", "json"}, load(pg)...), -1, nil},
			{"load duckdb", append([]string{"-o", "json"}, load(duck)...), -1, nil},
			{"reprocess postgres", []string{"-o", "json", "--warehouse", pg.url, "warehouse", "reprocess", "orders", "--yes"}, -1, nil},
			{"reprocess duckdb", []string{"-o", "json", "--warehouse", duck.url, "warehouse", "reprocess", "orders", "--yes"}, -1, nil},
			{"extract, debug logs", append([]string{"--log-level", "debug"}, extract(dsn)...), -1, nil},
			{"load, debug logs", append([]string{"--log-level", "debug"}, load(pg)...), -1, nil},
		}
		for _, s := range steps {
			if s.before != nil {
				s.before()
			}
			r := c.runOK(t, nil, s.args...)
			noSecrets(r)
			if s.args[0] != "-o" {
				continue
			}
			doc := checkResultJSON(t, r)
			if s.wantRows >= 0 && int64(doc["rows"].(float64)) != s.wantRows {
				t.Errorf("%s: rows = %v, want %d", s.name, doc["rows"], s.wantRows)
			}
		}
		// Reprocess keeps what the loads built: the warehouse still
		// equals the source.
		want := src.digest(t)
		checkWarehouse(t, pg, want)
		checkWarehouse(t, duck, want)
	})

	t.Run("failures", func(t *testing.T) {
		cases := []struct {
			name  string
			args  []string
			codes []int
		}{
			{"wrong MySQL password", extract(wrongDSN), []int{1}},
			{"wrong MySQL password, driver DSN", extract(driverDSN), []int{1}},
			{"wrong MySQL password, json", append([]string{"-o", "json"}, extract(wrongDSN)...), []int{1}},
			// A misspelt table is bad input (2) or a failed read (1).
			{"missing source table", []string{"extract", "mysql", "--dsn", dsn, "--table", src.db.Name + ".nope"}, []int{1, 2}},
			{"unreachable warehouse", load(pgWarehouse(unreachablePG)), []int{1}},
			{"unknown flag", append(extract(wrongDSN), "--bogus"), []int{2}},
			{"incremental without cursor", []string{"extract", "mysql", "--dsn", wrongDSN, "--table", src.table(), "--as", "other", "--incremental"}, []int{2}},
			{"reprocess without --yes", []string{"--warehouse", pgURL, "warehouse", "reprocess", "orders"}, []int{2}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := c.run(t, append([]string{"-q"}, tc.args...)...)
				if !slices.Contains(tc.codes, r.code) {
					t.Errorf("want exit in %v: %s", tc.codes, r)
				}
				checkOneErrorLine(t, r)
				noSecrets(r)
				if slices.Contains(tc.args, "json") {
					var e map[string]any
					if err := json.Unmarshal([]byte(strings.TrimSpace(r.stderr)), &e); err != nil {
						t.Errorf("-o json: the error on stderr is not a JSON object: %v: %s", err, r)
					}
				}
			})
		}
		// Without -q the error is still printed once, after the logs.
		r := c.run(t, extract(wrongDSN)...)
		noSecrets(r)
		if n := strings.Count(r.stderr, "Access denied"); n != 1 {
			t.Errorf("the error should appear once on stderr, appears %d times: %s", n, r)
		}
	})
	// Bad input changed nothing: the warehouse still equals the source.
	checkWarehouse(t, pg, src.digest(t))
}
