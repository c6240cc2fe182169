package quality

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/compact"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

var ordersSchema = schema.Schema{Columns: []schema.Column{
	{Name: "id", Type: schema.TInt64},
	{Name: "status", Type: schema.TString, Nullable: true},
	{Name: "amount", Type: schema.TInt64, Nullable: true},
	{Name: "updated_at", Type: schema.TTimestamp},
}}

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

type order struct {
	id     int64
	status string // "" = NULL
	amount *int64
	at     time.Time
}

func amt(v int64) *int64 { return &v }

// goodOrders are n valid orders with ids from first.
func goodOrders(first, n int) []order {
	out := make([]order, n)
	for i := range out {
		out[i] = order{id: int64(first + i), status: "paid", amount: amt(int64(10 + i)), at: t0.Add(time.Duration(first+i) * time.Minute)}
	}
	return out
}

// appendOrders commits rows to table orders as one append (one file per
// partition), as an extract would.
func appendOrders(t testing.TB, store lake.Store, rows []order) {
	t.Helper()
	tx := stageOrders(t, store, rows)
	if _, err := tx.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// stageOrders writes rows in a transaction left open for the caller to
// commit.
func stageOrders(t testing.TB, store lake.Store, rows []order) *table.Tx {
	t.Helper()
	ctx := context.Background()
	tbl, err := table.Open(store, "orders")
	if err != nil {
		t.Fatal(err)
	}
	tx, err := tbl.Begin(ctx, table.TxOptions{Op: table.OpAppend, Job: "extract-orders"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tx.Abort(ctx) })
	rule, _ := table.ParsePartitionRule("updated_at:day")
	w, err := tx.NewWriter(ordersSchema, table.WriterOptions{Partition: rule})
	if err != nil {
		t.Fatal(err)
	}
	batch := make([]schema.Row, len(rows))
	for i, o := range rows {
		st, am := schema.NullValue(), schema.NullValue()
		if o.status != "" {
			st = schema.StringValue(o.status)
		}
		if o.amount != nil {
			am = schema.Int64Value(*o.amount)
		}
		batch[i] = schema.Row{schema.Int64Value(o.id), st, am, schema.TimestampValue(o.at)}
	}
	if err := w.Write(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	return tx
}

func fileStore(t testing.TB) lake.Store {
	t.Helper()
	s, err := lake.NewFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func s3Store(t testing.TB) lake.Store {
	t.Helper()
	env := testenv.S3(t)
	env.SetAWSEnv(t)
	s, err := lake.Open(context.Background(), env.URL("lake"), lake.Options{S3Endpoint: env.Endpoint, S3PathStyle: true, Region: env.Region})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// specRules are SPEC's example rules.
func specRules() []Rule {
	return []Rule{
		{Type: TypeUnique, Columns: []string{"id"}},
		{Type: TypeNotNull, Columns: []string{"id", "amount"}},
		{Type: TypeAcceptedValues, Column: "status", Values: []string{"pending", "paid", "void"}},
		{Type: TypeRange, Column: "amount", Min: "0"},
		{Type: TypeRowCount, Min: "1", MaxChange: "50%"},
		{Type: TypeFreshness, Column: "updated_at", MaxAge: "1h", Severity: SeverityWarn},
		{Type: TypeSQL, Name: "no-future", Query: "SELECT * FROM {table} WHERE updated_at > TIMESTAMP '2027-01-01'"},
	}
}

func check(t *testing.T, store lake.Store, now time.Time, rules []Rule) (*Result, error) {
	t.Helper()
	return Check(context.Background(), store, []TableRules{{Table: "orders", Rules: rules}}, Options{Now: func() time.Time { return now }})
}

func byRule(res *Result) map[string]RuleResult {
	m := map[string]RuleResult{}
	for _, r := range res.Rules {
		m[r.Rule] = r
	}
	return m
}

func TestCheckFailsOnBadNewRowsUntilFixed(t *testing.T) {
	for name, open := range map[string]func(testing.TB) lake.Store{"file": fileStore, "s3": s3Store} {
		t.Run(name, func(t *testing.T) {
			store := open(t)
			appendOrders(t, store, goodOrders(1, 20))
			res, err := check(t, store, t0.Add(30*time.Minute), specRules())
			if err != nil {
				t.Fatalf("good rows: %v", err)
			}
			if res.Passed != 7 || res.Rows != 20 {
				t.Fatalf("first check: %+v", res)
			}
			bad := goodOrders(21, 14)
			bad[0].amount = nil             // not_null
			bad[1].status = "refunded"      // accepted_values
			bad[2].amount = amt(-5)         // range
			bad[3].id = 22                  // unique: 22 twice
			bad[4].at = t0.AddDate(1, 0, 0) // sql no-future
			appendOrders(t, store, bad)
			res, err = check(t, store, t0.Add(time.Hour), specRules())
			var fe *FailedError
			if !errors.As(err, &fe) {
				t.Fatalf("bad rows: want FailedError, got %v", err)
			}
			got := byRule(res)
			want := map[string]string{
				"unique(id)":              "1 duplicated keys",
				"not_null(id,amount)":     "1 rows with NULL",
				"accepted_values(status)": "1 rows with other values",
				"range(amount)":           "1 rows out of range",
				"no-future":               "1 rows returned",
			}
			for rule, obs := range want {
				if got[rule].Status != StatusFail || got[rule].Observed != obs {
					t.Errorf("%s: %+v, want fail %q", rule, got[rule], obs)
				}
			}
			if r := got["row_count"]; r.Status != StatusPass || *r.Value != 14 {
				t.Errorf("row_count: %+v", r)
			}
			if res.Files != 2 { // the new commit's two day partitions only
				t.Errorf("new files read: %d, want 2", res.Files)
			}
			if line := err.Error(); !strings.Contains(line, "orders") || strings.Contains(line, "\n") {
				t.Errorf("error line: %q", line)
			}
			// Nothing fixed: the same rows are still new and still fail.
			if _, err := check(t, store, t0.Add(2*time.Hour), specRules()); !errors.As(err, &fe) || len(fe.Failures) != 5 {
				t.Fatalf("rerun: %v", err)
			}
		})
	}
}

func TestRowCountComparesWithPreviousPassingRun(t *testing.T) {
	store := fileStore(t)
	rules := []Rule{{Type: TypeRowCount, MaxChange: "50%"}}
	appendOrders(t, store, goodOrders(1, 10))
	if _, err := check(t, store, t0, rules); err != nil {
		t.Fatal(err)
	}
	appendOrders(t, store, goodOrders(11, 12))
	if _, err := check(t, store, t0, rules); err != nil {
		t.Fatalf("+20%%: %v", err)
	}
	appendOrders(t, store, goodOrders(23, 30))
	res, err := check(t, store, t0, rules)
	if err == nil || !strings.Contains(res.Rules[0].Observed, "30 rows added, previous run 12 (+150%") {
		t.Fatalf("+150%%: %v %+v", err, res)
	}
}

func TestFreshnessKeepsNewestAcrossRuns(t *testing.T) {
	store := fileStore(t)
	rules := []Rule{{Type: TypeFreshness, Column: "updated_at", MaxAge: "1h"}}
	appendOrders(t, store, goodOrders(1, 10)) // newest t0+10m
	if _, err := check(t, store, t0.Add(30*time.Minute), rules); err != nil {
		t.Fatal(err)
	}
	// No new file: the newest value comes from the state, now too old.
	res, err := check(t, store, t0.Add(3*time.Hour), rules)
	if err == nil || *res.Rules[0].Value != (2*time.Hour+50*time.Minute).Seconds() {
		t.Fatalf("stale: %v %+v", err, res)
	}
}

func TestCompactedCheckedFilesAreNotReadAgain(t *testing.T) {
	store := fileStore(t)
	for i := range 4 {
		appendOrders(t, store, goodOrders(1+i*5, 5))
	}
	rules := specRules()[:4]
	if _, err := check(t, store, t0, rules); err != nil {
		t.Fatal(err)
	}
	if _, err := compact.Compact(context.Background(), store, compact.Options{Table: "orders"}); err != nil {
		t.Fatal(err)
	}
	res, err := check(t, store, t0, rules)
	if err != nil || res.Files != 0 || res.Rows != 0 {
		t.Fatalf("after compaction: %v %+v", err, res)
	}
}

func TestBadRuleChangesNothing(t *testing.T) {
	store := fileStore(t)
	appendOrders(t, store, goodOrders(1, 3))
	_, err := check(t, store, t0, []Rule{{Type: TypeRange, Column: "amount"}})
	var re *RuleError
	if !errors.As(err, &re) || err.Error() != "tables.orders.checks[0]: range needs column and min or max" {
		t.Fatalf("got %v", err)
	}
	if _, err := store.Stat(context.Background(), StateKey("orders")); !errors.Is(err, lake.ErrNotExist) {
		t.Fatalf("state written: %v", err)
	}
}

// A transaction that began before a check and commits after it sorts
// below the check's mark: it must still count as new.
func TestCommitInFlightDuringACheckIsCheckedNextTime(t *testing.T) {
	store := fileStore(t)
	rules := []Rule{{Type: TypeRange, Column: "amount", Min: "0"}}
	bad := goodOrders(1, 5)
	bad[0].amount = amt(-1)
	slow := stageOrders(t, store, bad) // a long extract, begun first
	appendOrders(t, store, goodOrders(100, 5))
	if res, err := check(t, store, t0, rules); err != nil || res.Rows != 5 {
		t.Fatalf("first check: %v %+v", err, res)
	}
	if _, err := slow.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	res, err := check(t, store, t0, rules)
	if err == nil || res.Rows != 5 || res.Rules[0].Observed != "1 rows out of range" {
		t.Fatalf("after the slow commit: %v %+v", err, res)
	}
}

// Files of other tools have no txid: they are new until a passing check
// has seen their key and ETag.
func TestOtherToolsFilesAreNewUntilChecked(t *testing.T) {
	store := fileStore(t)
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	write := func(amount int) {
		p := store.URL("tables/orders/dt=2026-11-23/firehose-1.parquet")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(fmt.Sprintf(`COPY (SELECT i AS id, %d AS amount FROM range(4) t(i)) TO '%s' (FORMAT parquet)`, amount, p)); err != nil {
			t.Fatal(err)
		}
	}
	rules := []Rule{{Type: TypeRange, Column: "amount", Min: "0"}, {Type: TypeRowCount, Min: "0"}}
	write(1)
	if res, err := check(t, store, t0, rules); err != nil || res.Rows != 4 {
		t.Fatalf("first: %v %+v", err, res)
	}
	if res, err := check(t, store, t0, rules); err != nil || res.Rows != 0 {
		t.Fatalf("unchanged: %v %+v", err, res)
	}
	write(-1) // rewritten in place by its tool
	if res, err := check(t, store, t0, rules); err == nil || res.Rows != 4 {
		t.Fatalf("rewritten: %v %+v", err, res)
	}
}

// Folder keys declared in tables.<t>.partition_types have that type in
// the rules too, as in the catalog and the warehouse: a range on an int
// folder compares numbers, a date folder is a date.
func TestFolderTypesOfPartitionTypesApplyToRules(t *testing.T) {
	store := fileStore(t)
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, dir := range []string{"dt=2026-11-23/hr=07", "dt=2026-11-23/hr=23"} {
		p := store.URL("tables/clicks/" + dir + "/part-0.parquet")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(fmt.Sprintf(`COPY (SELECT i AS id FROM range(2) t(i)) TO '%s' (FORMAT parquet)`, p)); err != nil {
			t.Fatal(err)
		}
	}
	rules := []Rule{
		{Type: TypeRange, Column: "hr", Min: "0", Max: "9"},
		{Type: TypeSQL, Name: "date", Scope: ScopeAll, Query: "SELECT * FROM {table} WHERE dt <> DATE '2026-11-23'"},
	}
	res, err := Check(context.Background(), store, []TableRules{{Table: "clicks", Rules: rules}},
		Options{Now: func() time.Time { return t0 }, FolderTypes: map[string]map[string]string{"clicks": {"dt": "DATE", "hr": "INTEGER", "absent": "BIGINT"}}})
	var failed *FailedError
	if !errors.As(err, &failed) || len(failed.Failures) != 1 || failed.Failures[0].Rule != "range(hr)" || failed.Failures[0].Observed != "2 rows out of range" {
		t.Fatalf("check = %+v, %v; want range(hr) failing on the 2 rows of hr=23 only", res, err)
	}
}

// keyGets counts the GETs of each lake file.
type keyGets struct {
	lake.Store
	mu   sync.Mutex
	gets map[string]int
}

func (k *keyGets) Unwrap() lake.Store { return k.Store }

func (k *keyGets) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if strings.HasPrefix(key, "tables/") {
		k.mu.Lock()
		k.gets[key]++
		k.mu.Unlock()
	}
	return k.Store.Get(ctx, key)
}

// A check of an S3 lake downloads each file once, though rules read both
// the new rows and all rows (the new files are among all files).
func TestCheckOnS3DownloadsEachFileOnce(t *testing.T) {
	store := &keyGets{Store: s3Store(t), gets: map[string]int{}}
	for i := range 4 {
		appendOrders(t, store, goodOrders(1+i*20, 20))
	}
	rules := []Rule{{Type: TypeUnique, Columns: []string{"id"}, Scope: ScopeAll}, {Type: TypeNotNull, Columns: []string{"id"}}, {Type: TypeRowCount, Min: "1"}}
	res, err := check(t, store, t0.Add(30*time.Minute), rules)
	if err != nil || res.Rows != 80 {
		t.Fatalf("check: %+v, %v", res, err)
	}
	if len(store.gets) == 0 {
		t.Fatal("no lake file read")
	}
	for key, n := range store.gets {
		if n != 1 {
			t.Errorf("%s downloaded %d times", key, n)
		}
	}
}
