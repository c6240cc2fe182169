package cmd

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/testenv"
)

func TestExtractMySQLCommandFullThenIncremental(t *testing.T) {
	db := testenv.MySQL(t)
	_, err := db.DB.Exec(`CREATE TABLE orders (
		id BIGINT PRIMARY KEY, amount DECIMAL(12,2) NOT NULL, note VARCHAR(40) NULL,
		updated_at DATETIME(6) NOT NULL);
		INSERT INTO orders VALUES (1, 10.50, 'a', '2026-11-20 10:00:00'), (2, 20.25, NULL, '2026-11-20 11:00:00'),
		(3, 30.00, '🦆', '2026-11-21 09:30:00');`)
	if err != nil {
		t.Fatal(err)
	}
	lakeDir := t.TempDir()
	args := []string{"--lake", lakeDir, "-o", "json", "extract", "mysql", "--dsn", db.URL, "--table", db.Name + ".orders",
		"--incremental", "--cursor", "updated_at", "--partition-by", "updated_at:day"}
	type summary struct {
		Rows           int64  `json:"rows"`
		Files          int64  `json:"files"`
		Bytes          int64  `json:"bytes"`
		WatermarkAfter string `json:"watermark_after"`
	}
	extract := func() summary {
		t.Helper()
		code, out, errOut := run(t, args...)
		if code != 0 {
			t.Fatalf("extract: exit %d: %s", code, errOut)
		}
		var s summary
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatalf("%v: %q", err, out)
		}
		return s
	}
	if s := extract(); s.Rows != 3 || s.Files < 2 || s.Bytes == 0 || s.WatermarkAfter == "" {
		t.Fatalf("first run: %+v", s)
	}
	// The extract keeps the catalog current: no crawl needed.
	if code, out, errOut := run(t, "--lake", lakeDir, "catalog", "show", "orders"); code != 0 || !strings.Contains(out, "amount") || !strings.Contains(out, "decimal(12,2)") {
		t.Fatalf("catalog show after extract: exit %d %s %s", code, out, errOut)
	}
	if s := extract(); s.Rows != 0 {
		t.Fatalf("rerun with nothing new extracted %d rows", s.Rows)
	}
	if _, err := db.DB.Exec(`UPDATE orders SET amount = 99.99, updated_at = '2026-11-22 08:00:00' WHERE id = 2`); err != nil {
		t.Fatal(err)
	}
	if s := extract(); s.Rows != 1 {
		t.Fatalf("after one update: %+v", s)
	}
	code, out, _ := run(t, "--lake", lakeDir, "-o", "json", "lake", "ls", "orders")
	if code != 0 || !strings.Contains(out, "updated_at_day=2026-11-22") {
		t.Fatalf("lake ls: exit %d %s", code, out)
	}
}

func TestExtractMySQLCommandBadPasswordNeverPrinted(t *testing.T) {
	db := testenv.MySQL(t)
	dsn := strings.Replace(db.URL, "mysql://root@", "mysql://root:Wr0ngPassw0rd@", 1)
	code, out, errOut := run(t, "--lake", t.TempDir(), "extract", "mysql", "--dsn", dsn, "--table", db.Name+".nope")
	if code != 1 || strings.Contains(out+errOut, "Wr0ngPassw0rd") || errOut == "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestExtractNumericFlagsRefusedBeforeAnything(t *testing.T) {
	lakeDir := t.TempDir()
	for _, args := range [][]string{
		{"extract", "mysql", "--dsn", "mysql://u@127.0.0.1:1/db", "--table", "db.t", "--parallel", "0"},
		{"extract", "mysql", "--dsn", "mysql://u@127.0.0.1:1/db", "--table", "db.t", "--chunk-rows", "0"},
		{"extract", "mysql", "--dsn", "mysql://u@127.0.0.1:1/db", "--table", "db.t", "--parallel", "-2"},
		{"extract", "api", "--source", "nope.json", "--concurrency", "0"},
		{"extract", "api", "--source", "nope.json", "--concurrency", "-3"},
	} {
		code, _, errOut := run(t, append([]string{"--lake", lakeDir}, args...)...)
		flag := args[len(args)-2]
		if code != 2 || !strings.Contains(errOut, flag) {
			t.Errorf("%v: exit %d (%s), want 2 naming %s", args, code, strings.TrimSpace(errOut), flag)
		}
	}
	if entries, _ := os.ReadDir(lakeDir); len(entries) > 0 {
		t.Errorf("refused flags left %d entries in the lake", len(entries))
	}
}

func TestExtractMySQLPartitionRuleChangeExits2NamingTheRewrite(t *testing.T) {
	db := testenv.MySQL(t)
	if _, err := db.DB.Exec(`CREATE TABLE pr (id INT PRIMARY KEY, updated_at DATETIME NOT NULL);
		INSERT INTO pr VALUES (1, '2026-11-20 10:00:00')`); err != nil {
		t.Fatal(err)
	}
	lakeDir := t.TempDir()
	base := []string{"--lake", lakeDir, "extract", "mysql", "--dsn", db.URL, "--table", db.Name + ".pr", "--incremental", "--cursor", "updated_at"}
	if code, _, errOut := run(t, base...); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, errOut)
	}
	code, _, errOut := run(t, append(base, "--partition-by", "updated_at:day")...)
	if code != 2 || !strings.Contains(errOut, "--partition-by updated_at:day` without --incremental") {
		t.Fatalf("rule change: exit %d: %s; want 2 naming the full extract that rewrites the table", code, errOut)
	}
}

func TestExtractMySQLSourceSwitchAndTypeChangeNameTheFix(t *testing.T) {
	db := testenv.MySQL(t)
	if _, err := db.DB.Exec(`CREATE TABLE sa (id INT PRIMARY KEY, n INT, updated_at DATETIME NOT NULL);
		CREATE TABLE sb (id VARCHAR(5) PRIMARY KEY, n INT, updated_at DATETIME NOT NULL);
		INSERT INTO sa VALUES (1, 1, '2026-11-20 10:00:00'); INSERT INTO sb VALUES ('x', 1, '2026-11-20 10:00:00')`); err != nil {
		t.Fatal(err)
	}
	lakeDir := t.TempDir()
	extract := func(tbl string) (int, string) {
		code, _, errOut := run(t, "--lake", lakeDir, "extract", "mysql", "--dsn", db.URL, "--table", db.Name+"."+tbl,
			"--as", "t", "--incremental", "--cursor", "updated_at")
		return code, errOut
	}
	if code, errOut := extract("sa"); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, errOut)
	}
	if code, errOut := extract("sb"); code != 2 || !strings.Contains(errOut, "without --incremental") || !strings.Contains(errOut, "--as NAME") {
		t.Fatalf("another source table: exit %d: %s; want 2 naming the full extract and --as", code, errOut)
	}
	if _, err := db.DB.Exec(`ALTER TABLE sa MODIFY n VARCHAR(10); INSERT INTO sa VALUES (2, 'two', '2026-11-21 10:00:00')`); err != nil {
		t.Fatal(err)
	}
	if code, errOut := extract("sa"); code != 1 || !strings.Contains(errOut, "column n is int32") || !strings.Contains(errOut, "without --incremental") {
		t.Fatalf("a type no type unifies: exit %d: %s; want 1 naming the column, both types and the full extract", code, errOut)
	}
}
