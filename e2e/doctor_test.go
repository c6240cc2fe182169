package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// Corrupted bookkeeping: each case breaks one record, the next command
// fails with one line naming `lakectl lake doctor --repair` (or, for a
// cache, just rebuilds it), the doctor reports it and exits 1, repairs
// it, and the next commands give the table back with rows exact.
func TestDoctorRepairsCorruptedBookkeeping(t *testing.T) {
	a := newAdversary(t)
	meta := filepath.Join(a.lake, "_lakectl")
	cases := []struct {
		name    string
		corrupt func(t *testing.T)
		code    int // of the next extract
	}{
		{"garbage transaction marker", func(t *testing.T) {
			writeFile(t, filepath.Join(meta, "tables/orders/txns/20260101T000000.000000Z-0badf00d.json"), "{garbage")
		}, 1},
		{"garbage lock file", func(t *testing.T) {
			writeFile(t, filepath.Join(meta, "locks/extract-mysql-orders.json"), "\x00\x01 not a lock")
		}, 1},
		{"truncated state cache", func(t *testing.T) {
			p := filepath.Join(meta, "state/extract-mysql-orders.json")
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, p, string(b[:len(b)/2]))
		}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a.src.mutate(t, 20, 10, 0)
			c.corrupt(t)
			r := a.c.run(t, extractArgs(a.src)...)
			if r.code != c.code {
				t.Fatalf("extract over %s: exit %d, want %d: %s", c.name, r.code, c.code, r)
			}
			if c.code != 0 {
				checkOneErrorLine(t, r)
				checkPrefixesOnce(t, r)
				if !strings.Contains(r.stderr, "lakectl lake doctor --repair") {
					t.Errorf("the error does not name the doctor: %s", r)
				}
				if d := a.c.run(t, "lake", "doctor"); d.code != 1 {
					t.Errorf("lake doctor over %s: exit %d, want 1: %s", c.name, d.code, d)
				}
				a.c.runOK(t, nil, "lake", "doctor", "--repair")
				a.c.runOK(t, nil, extractArgs(a.src)...)
			}
			addAll(a.seen, a.src.versions(t))
			a.c.runOK(t, nil, "lake", "doctor")
			a.c.runOK(t, nil, loadArgs(a.duck)...)
			checkLake(t, a.c, a.lk, "orders", a.seen)
			checkWarehouse(t, a.duck, a.src.digest(t))
		})
	}
}

// A kill -9 during the publish of a replace leaves the old and the new
// snapshot under tables/: lake ls marks the table, the doctor names it
// torn, and --repair finishes the publish so readers count each row once.
func TestDoctorFinishesTornReplace(t *testing.T) {
	a := newAdversary(t)
	full := []string{"extract", "mysql", "--dsn", a.src.db.URL, "--table", a.src.table(), "--as", "orders_full"}
	a.c.runOK(t, nil, full...)
	old := filepath.Join(t.TempDir(), "old")
	if err := os.CopyFS(old, os.DirFS(filepath.Join(a.lake, "tables/orders_full"))); err != nil {
		t.Fatal(err)
	}
	a.src.mutate(t, 30, 10, 0)
	a.c.runOK(t, nil, full...)
	// Put back what the replace removed and its marker, as a kill right
	// after the publish's moves leaves them.
	if err := os.CopyFS(filepath.Join(a.lake, "tables/orders_full"), os.DirFS(old)); err != nil {
		t.Fatal(err)
	}
	txid := lastCommit(t, filepath.Join(a.lake, "_lakectl/tables/orders_full/commits"))
	writeFile(t, filepath.Join(a.lake, "_lakectl/tables/orders_full/txns", txid+".json"),
		`{"txid":"`+txid+`","op":"replace","job":"extract-mysql-orders_full","host":"elsewhere","pid":1,`+
			`"started":"2020-01-01T00:00:00Z","heartbeat":"2020-01-01T00:00:00Z","stale_after_s":60}`)
	if r := a.c.run(t, "lake", "ls"); r.code != 0 || !strings.Contains(r.stdout, "orders_full: 1 unfinished commit") {
		t.Errorf("lake ls does not mark the torn table: %s", r)
	}
	r := a.c.run(t, "lake", "doctor", "orders_full")
	if r.code != 1 || !regexp.MustCompile(`torn_table\s+orders_full`).MatchString(r.stdout) {
		t.Errorf("lake doctor: want exit 1 and a torn table: %s", r)
	}
	a.c.runOK(t, nil, "lake", "doctor", "orders_full", "--repair")
	checkLake(t, a.c, a.lk, "orders_full", a.src.versions(t))
}

func writeFile(t *testing.T, p, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	_ = os.Chtimes(p, time.Now(), time.Now())
}

// lastCommit is the txid of the newest commit record in dir.
func lastCommit(t *testing.T, dir string) string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil || len(es) == 0 {
		t.Fatalf("commit records in %s: %v", dir, err)
	}
	var names []string
	for _, e := range es {
		names = append(names, strings.TrimSuffix(e.Name(), ".json"))
	}
	sort.Strings(names)
	return names[len(names)-1]
}
